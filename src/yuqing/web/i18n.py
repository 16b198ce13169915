"""Interface strings: Simplified Chinese by default, English on request."""

from __future__ import annotations

import re
from collections.abc import Callable

LANGUAGES = ("zh", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "舆情应急值守", "en": "Public-opinion duty desk"},
    "subtitle": {"zh": "实时采集、聚合与预警", "en": "Live collection, grouping and alerts"},
    "subtitle_demo": {
        "zh": "实时采集、聚合与预警（演示）",
        "en": "Live collection, grouping and alerts (demo)",
    },
    "now": {"zh": "当前时间", "en": "Now"},
    "stream_time": {"zh": "当前时间（流时间）", "en": "Now (stream time)"},
    # Every time on the page is a wall-clock time in the deployment's zone (the figure
    # beside the clock names it): a reader elsewhere, or the API's, must not guess.
    "time_zone": {"zh": "时区", "en": "Time zone"},
    "zone_china": {"zh": "北京时间", "en": "China time"},
    "chart_peak": {"zh": "峰值：每分钟 {n} 条", "en": "Peak: {n} posts a minute"},
    "chart_peak_one": {"zh": "峰值：每分钟 1 条", "en": "Peak: 1 post a minute"},
    "last_burst": {"zh": "最近突增", "en": "Last burst"},
    "monitor_bursts": {"zh": "监测方案突增", "en": "Monitor bursts"},
    "burst_at": {"zh": "时间", "en": "At"},
    "burst_posts": {"zh": "窗口内条数", "en": "Posts in window"},
    "burst_expected": {"zh": "通常约", "en": "Usually about"},
    "burst_window": {"zh": "窗口（分钟）", "en": "Window (min)"},
    "bursting_now": {"zh": "正在突增", "en": "Bursting now"},
    "removed_monitor": {"zh": "（已删除的方案）", "en": "(removed monitor)"},
    "posts_total": {"zh": "已入库信息", "en": "Posts stored"},
    "stories_total": {"zh": "话题（近似重复聚合）", "en": "Stories (near-duplicate groups)"},
    "sources": {"zh": "信息源", "en": "Sources"},
    "source": {"zh": "信息源", "en": "Source"},
    "category": {"zh": "类别", "en": "Category"},
    "items_total": {"zh": "累计条数", "en": "Items"},
    "items_per_day": {"zh": "近24小时条数", "en": "Items, last 24 h"},
    "last_success": {"zh": "最近成功", "en": "Last success"},
    "last_error": {"zh": "最近错误", "en": "Last error"},
    "per_minute": {"zh": "每分钟信息量（近60分钟）", "en": "Posts per minute (last 60 min)"},
    "latest_stories": {"zh": "最新话题", "en": "Latest stories"},
    "story": {"zh": "话题", "en": "Story"},
    "posts": {"zh": "条数", "en": "Posts"},
    "reach": {"zh": "互动量", "en": "Reach"},
    "last_seen": {"zh": "最近出现", "en": "Last seen"},
    "monitors": {"zh": "监测方案", "en": "Monitors"},
    "query": {"zh": "检索式", "en": "Query"},
    "monitor_name": {"zh": "名称", "en": "Name"},
    "monitor_active": {"zh": "运行中", "en": "Active"},
    "monitor_paused": {"zh": "已暂停", "en": "Paused"},
    # A query stored by an earlier version that no longer compiles: ingestion skips it.
    "monitor_not_run": {"zh": "未运行", "en": "Not run"},
    "monitor_not_run_why": {
        "zh": "检索式已无法解析，此方案未在运行（{problem}）。请删除后按正确写法重新添加。",
        "en": "Its query no longer compiles, so it is not run ({problem}). "
        "Remove it and add it again with the query corrected.",
    },
    "error_404": {"zh": "找不到此页面", "en": "Page not found"},
    "error_405": {
        "zh": "此页面不接受这种请求",
        "en": "This page does not accept this kind of request",
    },
    "error_422": {"zh": "请求的参数有误", "en": "The request's parameters are not valid"},
    "error_503": {
        "zh": "数据库暂时无法处理此请求，请稍后再试",
        "en": "The database cannot take this request now; try again later",
    },
    "error_other": {"zh": "出错了，请稍后再试", "en": "Something went wrong; try again later"},
    "back_to_overview": {"zh": "返回总览", "en": "Back to the overview"},
    "matched": {"zh": "命中", "en": "Matched"},
    "none_yet": {"zh": "暂无数据", "en": "Nothing yet"},
    # A story's title is blanked when its posts are purged (retention): no words are left.
    "untitled": {
        "zh": "（无标题：原帖已过保存期限删除或无文字）",
        "en": "(no title: its posts were purged or had no text)",
    },
    "switch_language": {"zh": "English", "en": "中文"},
    "privacy_note": {
        "zh": "个人账号名已在入库时化名处理；仅采集公开信息。",
        "en": "Personal account names are pseudonymised at ingestion; public sources only.",
    },
    "events": {"zh": "事件（自动发现）", "en": "Events (detected)"},
    "events_raised": {"zh": "已预警", "en": "raised"},
    "event": {"zh": "事件", "en": "Event"},
    "state": {"zh": "状态", "en": "State"},
    "raised": {"zh": "已预警", "en": "Raised"},
    "forming": {"zh": "形成中", "en": "Forming"},
    "kind": {"zh": "类别", "en": "Kind"},
    "negative": {"zh": "负面占比", "en": "Negative"},
    "first_seen": {"zh": "首次出现", "en": "First seen"},
    "alerted_at": {"zh": "预警时间", "en": "Raised at"},
    "kind_natural_disaster": {"zh": "自然灾害", "en": "Natural disaster"},
    "kind_accident": {"zh": "事故灾难", "en": "Accident"},
    "kind_public_health": {"zh": "公共卫生", "en": "Public health"},
    "kind_public_safety": {"zh": "社会安全", "en": "Public safety"},
    "kind_none": {"zh": "—", "en": "—"},
    "central_media": {"zh": "中央媒体", "en": "Central media"},
    "local_media": {"zh": "地方媒体", "en": "Local media"},
    "government": {"zh": "政务", "en": "Government"},
    "overseas_media": {"zh": "境外媒体", "en": "Overseas media"},
    "forum": {"zh": "论坛社区", "en": "Forums"},
    "social": {"zh": "社交媒体", "en": "Social media"},
    "other": {"zh": "其他", "en": "Other"},
}


