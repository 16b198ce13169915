"""What became of one delivery attempt, in words: a stable code, what it names, Chinese.

A channel's ``DeliveryResult.detail`` is a ``Reason`` (``yuqing.core.reasons``): the
English it always was (the delivery log, the timeline and the API keep it unchanged),
with a ``code`` (``delivery.http_status``, ``smtp.login_refused`` ...) and the ``params``
it names. ``detail_text`` says it in the reader's language: ``yuqing roster
test-notify`` reports each channel's result so, in Chinese by default. A detail without a
code (read back from the store, a channel of a plugin) stays as it was written.
"""

from __future__ import annotations

from typing import Any

from yuqing.core.reasons import Reason

__all__ = ["Reason", "detail", "detail_text"]

# The longest text of an answer (a server's words, an error) a Chinese sentence repeats.
_MAX_PART = 200


def detail(code: str, english: str, /, **params: Any) -> Reason:
    """A delivery attempt's detail: ``english`` as it always read, with its code."""
    return Reason(english, code, params)


# What an HTTP status means, for a person who does not know the numbers.
_HTTP_ZH = {
    "400": "请求有误",
    "401": "未授权，请检查密钥或令牌",
    "403": "拒绝访问",
    "404": "地址不存在",
    "405": "不接受此种请求",
    "408": "请求超时",
    "410": "地址已失效",
    "413": "内容过大",
    "500": "对方服务器内部错误",
    "502": "网关错误",
    "503": "对方服务暂不可用",
    "504": "网关超时",
}

# The kinds of timeout httpx names.
_TIMEOUTS_ZH = {
    "ConnectTimeout": "连接超时",
    "ReadTimeout": "等待答复超时",
    "WriteTimeout": "发送超时",
    "PoolTimeout": "等待可用连接超时",
}

_SENTENCES_ZH: dict[str, str] = {
    # Delivered.
    "delivery.in_inbox": "已放入站内收件箱",
    "delivery.http_ok": "对方已接收（HTTP {status}）",
    "robot.ok": "{where}：机器人已接收",
    "sms.accepted": "短信网关已接收（HTTP {status}）",
    "smtp.accepted": "{where} 已接收邮件",
    # Any HTTP channel.
    "delivery.http_status": "{where}：对方答复 HTTP {status}{meaning}{answer}",
    "delivery.too_many_requests": "{where}：对方要求放慢发送（HTTP 429，请求过多），稍后重试",
    "delivery.timeout": "{where}：{timeout}，稍后重试",
    "delivery.connection_refused": "{where}：连接被拒绝（对方地址上没有服务在接收），稍后重试",
    "delivery.cannot_connect": "{where}：无法连接（{error}），稍后重试",
    "delivery.transport": "{where}：传输失败（{kind}：{error}），稍后重试",
    "delivery.invalid_url": "{where}：地址无效（{error}）",
    "delivery.no_channel": "未配置“{kind}”渠道",
    "delivery.channel_crashed": "“{kind}”渠道程序出错（{error_kind}：{error}）",
    "delivery.deferred": "{where}：暂缓 {wait} 秒后再发",
    "delivery.duplicate": "此消息已发出或正在发送",
    # In-app.
    "inapp.refused": "站内收件箱未能保存（{kind}：{error}）",
    # Webhooks and chat robots.
    "webhook.not_http": "接口推送地址不是 http(s) 网址",
    "robot.not_http": "{kind} 机器人地址不是 http(s) 网址",
    "robot.held_back": "{where}：为遵守机器人的发送频率限制，暂缓发送",
    "robot.no_errcode": "{where}：答复中没有错误码（{answer}）",
    "robot.too_fast": "{where}：平台提示发送过快（{code} {text}），稍后重试",
    "robot.busy": "{where}：平台繁忙（{code} {text}），稍后重试",
    "robot.refused": "{where}：平台拒收（{code} {text}）",
    "robot.blocked": "{where}：机器人因发送过快被暂时封禁（HTTP {status}）",
    # SMS.
    "sms.not_phone": "{target!r} 不是手机号码",
    "sms.http_status": "短信网关答复 HTTP {status}{meaning}",
    "sms.refused": "短信网关拒绝发送：{field} 为 {shown}，应为 {expected!r}（{answer}）",
    # Email.
    "smtp.not_email": "{target!r} 不是电子邮件地址",
    "smtp.login_refused": "{where} 拒绝登录（请检查用户名和密码）：{reply}",
    "smtp.recipient_refused": "{where} 拒收收件人 {target}：{codes}",
    "smtp.reply": "{where} 答复错误：{reply}",
    "smtp.not_supported": "{where} 不支持所需的功能：{error}",
    "smtp.certificate": "{where}：服务器证书未通过验证：{error}",
    "smtp.connection_refused": (
        "{where}：连接被拒绝（该地址和端口上没有邮件服务器在接收），稍后重试"
    ),
    "smtp.timeout": "{where}：连接超时，稍后重试",
    "smtp.disconnected": "{where}：邮件服务器断开了连接（{error}），稍后重试",
    "smtp.transport": "{where}：发送失败（{kind}：{error}），稍后重试",
}


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_PART else text[: _MAX_PART - 1] + "…"


def detail_text(said: str, lang: str) -> str:
    """A delivery detail in ``lang``: English is the detail itself; Chinese is said from its
    code and params. A detail without a code, or one whose code has no sentence, is shown
    as it is."""
    if lang != "zh" or not isinstance(said, Reason):
        return str(said)
    template = _SENTENCES_ZH.get(said.code)
    if template is None:
        return str(said)
    params = said.params
    values: dict[str, Any] = {
        key: value if isinstance(value, int | float) else _cut(str(value))
        for key, value in params.items()
    }
    status = str(params.get("status", ""))
    meaning = _HTTP_ZH.get(status) or ("对方服务器出错" if status.startswith("5") else "")
    values["meaning"] = f"（{meaning}）" if meaning else ""
    answer = str(params.get("answer") or "").strip()
    if said.code == "delivery.http_status":
        values["answer"] = f"：{_cut(answer)}" if answer else ""
    values["timeout"] = _TIMEOUTS_ZH.get(str(params.get("kind")), "超时")
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return str(said)
