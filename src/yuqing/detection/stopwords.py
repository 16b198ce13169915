"""Function words and platform boilerplate that never describe a happening.

The online document frequency (``terms.py``) down-weights every common word anyway; this
short list only removes the words that are common in *every* stream from the very first
post on, before the document frequency has anything to go on. It covers the languages of
the posts yuqing sees: Chinese first, then English and the Romance languages of
international coverage (tweets about disasters come in Spanish, Portuguese, Italian and
French as often as in English).
"""

from __future__ import annotations

__all__ = ["KEYWORD_FILLER", "STOP_WORDS"]

_ZH = """
的 了 是 我 你 他 她 它 们 我们 你们 他们 她们 它们 咱们 自己 大家 这 那 这个 那个 这些 那些 这样
那样 这么 那么 这里 那里 哪 哪里 哪个 什么 怎么 怎么样 为什么 谁 吗 吧 呢 啊 呀 哦 哈 嘛 呗 啦 哇 嗯
唉 哎 诶 喔 噢 么 之 与 和 跟 同 及 以及 或 或者 还是 而 而且 并 并且 但 但是 可是 不过 然而 因为
所以 因此 如果 虽然 虽 即使 就是 只是 只 就 都 也 还 又 再 才 已 已经 曾 曾经 正在 在 于 从 到 向 对
对于 关于 把 被 给 让 由 为 为了 以 用 将 会 能 能够 可以 可能 要 想 应该 得 地 着 过 个 些 每 各 等
等等 一 一个 一些 一样 一下 一直 一起 有 没 没有 不 不是 不会 不要 别 很 太 更 最 非常 特别 真 真的
挺 好像 其实 还有 然后 现在 今天 时候 时 后 前 里 上 下 中 说 看 去 来 做 人 事 东西 知道 觉得 这种
那种 如此 此 其 该 则 却 即 乃 之后 之前 以后 以前 啥 咋 嘿 哈哈 哈哈哈 哈哈哈哈 转发 转发微博 微博
网页 链接 网页链接 全文 展开 视频 秒拍 秒拍视频 微博视频 图片 评论 回复 分享 超话 热搜
"""

_EN = """
a an the and or but if then than so to of in on at by for with from into onto over under about
as is am are was were be been being do does did done have has had having it its it's this that
these those there here i me my mine we us our you your he him his she her they them their what
which who whom whose when where why how all any both each few more most other some such no nor
not only own same too very can could will would shall should may might must just also now up
down out off again further once s t don't can't im i'm u ur via rt amp http https www com co
get got go going gonna like one two new says said don doesn didn isn aren wasn weren won
wouldn couldn shouldn haven hasn ll ve re ain wanna lol
"""

_ES_PT_IT_FR = """
de del la las el los lo un una unos unas y o en por para con sin que se su sus al es son fue
era ha han hay como más mas muy pero ya le les me mi te tu nos este esta estos estas eso esa
da do das dos na no nas nos um uma e ao aos à às é são foi em pelo pela com sem seu sua seus
suas mais muito já eu ele ela eles elas isso isto este esta il lo gli le di da in con su per tra
fra che è sono è un una uno del della dei degli delle al alla ai agli alle nel nella non si ci
ma anche come più le la les un une des du de et en est sont au aux pour par sur dans avec ce
cette ces qui que pas plus ne se sa son ses il elle ils nous vous je tu on
"""

STOP_WORDS: frozenset[str] = frozenset((_ZH + _EN + _ES_PT_IT_FR).split())

# Words of news reports and notices that say how a report is told, not what happened
# (暂无 of 暂无人员伤亡, 目前, 相关, 情况 of 情况通报, 进行, 发生): left out of an event's
# keywords only (``EventDetector._keywords``). They stay in the words detection weighs,
# where they are common enough to weigh little and still help to tell posts apart, so
# that leaving them out of what a reader sees changes no post's event. General filler of
# Chinese reporting, not the words of any one happening.
_KEYWORD_FILLER_ZH = """
暂无 暂未 尚无 尚未 目前 当前 现已 仍在 相关 有关 情况 进行 开展 发生 造成 方面 工作
部门 此次 本次 近期 此前 随后 其中 据悉 据了解 了解到 获悉 记者 表示 介绍 第一时间 及时 刚刚
"""
KEYWORD_FILLER: frozenset[str] = frozenset(_KEYWORD_FILLER_ZH.split())