def pick_language(requested: str | None) -> str:
    """The explicit choice wins; Chinese is the default whatever the browser says."""
    if requested in LANGUAGES:
        return requested
    return "zh"


def translator(lang: str) -> Callable[[str], str]:
    def translate(key: str) -> str:
        entry = _STRINGS.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry["zh"]

    return translate


# The zones whose wall clock is Beijing time, as people in China name it.
_CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def zone_label(zone: str, offset: str, lang: str) -> str:
    """The page's time zone as a reader names it: 北京时间（UTC+08:00）, else the zone's id."""
    name = translator(lang)("zone_china") if zone in _CHINA_ZONES else zone
    return f"{name}（UTC{offset}）" if lang == "zh" else f"{name} (UTC{offset})"


# A feed's last error as the console shows it. The poller's messages (sources/rss.py) are
# in English, for logs and the command line: each known form, after the URL, is said in
# Chinese here, its technical detail (an HTTP reason, a network error) kept as it came.
_FEED_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"^HTTP 304 without a conditional request$", "未发条件请求，服务器却返回 HTTP 304"),
        (r"^HTTP (\d+)(.*)$", r"服务器返回 HTTP \1\2"),
        (r"^cannot connect \((.*)\)$", r"无法连接（\1）"),
        (r"^timed out after (\S+) s$", r"\1 秒内没有响应"),
        (r"^too many redirects$", "重定向次数过多"),
        (r"^request failed \((.*)\)$", r"请求失败（\1）"),
        (r"^got an HTML page, not an RSS or Atom feed$", "返回的是网页，不是 RSS/Atom 订阅源"),
        (r"^empty response, not an RSS or Atom feed$", "返回内容为空，不是 RSS/Atom 订阅源"),
        (r"^not an RSS or Atom feed(.*)$", r"不是 RSS/Atom 订阅源\1"),
        (r"^feed larger than (\d+) MB(.*)$", r"订阅源超过 \1 MB\2"),
        (r"^could not read the feed \((.*)\)$", r"无法解析订阅源（\1）"),
        (r"^could not fetch the feed \((.*)\)$", r"无法抓取订阅源（\1）"),
        (r"^not an http\(s\) URL$", "不是 http(s) 网址"),
        (r"^more than one content coding \((.*)\), refused$", r"内容编码不止一层（\1），拒绝读取"),
        (r"^unsupported content coding (.*)$", r"不支持的内容编码 \1"),
        (r"^the (\w+) body is corrupt \((.*)\)$", r"\1 压缩内容已损坏（\2）"),
        (r"^the (\w+) body ends before its end$", r"\1 压缩内容不完整"),
        (r"^all (\d+) entries rejected(.*)$", r"全部 \1 条条目被拒收\2"),
        (r"^(\d+) of (\d+) entries rejected(.*)$", r"\2 条条目中有 \1 条被拒收\3"),
    )
)


def feed_error(message: str | None, lang: str) -> str | None:
    """A feed's error in the reader's language (Chinese: the known forms translated)."""
    if message is None or lang != "zh":
        return message
    rest = message
    prefix = ""
    head, sep, tail = message.partition(": ")
    if sep and head.lower().startswith(("http://", "https://")):
        prefix, rest = f"{head}：", tail
    for pattern, chinese in _FEED_ERRORS:
        if pattern.match(rest):
            return prefix + pattern.sub(chinese, rest, count=1)
    return message
