"""Interface strings: Simplified Chinese by default, English on request."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from yuqing.core.shown import cut
from yuqing.errors import QueryError
from yuqing.incidents.timeline import STATE_NAMES
from yuqing.sources.reasons import feed_text

LANGUAGES = ("zh", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "舆情应急值守", "en": "Public-opinion duty desk"},
    "subtitle": {"zh": "实时采集、聚合与预警", "en": "Live collection, grouping and alerts"},
    "subtitle_demo": {
        "zh": "实时采集、聚合与预警（演示）",
        "en": "Live collection, grouping and alerts (demo)",
    },
    "now": {"zh": "当前时间", "en": "Now"},
    # In the demo the page's clock is the replayed scenario's (a day in July 2026),
    # not the reader's: said so, in plain words ("流时间" was the engineers' word).
    "demo_time": {"zh": "演示场景时间", "en": "Demo scenario time"},
    # Once the scenario's day is replayed: no post comes in any more, and the page must not
    # read as broken (demo_played_out).
    "demo_ended": {
        "zh": "演示场景已全部回放：场景中一天（{start} 至 {end}）的信息都已入库，此后不会再有新"
        "信息，图表和事件会渐渐变空。如需从头再看，请停止后重新运行 make run（即 yuqing serve "
        "--demo），演示数据库会重新生成。",
        "en": "The demo scenario has played to its end: its day ({start} to {end}) is all "
        "stored and no more posts come in, so the chart and the events empty out. To watch "
        "it again from the start, stop the server and run make run (yuqing serve --demo) "
        "again: the demo database is made afresh.",
    },
    # Every time on the page is a wall-clock time in the deployment's zone (the figure
    # beside the clock names it): a reader elsewhere, or the API's, must not guess.
    "time_zone": {"zh": "时区", "en": "Time zone"},
    "zone_china": {"zh": "北京时间", "en": "China time"},
    "chart_peak": {"zh": "峰值：每分钟 {n} 条", "en": "Peak: {n} posts a minute"},
    "chart_peak_one": {"zh": "峰值：每分钟 1 条", "en": "Peak: 1 post a minute"},
    # A bar's tooltip: its minute and its posts, with their unit ("10:05: 3" said neither).
    "chart_bar": {"zh": "{at}：{n} 条", "en": "{at}: {n} posts"},
    "chart_bar_one": {"zh": "{at}：1 条", "en": "{at}: 1 post"},
    # Under the chart: its last bar is the minute under way (drawn pale), not a fall.
    "chart_partial": {
        "zh": "最右侧浅色的一栏是当前这一分钟，信息仍在入库，条数还会增加。",
        "en": "The pale last bar is the minute now under way: its posts are still coming in.",
    },
    # The page reloads itself (a meta refresh; it runs no script): said, so that a duty
    # officer knows the figures are live and why the page redraws.
    "refresh": {"zh": "自动刷新", "en": "Refreshes"},
    "refresh_every": {"zh": "每 {n} 秒", "en": "every {n} s"},
    "last_burst": {"zh": "最近突增", "en": "Last burst"},
    "monitor_bursts": {"zh": "监测方案突增", "en": "Monitor bursts"},
    "burst_at": {"zh": "时间", "en": "At"},
    # The posts in the burst's window when it was flagged (the monitor's matches since
    # are its total, beside): "窗口内条数 5" beside a monitor that had matched 1,053 read
    # as all it had found.
    "burst_posts": {"zh": "突增时窗口内条数", "en": "Posts in window when flagged"},
    "burst_matched": {"zh": "方案累计命中", "en": "Monitor's matches in all"},
    "burst_expected": {"zh": "通常约（条）", "en": "Usually about (posts)"},
    # A baseline of nothing (a new topic, a monitor watching a quiet one): "通常约 0.0"
    # read as a figure of no use; said in words.
    "burst_none_before": {"zh": "此前几乎没有", "en": "almost none before"},
    "burst_window": {"zh": "窗口（分钟）", "en": "Window (min)"},
    "bursting_now": {"zh": "正在突增", "en": "Bursting now"},
    "removed_monitor": {"zh": "（已删除的方案）", "en": "(removed monitor)"},
    "posts_total": {"zh": "已入库信息", "en": "Posts stored"},
    # "Story" and "near-duplicate groups" were the engineers' words for it.
    "stories_total": {"zh": "话题（相同或相近内容）", "en": "Topics (same or similar text)"},
    "sources": {"zh": "信息源", "en": "Sources"},
    "source": {"zh": "信息源", "en": "Source"},
    "category": {"zh": "类别", "en": "Category"},
    # "Posts" as everywhere else on the page (条数), not "Items" in this one table.
    "items_total": {"zh": "累计条数", "en": "Posts"},
    "items_per_day": {"zh": "近24小时条数", "en": "Posts, last 24 h"},
    "last_success": {"zh": "最近成功", "en": "Last success"},
    # A source's state, in the words of `yuqing feeds list` (api.app.source_state).
    # Capitalised as the page's other states (Raised, Active): lower-case, "ok" and
    # "failing" read as the API's codes.
    "source_ok": {"zh": "正常", "en": "OK"},
    "source_failing": {"zh": "抓取失败", "en": "Failing"},
    # Added with `feeds add --no-check` and not polled since: nothing known of it yet.
    "source_not_polled": {"zh": "尚未抓取", "en": "Not polled yet"},
    # An imported, pushed or replayed source that has never stored a post: nothing shows
    # it works (api.app.source_state), so not "OK"; a feed never read is "Not polled yet".
    "source_no_posts": {"zh": "尚无信息", "en": "No posts yet"},
    # A feed paused with `yuqing feeds pause`: not polled, neither ok nor failing.
    "source_paused": {"zh": "已暂停", "en": "Paused"},
    "last_error": {"zh": "最近错误", "en": "Last error"},
    "per_minute": {"zh": "每分钟信息量（近60分钟）", "en": "Posts per minute (last 60 min)"},
    "latest_stories": {"zh": "最新话题", "en": "Latest topics"},
    "stories_note": {
        "zh": "内容相同或相近的信息（含转发、评论）归为一个话题；互动量是转发、评论和点赞数之和。"
        "按最近出现的时间排列，最新的在前：话题有了新信息就会移到前面。",
        "en": "Posts with the same or nearly the same text (reposts and replies included) "
        "make one topic; interactions are its reposts, comments and likes added up. The "
        "topic seen last comes first: a topic with a new post moves up.",
    },
    "story": {"zh": "话题", "en": "Topic"},
    "posts": {"zh": "条数", "en": "Posts"},
    # Reposts, comments and likes added up, as 互动量 says (not an audience's size).
    "reach": {"zh": "互动量", "en": "Interactions"},
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
    # The API asked at an address, or with a method, that none of its routes has.
    "api_no_route": {
        "zh": "没有这个接口地址：请核对路径（全部接口见 /openapi.json）",
        "en": "There is no such API address: check the path (every route is in /openapi.json)",
    },
    "api_body_unreadable": {
        "zh": "请求体无法读取：不是 UTF-8 文本，或 JSON 嵌套过深：请以 UTF-8 编码的 JSON 发送",
        "en": "the body cannot be read: it is not UTF-8 text, or its JSON is nested too "
        "deeply; send UTF-8 JSON",
    },
    "api_body_key_twice": {
        "zh": "请求体的同一个对象里，键 {name} 出现了两次：请只保留一个",
        "en": "the key {name} is given twice in one object of the body: keep one",
    },
    "api_body_encoding": {
        "zh": "此接口不接受 Content-Encoding {encoding}：请不压缩发送请求体",
        "en": "Content-Encoding {encoding} is not taken here: send the body uncompressed",
    },
    "api_body_not_json": {
        "zh": "请求体须为 JSON（Content-Type: application/json），收到的是 {content_type}",
        "en": "send the body as JSON (Content-Type: application/json), not {content_type}",
    },
    "api_no_method": {
        "zh": "此接口地址不接受这种请求方法（可用的方法见响应头 Allow）",
        "en": "This API address does not take this request method (the Allow header "
        "names those it takes)",
    },
    # A page of one incident or event asked by an id no one has (mistyped, cut short).
    "error_no_incident": {
        "zh": "没有编号为“{id}”的舆情事件：请核对编号，或在全部舆情事件中查找。",
        "en": "There is no incident numbered “{id}”: check the number, or look for it "
        "among all incidents.",
    },
    # The same, asked with a number of blanks only (a link cut short).
    "error_no_incident_blank": {
        "zh": "链接中没有舆情事件编号（可能不完整）：请在全部舆情事件中查找。",
        "en": "The link names no incident number (it may be incomplete): look for the "
        "incident among all incidents.",
    },
    "error_no_event": {
        "zh": "没有这个检测事件：链接可能不完整，请在总览的检测事件中查找。",
        "en": "There is no such detected event: the link may be incomplete; look for it "
        "among the overview's detected events.",
    },
    "back_to_overview": {"zh": "返回总览", "en": "Back to the overview"},
    "matched": {"zh": "命中条数", "en": "Posts matched"},
    # What an empty section is waiting for: a fresh install, or a quiet hour, showed
    # "暂无数据" five times and said nothing a duty officer could use.
    "empty_chart": {
        "zh": "暂无数据：近60分钟没有信息入库。",
        "en": "Nothing yet: no posts stored in the last 60 minutes.",
    },
    # Until detection's baselines rest on a few hours of the stream, events are raised
    # only under a stricter rule, and in the first hour none at all
    # (EventDetector.alerts_from, early_alerts_from): a fresh deployment must not be read
    # as a calm day.
    "warmup_waiting": {
        "zh": "自动预警尚未开始：系统需要先积累约 {hours} 小时的信息作为基线，从首条信息入库时"
        "算起。在此之前请结合监测方案的命中情况和人工巡查。",
        "en": "Automatic alerts have not started: yuqing first needs about {hours} hours of "
        "posts as a baseline, counted from the first post stored. Until then, watch the "
        "monitors' matches and patrol by hand.",
    },
    # {span}, {left}: a time span in hours and minutes (incidents.durations), "约 202
    # 分钟后" read as a sum to do.
    "warmup_waiting_strict": {
        "zh": "自动预警尚未开始：系统需要先积累约 {hours} 小时的信息作为基线，从首条信息入库时"
        "算起；其中首条信息入库约 {span}后起，声量突出的事件会按更严格的条件预警。"
        "在此之前请结合监测方案的命中情况和人工巡查。",
        "en": "Automatic alerts have not started: yuqing first needs about {hours} hours of "
        "posts as a baseline, counted from the first post stored; from about {span} "
        "after the first post, events that stand out in the volume are raised under a "
        "stricter rule. Until then, watch the monitors' matches and patrol by hand.",
    },
    "warmup_until": {
        "zh": "自动预警预热中：基线信息尚不足，{until} 起（约 {left}后）才会判断突增并"
        "预警，此前的事件都显示为“形成中”。请结合监测方案的命中情况和人工巡查。",
        "en": "Alerts warming up: the baseline is still short, so bursts are judged and "
        "events raised from {until} (in about {left}); until then every event shows "
        "as forming. Watch the monitors' matches and patrol by hand.",
    },
    "warmup_strict": {
        "zh": "自动预警预热中：基线信息尚不足。{strict} 起只对声量突出的事件按更严格的条件预警，"
        "{until} 起（约 {left}后）按正常条件判断突增并预警；未达条件的事件显示为"
        "“形成中”。请结合监测方案的命中情况和人工巡查。",
        "en": "Alerts warming up: the baseline is still short. From {strict} only events "
        "that stand out in the volume are raised, under a stricter rule; from {until} (in "
        "about {left}) bursts are judged as usual. Events below the rule show as "
        "forming. Watch the monitors' matches and patrol by hand.",
    },
    # The stricter rule already applies: "07:00 起只对…" at 09:17 read as still to come.
    "warmup_strict_now": {
        "zh": "自动预警预热中：基线信息尚不足，现在只对声量突出的事件按更严格的条件预警，"
        "{until} 起（约 {left}后）按正常条件判断突增并预警；未达条件的事件显示为"
        "“形成中”。请结合监测方案的命中情况和人工巡查。",
        "en": "Alerts warming up: the baseline is still short, so for now only events "
        "that stand out in the volume are raised, under a stricter rule; from {until} (in "
        "about {left}) bursts are judged as usual. Events below the rule show as "
        "forming. Watch the monitors' matches and patrol by hand.",
    },
    "empty_events": {
        "zh": "暂无数据：尚未发现事件。多条信息在短时间内集中谈论同一件事时，"
        "系统会自动把它们归为一个事件列在这里；达到预警条件时标为“已预警”。",
        "en": "Nothing yet: no event detected. When many posts about one happening "
        "appear within a short time, they are grouped here as an event, marked "
        '"Raised" once it meets the alert conditions.',
    },
    "empty_stories": {
        "zh": "暂无数据：尚无信息入库。内容相同或相近的信息会归为一个话题列在这里。",
        "en": "Nothing yet: no posts stored. Posts with the same or nearly the same "
        "text are listed here as one topic.",
    },
    "empty_monitors": {
        "zh": "暂无数据：尚未设置监测方案。监测方案用检索式筛选信息，相关信息突增时"
        "在此提示；请联系系统管理员添加。",
        "en": "Nothing yet: no monitors set up. A monitor is a saved query that "
        "selects posts and flags a burst of them; ask the system administrator to add one.",
    },
    "empty_sources": {
        "zh": "暂无数据：尚未接入信息源，因此没有信息入库。请联系系统管理员配置信息源。",
        "en": "Nothing yet: no sources set up, so no posts come in. Ask the system "
        "administrator to add sources.",
    },
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
    # The heading's counts, with their unit: "已预警 2 / 3" left the reader to guess.
    "events_count": {
        "zh": "已预警 {raised} 起，共 {total} 起",
        "en": "{raised} of {total} raised",
    },
    "event": {"zh": "事件", "en": "Event"},
    "state": {"zh": "状态", "en": "State"},
    "raised": {"zh": "已预警", "en": "Raised"},
    "forming": {"zh": "形成中", "en": "Forming"},
    # An event retired by detection, or without a post for as long as detection follows
    # a small one (api.app.quiet_rule): no longer "forming", nor a live alert.
    "faded": {"zh": "已平息", "en": "Died down"},
    "faded_last": {"zh": "最后一条 {at}", "en": "last post {at}"},
    # What the states mean, under the table: the page names them and did not say.
    "legend_raised": {
        "zh": "已预警：短时间内相关信息明显增多、来自多个不同话题，达到了预警条件；"
        "“预警时间”是达到条件的时刻。",
        "en": "Raised: related posts rose sharply within a short time, across several "
        'topics, and met the alert conditions; "Raised at" is when they did.',
    },
    "legend_forming": {
        "zh": "形成中：系统已把一组相关信息归为同一事件，尚未达到预警条件，仍在跟踪。",
        "en": "Forming: related posts grouped as one event that has not met the alert "
        "conditions; still followed.",
    },
    # {quiet}: detection.idle_small, after which detection stops following an event of
    # fewer than {posts} posts; {kept}: detection.idle_large, a larger one's.
    "legend_faded": {
        "zh": "已平息：{quiet}以上没有新的相关信息（注明最后一条的时间）。少于 {posts} 条信息的"
        "事件此时系统已停止跟踪；较大的事件系统会继续跟踪，直到 {kept}没有新信息，其间如再有"
        "相关信息，事件恢复原来的状态。",
        "en": "Died down: no related posts for {quiet} or more (the last one's time is "
        "given). Detection stops following an event of fewer than {posts} posts then; a "
        "larger one it follows until {kept} without a post, and a new post before then "
        "brings it back.",
    },
    # The events' order, which does not change from one refresh to the next.
    "events_order": {
        "zh": "排列顺序：已预警的在前，其次其他的；各自之中仍有新信息的在前，再按预警（或发现）"
        "时间从近到远排列。页面刷新时顺序不变，只有事件被预警、或数小时没有新信息时才会移动。",
        "en": "Order: raised events first, then the others; in each, those still getting "
        "posts first, then the latest raised (or found) first. A refresh keeps the order: "
        "an event moves only when it is raised, or gets no post for hours.",
    },
    # Why an event has no kind or no negative share yet: the detector's rules
    # (DetectionConfig.event_kind_*, min_sentiment_posts).
    "kind_unknown_why": {
        "zh": "未判定：相关信息中还没有哪一类突发事件（自然灾害、事故灾难、公共卫生、社会安全）"
        "明显多于平时的一般讨论，暂不判定类型；信息增多后会重新判定。",
        "en": "Not determined: no kind of emergency (natural disaster, accident, public "
        "health, public safety) stands out yet among its posts against everyday talk; it "
        "is judged again as posts come in.",
    },
    "negative_unknown_why": {
        "zh": "负面占比“—”：带情感倾向的信息不足 {n} 条，占比还不可靠，暂不计算。",
        "en": 'Negative share "—": fewer than {n} of its posts carry a sentiment, too '
        "few for a share to mean anything; none is given yet.",
    },
    # Events detection merged into a listed one (the same happening) are not listed
    # themselves: the one they went into names them, and the legend says why.
    "merged_in": {"zh": "含已并入的 {n} 起：", "en": "Includes {n} merged events: "},
    "merged_in_one": {"zh": "含已并入的 1 起：", "en": "Includes 1 merged event: "},
    "merged_sep": {"zh": "；", "en": "; "},
    "merged_raised_at": {"zh": "（{at} 预警）", "en": " (raised {at})"},
    # A merged event raised and merged within one batch has no stored title.
    "merged_burst_term": {"zh": "突增词“{term}”", "en": "burst word “{term}”"},
    "merged_more": {"zh": "；另 {n} 起", "en": "; {n} more"},
    "legend_merged": {
        "zh": "含已并入：检测发现几起事件说的是同一件事，已合并为一起；已并入的事件不再单独"
        "列出，其预警和条数都计入合并后的事件。",
        "en": "Includes merged: detection found several events to be one happening and "
        "merged them; a merged event is no longer listed on its own, its alert and posts "
        "count in the event it went into.",
    },
    # The query language's 类别 is a source's category (core.monitors): an event's kind
    # is its 类型 / 事件类型 there, and here.
    "kind": {"zh": "事件类型", "en": "Kind"},
    "negative": {"zh": "负面占比", "en": "Negative share"},
    "first_seen": {"zh": "首次出现", "en": "First seen"},
    "alerted_at": {"zh": "预警时间", "en": "Raised at"},
    "kind_natural_disaster": {"zh": "自然灾害", "en": "Natural disaster"},
    "kind_accident": {"zh": "事故灾难", "en": "Accident"},
    "kind_public_health": {"zh": "公共卫生", "en": "Public health"},
    "kind_public_safety": {"zh": "社会安全", "en": "Public safety"},
    "kind_none": {"zh": "未判定", "en": "Not determined"},
    # -- the plan's incidents (舆情事件), on the overview and on their own pages --------
    # Detection's events are 检测事件 / 事件（自动发现）; the plan's incidents 舆情事件, as
    # the command line and the incidents' timelines name them.
    "incidents": {"zh": "舆情事件（应急处置）", "en": "Incidents (emergency response)"},
    "incidents_count": {"zh": "未结案 {n} 起", "en": "{n} open"},
    "incidents_more": {
        "zh": "另有 {n} 起未结案的舆情事件未在此列出（此处按级别和时限只列出最紧要的），"
        "见全部舆情事件。",
        "en": "{n} more open incidents are not listed here (only the most urgent are, by "
        "level and deadline): see all incidents.",
    },
    # The overview's link to the incidents' own page, and that page.
    "incidents_all": {"zh": "全部舆情事件（含已结案）", "en": "All incidents (closed included)"},
    "incidents_page": {"zh": "全部舆情事件", "en": "All incidents"},
    "incidents_open_heading": {"zh": "未结案", "en": "Open"},
    "incidents_closed_heading": {"zh": "已结案", "en": "Closed"},
    "incidents_listed": {"zh": "列出 {n} 起，共 {total} 起", "en": "{n} of {total} listed"},
    "incidents_order": {
        "zh": "排列顺序：级别高的在前（I级最高），同级的有超时未完成事项的在前，其次截止时间近的"
        "在前，再次新立案的在前。",
        "en": "Order: the highest level first (I is the highest); within a level those with "
        "an overdue deadline, then the nearest deadline, then the newest.",
    },
    "incidents_closed_order": {"zh": "最近结案的在前。", "en": "The most recently closed first."},
    "incidents_open_more": {
        "zh": "另有 {n} 起未结案的舆情事件未列出（只列出最紧要的）；可用命令行 yuqing incidents "
        "list 查看全部。",
        "en": "{n} more open incidents are not listed (only the most urgent are); "
        "`yuqing incidents list` on the command line lists them all.",
    },
    "incidents_closed_more": {
        "zh": "另有 {n} 起更早结案的舆情事件未列出；可用命令行 yuqing incidents list --state "
        "closed 查看。",
        "en": "{n} incidents closed earlier are not listed; `yuqing incidents list --state "
        "closed` on the command line lists them.",
    },
    "incidents_none_closed": {"zh": "尚无已结案的舆情事件。", "en": "No incident closed yet."},
    "empty_incidents": {
        "zh": "暂无数据：没有未结案的舆情事件。检测事件达到预警条件后会按应急预案自动立案或"
        "建议立案，值班人员也可根据巡查报告立案；立案后在此列出级别、处置状态和各项时限。",
        "en": "Nothing yet: no open incident. A detected event that meets the alert conditions "
        "is opened (or suggested) as an incident under the emergency plan, and the duty "
        "officer can open one from a patrol report; each is listed here with its level, "
        "state and deadlines.",
    },
    "level": {"zh": "级别", "en": "Level"},
    "incident": {"zh": "舆情事件", "en": "Incident"},
    "incident_state": {"zh": "处置状态", "en": "State"},
    "lead_unit": {"zh": "牵头单位", "en": "Lead unit"},
    "opened_at": {"zh": "立案时间", "en": "Opened"},
    "deadlines": {"zh": "时限", "en": "Deadlines"},
    "incident_event_short": {"zh": "对应的检测事件", "en": "its detected event"},
    "level_none": {"zh": "未定级", "en": "No level"},
    "level_label": {"zh": "{level}级（{colour}）", "en": "Level {level} ({colour})"},
    "level_label_plain": {"zh": "{level}级", "en": "Level {level}"},
    # Proposed by the rules, not yet decided by a person.
    "level_proposed": {"zh": "{level}，待确认", "en": "{level}, to be confirmed"},
    "colour_red": {"zh": "红色", "en": "red"},
    "colour_orange": {"zh": "橙色", "en": "orange"},
    "colour_yellow": {"zh": "黄色", "en": "yellow"},
    "colour_blue": {"zh": "蓝色", "en": "blue"},
    # The timeline says a change of state with the same words as the page's facts.
    **{f"incident_state_{state}": {"zh": zh, "en": en} for state, (zh, en) in STATE_NAMES.items()},
    # Still overdue (red), apart from those done after their deadline: "已超时 1 项" in
    # red all day for an item done 24 minutes late.
    # Which one, the first missed: "已超时 1 项" sent the duty officer to the incident's page
    # to learn whether the report upward or the staff at their posts was late.
    "clocks_missed": {"zh": "已超时 {n} 项：{name}", "en": "{n} missed: {name}"},
    "clocks_missed_more": {
        "zh": "已超时 {n} 项：{name}等",
        "en": "{n} missed: {name} and {more} more",
    },
    "clocks_done_late": {"zh": "{n} 项超时完成", "en": "{n} done late"},
    "clocks_next": {"zh": "下一项：{name}，{at} 截止", "en": "next: {name}, due {at}"},
    "clocks_all_met": {"zh": "各项时限均已按时完成", "en": "Every deadline met"},
    "clocks_none": {"zh": "尚未开始计时", "en": "No deadline started"},
    "list_sep": {"zh": "；", "en": "; "},
    "names_sep": {"zh": "、", "en": ", "},
    "colon": {"zh": "：", "en": ": "},
    "origin_event": {"zh": "自动发现", "en": "Detected automatically"},
    "origin_patrol": {"zh": "巡查报告", "en": "Patrol report"},
    # Around the content of a page the overview links to.
    "page_times": {"zh": "时间均为{zone}", "en": "Times are {zone}"},
    "page_refresh": {"zh": "每 {n} 秒自动刷新", "en": "refreshes every {n} s"},
    # -- a detected event's page: its figures, its incident, its posts -----------------
    "event_page": {"zh": "检测事件", "en": "Detected event"},
    "event_merged": {"zh": "已并入", "en": "Merged"},
    "event_merged_into": {
        "zh": "检测发现此事件与另一起说的是同一件事，已并入：",
        "en": "Detection found this event to be the same happening as another and merged it into: ",
    },
    "event_merged_unknown": {
        "zh": "此事件已并入另一起事件，其信息和预警计入该事件。",
        "en": "This event was merged into another; its posts and alert count there.",
    },
    # Merging moves an event's posts and its incident to the event it went into.
    "event_merged_posts": {
        "zh": "此事件的信息已移入合并后的事件，请在该事件的页面查看。",
        "en": "Its posts were moved to the event it went into: see them on that event's page.",
    },
    "event_merged_incident": {
        "zh": "由此事件立案的舆情事件（如有）已转由合并后的事件跟踪，请在该事件的页面查看。",
        "en": "An incident opened from this event (if any) now follows the event it went "
        "into: see that event's page.",
    },
    "keywords": {"zh": "关键词", "en": "Keywords"},
    "event_incidents": {"zh": "立案情况", "en": "Incidents opened from it"},
    "event_no_incident": {
        "zh": "尚无由此检测事件立案的舆情事件。舆情事件也可能由监测方案或值班人员根据巡查报告"
        "立案，请见总览中的“舆情事件（应急处置）”。",
        "en": "No incident was opened from this event. Incidents are also opened from "
        "monitors or by the duty officer from a patrol report: see the overview's incidents.",
    },
    "event_posts": {"zh": "相关信息", "en": "Its posts"},
    "event_posts_shown": {"zh": "最新 {n} 条，共 {total} 条", "en": "the newest {n} of {total}"},
    "event_no_posts": {
        "zh": "没有可显示的信息：已过保存期限被删除，或尚未记录。",
        "en": "No posts to show: purged after the retention period, or not recorded yet.",
    },
    "post_time": {"zh": "时间", "en": "Time"},
    "author": {"zh": "作者", "en": "Author"},
    "post_words": {"zh": "内容", "en": "Post"},
    "sentiment": {"zh": "情感倾向", "en": "Sentiment"},
    "sentiment_negative": {"zh": "负面", "en": "Negative"},
    "sentiment_neutral": {"zh": "中性", "en": "Neutral"},
    "sentiment_positive": {"zh": "正面", "en": "Positive"},
    "post_answer": {"zh": "转发/评论", "en": "repost or reply"},
    "post_link": {"zh": "原文", "en": "original"},
    # -- an event's situation on its page: volume, spread, cues, topics ------------------
    "representative": {"zh": "代表性信息", "en": "Representative post"},
    "event_merged_situation": {
        "zh": "此事件的走势、传播范围、伤亡线索和主要话题已随其信息计入合并后的事件，请在该事件"
        "的页面查看。",
        "en": "Its volume curve, spread, casualty cues and topics went with its posts to the "
        "event it went into: see that event's page.",
    },
    "event_situation": {
        "zh": "走势、传播范围、伤亡线索与主要话题",
        "en": "Volume, spread, casualty cues and topics",
    },
    "event_curve": {"zh": "信息量走势", "en": "Volume over time"},
    "curve_bar_span": {"zh": "每一栏为 {span}内的信息条数", "en": "Each bar: the posts of {span}"},
    "curve_peak": {"zh": "峰值：{span}内 {n} 条", "en": "Peak: {n} posts in {span}"},
    "curve_peak_one": {"zh": "峰值：{span}内 1 条", "en": "Peak: 1 post in {span}"},
    "curve_partial": {
        "zh": "最右侧浅色的一栏尚未结束，信息仍在入库，条数还会增加。",
        "en": "The pale last bar is not over yet: its posts are still coming in.",
    },
    # The summary's growth rate: posts of the last alert window over those of the one
    # before, each plus one (detection.detector).
    "curve_growth": {
        "zh": "截至 {at}，最近 {window}的信息量是此前 {window}的 {rate} 倍。",
        "en": "As of {at}, the last {window} brought {rate} times the posts of the "
        "{window} before.",
    },
    "curve_growth_note": {
        "zh": "两段各加 1 条后相除，从零起算时不会是无穷大；检测程序按此判断增长。",
        "en": "Each window is counted plus one, so that a rise from nothing is not infinite; "
        "detection judges growth so.",
    },
    "curve_none": {"zh": "没有可显示的走势数据。", "en": "No volume curve to show."},
    "event_spread": {"zh": "传播范围", "en": "Spread"},
    "spread_sources": {"zh": "不同信息源", "en": "Distinct sources"},
    "spread_outlets": {"zh": "不同信息源数", "en": "Distinct sources"},
    "spread_outlets_unknown": {
        "zh": "此事件的汇总由较早的版本生成，没有各类别的信息源数（—）。",
        "en": "This event's summary was made by an earlier version, which did not count the "
        "sources per category (—).",
    },
    "spread_places": {"zh": "提及的地点（条数）", "en": "Places named (posts)"},
    "spread_place_n": {"zh": "（{n}）", "en": " ({n})"},
    "spread_none": {"zh": "尚无传播数据。", "en": "No spread figures yet."},
    "event_cues": {"zh": "伤亡与事态线索", "en": "Casualty and severity cues"},
    "cue_deaths": {"zh": "死亡", "en": "Deaths"},
    "cue_injuries": {"zh": "受伤", "en": "Injuries"},
    "cue_ill": {"zh": "发病、中毒", "en": "Taken ill"},
    "cue_missing": {"zh": "失踪、失联", "en": "Missing"},
    "cue_evacuated": {"zh": "疏散、转移", "en": "Evacuated"},
    "cue_trapped": {"zh": "被困", "en": "Trapped"},
    "cue_casualties": {"zh": "伤亡（未分死伤）", "en": "Casualties (dead and injured together)"},
    "cue_escalation": {
        "zh": "事态升级用语（爆炸、蔓延等）",
        "en": "Escalation words (explosion, spreading ...)",
    },
    # The summary counts each cue a post names (a post naming two counts of deaths: 2).
    "cue_mentions": {"zh": "信息中提及 {n} 次", "en": "named {n} times in its posts"},
    "cue_mentions_one": {"zh": "信息中提及 1 次", "en": "named once in its posts"},
    "cue_graded": {
        "zh": "定级采用的数字：{n}（可信来源报道、或两个独立话题报道一致的数字中最大的）",
        "en": "Figure grading takes: {n} (the highest reported by a trusted source or by two "
        "independent stories)",
    },
    "cue_graded_none": {
        "zh": "定级采用的数字：暂无（既无可信来源报道，也无两个独立话题报道一致的数字）",
        "en": "Figure grading takes: none yet (no trusted source, and no two independent "
        "stories, report one)",
    },
    "cue_posts_shown": {
        "zh": "含此线索的信息 {total} 条，以下为数字最大的 {n} 条",
        "en": "{total} posts carry it; the {n} with the largest figures",
    },
    "cue_posts_all": {"zh": "含此线索的信息 {total} 条", "en": "{total} posts carry it"},
    "cue_posts_none": {
        "zh": "读取的信息中没有含此线索的（可能已过保存期限被删除）。",
        "en": "None of the posts read carries it (they may have been purged).",
    },
    "cue_said": {"zh": "此条所述", "en": "This post says"},
    "cue_figure": {"zh": "{n} 人", "en": "{n}"},
    "cue_figure_approx": {"zh": "约 {n} 人", "en": "about {n}"},
    "cue_trusted": {"zh": "可信来源", "en": "trusted source"},
    "cues_legend": {
        "zh": "每条信息的数字只是该条信息的说法。定级只采用可信来源（中央媒体、地方媒体、政务）"
        "报道的数字，或两个独立话题报道一致的数字（同一条信息的转发和近似复制算作一个话题），"
        "取其中最大的。",
        "en": "A post's figure is only what that post says. Grading takes a figure only when a "
        "trusted source (central or local media, government) reports it, or two independent "
        "stories do (reposts and near-copies of one post are one story): the highest such.",
    },
    "cues_recomputed": {
        "zh": "定级采用的数字由本页按定级规则从已保存的信息重新计算（本事件最新 {n} 条含线索的"
        "信息），与检测程序运行中的数字可能略有不同，例如部分信息已过保存期限被删除时。",
        "en": "This page recomputes grading's figure by grading's rule from the stored posts (the "
        "event's newest {n} with cues); the running detection's may differ a little, for one "
        "when some posts were purged after the retention period.",
    },
    "cues_recomputed_all": {
        "zh": "定级采用的数字由本页按定级规则从已保存的信息重新计算（本事件全部 {n} 条含线索的"
        "信息），与检测程序运行中的数字可能略有不同，例如部分信息已过保存期限被删除时。",
        "en": "This page recomputes grading's figure by grading's rule from the stored posts (all "
        "{n} of the event's posts with cues); the running detection's may differ a little, for "
        "one when some posts were purged after the retention period.",
    },
    "cues_none": {
        "zh": "此事件的信息中没有发现伤亡或事态升级的线索。",
        "en": "No casualty or escalation cue was found in this event's posts.",
    },
    "event_stories": {"zh": "主要话题", "en": "Main topics"},
    "stories_shown": {
        "zh": "信息最多的 {n} 个，共 {total} 个话题",
        "en": "the {n} with the most posts, of {total} topics",
    },
    "stories_shown_some": {"zh": "信息最多的 {n} 个", "en": "the {n} with the most posts"},
    "story_words": {"zh": "话题（首条信息）", "en": "Topic (its first post)"},
    "story_posts": {"zh": "本事件中条数", "en": "Posts in this event"},
    "stories_none": {"zh": "尚无话题数据。", "en": "No topics yet."},
    # -- an incident's page ---------------------------------------------------------------
    "incident_id": {"zh": "编号", "en": "Number"},
    "concerned_unit": {"zh": "事发单位", "en": "Unit concerned"},
    # Not 来源, which the console uses for the sources posts come from.
    "incident_origin": {"zh": "立案方式", "en": "Opened from"},
    "incident_place": {"zh": "地点", "en": "Place"},
    "detected_at": {"zh": "发现时间", "en": "Detected"},
    "incident_event_link": {
        "zh": "查看对应的检测事件及其相关信息",
        "en": "See the detected event and its posts",
    },
    "incident_why": {"zh": "级别依据", "en": "Why this level"},
    "incident_pending": {
        "zh": "规则拟定了新的级别：{level}，待有权限的人员确认。",
        "en": "The rules propose a new level, {level}, for someone permitted to decide.",
    },
    # No reasons from the rules, said as the incident's case is (app.incident_page_data).
    "incident_no_reasons": {
        "zh": "规则尚未给出拟定依据，尚未定级。",
        "en": "The rules have given no reasons yet; not graded yet.",
    },
    "incident_no_reasons_patrol": {
        "zh": "尚无拟定依据（人工立案，尚未定级）。",
        "en": "No reasons yet (opened by hand, not graded yet).",
    },
    "incident_no_reasons_decided": {
        "zh": "规则未给出拟定依据，级别由人工判定，依据见下方定级记录。",
        "en": "The rules gave no reasons; the level was set by a person: see the level "
        "decisions below.",
    },
    "incident_decisions": {"zh": "定级记录", "en": "Level decisions"},
    "incident_decided": {"zh": "{by} 定为 {level}", "en": "{by} set {level}"},
    "incident_clocks": {"zh": "时限", "en": "Deadlines"},
    "clock_name": {"zh": "事项", "en": "Deadline"},
    "clock_status": {"zh": "状态", "en": "Status"},
    "clock_due": {"zh": "截止时间", "en": "Due"},
    "clock_done": {"zh": "完成时间", "en": "Done"},
    "clock_responsible": {"zh": "责任人或单位", "en": "Responsible"},
    "clock_running": {"zh": "计时中", "en": "Running"},
    "clock_met": {"zh": "按时完成", "en": "Met"},
    "clock_missed": {"zh": "已超时", "en": "Missed"},
    "clock_done_late": {"zh": "超时完成", "en": "Done late"},
    "clock_cancelled": {"zh": "已取消", "en": "Cancelled"},
    "clock_unknown": {"zh": "状态不明", "en": "Unknown"},
    "clock_left": {"zh": "剩余 {span}", "en": "{span} left"},
    "clock_delay": {"zh": "延误 {span}", "en": "{span} late"},
    # A deadline missed and not done yet: how long ago it passed (under "已超时").
    "clock_overdue_by": {"zh": "已超过截止时间 {span}", "en": "{span} past the deadline"},
    "incident_no_clocks": {
        "zh": "尚未开始计时（定级后开始）。",
        "en": "No deadline started yet (they start once the level is set).",
    },
    "incident_escalations": {"zh": "超时升级", "en": "Escalations"},
    "escalation_running": {"zh": "升级中", "en": "In progress"},
    "escalation_acknowledged": {"zh": "已确认", "en": "Acknowledged"},
    "escalation_resolved": {"zh": "已补办", "en": "Done late"},
    "escalation_exhausted": {"zh": "已逐级通知，无人确认", "en": "Nobody acknowledged"},
    "escalation_cancelled": {"zh": "已取消", "en": "Cancelled"},
    "escalation_step": {"zh": "，第 {n} 步", "en": ", step {n}"},
    "escalation_notified": {"zh": "，已通知 ", "en": ", notified "},
    "escalation_acked": {"zh": "，由 {by} 于 {at} 确认", "en": ", acknowledged by {by} at {at}"},
    "incident_timeline": {"zh": "时间线", "en": "Timeline"},
    "timeline_shown": {
        "zh": "最新在前，显示 {n} 条，共 {total} 条",
        "en": "newest first, {n} of {total} shown",
    },
    "incident_no_timeline": {"zh": "暂无记录", "en": "Nothing recorded yet"},
    "central_media": {"zh": "中央媒体", "en": "Central media"},
    "local_media": {"zh": "地方媒体", "en": "Local media"},
    "government": {"zh": "政务", "en": "Government"},
    "overseas_media": {"zh": "境外媒体", "en": "Overseas media"},
    "forum": {"zh": "论坛社区", "en": "Forums"},
    "social": {"zh": "社交媒体", "en": "Social media"},
    "other": {"zh": "其他", "en": "Other"},
    # -- the JSON API's own refusals (api.app, api.incidents): ``message`` -------------
    # A parameter the framework refused (a missing or badly typed one): where it is...
    "api_in_query": {"zh": "参数“{name}”", "en": "the parameter {name}"},
    "api_in_path": {"zh": "地址中的“{name}”", "en": "{name} in the address"},
    "api_in_body": {"zh": "请求体字段“{name}”", "en": "the body's field {name}"},
    "api_in_header": {"zh": "请求头“{name}”", "en": "the header {name}"},
    "api_in_cookie": {"zh": "Cookie“{name}”", "en": "the cookie {name}"},
    "api_the_body": {"zh": "请求体", "en": "the body"},
    # ... and what is wrong with it ({subject}: one of the above).
    "api_invalid_missing": {"zh": "缺少{subject}：这是必填项", "en": "{subject} is required"},
    "api_invalid_no_body": {
        "zh": "缺少请求体：请以 JSON 发送（Content-Type: application/json）",
        "en": "the request has no body: send it as JSON (Content-Type: application/json)",
    },
    "api_invalid_json": {
        "zh": "请求体不是有效的 JSON：请检查引号、逗号和括号",
        "en": "the body is not valid JSON: check its quotes, commas and brackets",
    },
    "api_invalid_integer": {
        "zh": "{subject}应为整数，收到的是“{value}”",
        "en": "{subject} must be a whole number, not “{value}”",
    },
    "api_invalid_number": {
        "zh": "{subject}应为数字，收到的是“{value}”",
        "en": "{subject} must be a number, not “{value}”",
    },
    "api_invalid_bool": {
        "zh": "{subject}应为 true 或 false，收到的是“{value}”",
        "en": "{subject} must be true or false, not “{value}”",
    },
    "api_invalid_at_least": {
        "zh": "{subject}不能小于 {limit}（收到的是 {value}）",
        "en": "{subject} must be at least {limit} (not {value})",
    },
    "api_invalid_more_than": {
        "zh": "{subject}必须大于 {limit}（收到的是 {value}）",
        "en": "{subject} must be more than {limit} (not {value})",
    },
    "api_invalid_at_most": {
        "zh": "{subject}不能大于 {limit}（收到的是 {value}）",
        "en": "{subject} must be at most {limit} (not {value})",
    },
    "api_invalid_less_than": {
        "zh": "{subject}必须小于 {limit}（收到的是 {value}）",
        "en": "{subject} must be less than {limit} (not {value})",
    },
    "api_invalid_empty": {"zh": "{subject}不能为空", "en": "{subject} must not be empty"},
    "api_invalid_too_short": {
        "zh": "{subject}至少要有 {limit} 个字符",
        "en": "{subject} must be at least {limit} characters long",
    },
    "api_invalid_too_long": {
        "zh": "{subject}最多 {limit} 个字符",
        "en": "{subject} must be at most {limit} characters long",
    },
    "api_invalid_too_many": {
        "zh": "{subject}最多只能给 {limit} 个",
        "en": "{subject} takes at most {limit} values",
    },
    "api_invalid_too_few": {
        "zh": "{subject}至少要给 {limit} 个",
        "en": "{subject} needs at least {limit} values",
    },
    "api_invalid_datetime": {
        "zh": "{subject}应为带时区偏移的日期时间（ISO 8601），例如 2025-10-01T09:30:00+08:00，"
        "收到的是“{value}”",
        "en": "{subject} must be a date and time in ISO 8601 with its UTC offset, e.g. "
        "2025-10-01T09:30:00+08:00, not “{value}”",
    },
    "api_invalid_choice": {
        "zh": "{subject}应为以下之一：{expected}（收到的是“{value}”）",
        "en": "{subject} must be one of {expected} (not “{value}”)",
    },
    "api_invalid_unknown_field": {
        "zh": "请求体中有不接受的字段“{name}”：请删去它，或核对拼写",
        "en": "the body has a field {name} this request does not take: remove it or check "
        "its spelling",
    },
    "api_invalid_text": {"zh": "{subject}应为文本", "en": "{subject} must be text"},
    "api_invalid_object": {
        "zh": "{subject}应为 JSON 对象（{{…}}）",
        "en": "{subject} must be a JSON object ({{…}})",
    },
    "api_invalid_list": {"zh": "{subject}应为列表（[…]）", "en": "{subject} must be a list ([…])"},
    "api_invalid_control": {
        "zh": "{subject}的第 {position} 个字符是控制字符（{char}）：请删去它",
        "en": "{subject} holds the control character {char} at character {position}: remove it",
    },
    "api_invalid_no_offset": {
        "zh": "{subject}须带时区偏移，例如 2025-10-01T09:30:00+08:00",
        "en": "{subject} needs its UTC offset, e.g. 2025-10-01T09:30:00+08:00",
    },
    "api_invalid_out_of_range": {
        "zh": "{subject}的时间 {value} 超出可用范围（{earliest} 年至 {latest} 年）",
        "en": "{subject} {value} is outside the years {earliest}-{latest}",
    },
    # A problem without words of its own here: the framework's English, bounded.
    "api_invalid_other": {"zh": "{subject}的值不可用（{reason}）", "en": "{subject}: {reason}"},
    "api_invalid_more": {
        "zh": "（另有 {n} 处问题，详见 detail）",
        "en": " (and {n} more: see detail)",
    },
    # GET /api/v1/incidents?state=: {allowed} lists each state's code with its name.
    "api_unknown_state": {
        "zh": "没有“{state}”这个处置状态。可用的状态：{allowed}",
        "en": "there is no state “{state}”; the states are {allowed}",
    },
    # An incident's measured signals (POST /api/v1/incidents, PUT .../signals): a name
    # the grading does not know ({allowed}: each with its name), or a value it cannot take.
    "api_signal_unknown": {
        "zh": "没有“{signal}”这个指标（signals）。可用的指标：{allowed}",
        "en": "there is no signal “{signal}”; the signals are {allowed}",
    },
    "api_signal_invalid": {
        "zh": "指标“{label}”（{signal}）应为{takes}，收到的是 {value}",
        "en": "the signal {signal} ({label}) must be {takes}, not {value}",
    },
    "api_signal_measured_in_future": {
        "zh": "指标的测量时间（measured_at）{measured_at} 在未来：请核对时间和时区",
        "en": "the signals' measured_at {measured_at} is in the future: check the time and "
        "its offset",
    },
    "api_signals_invalid": {
        "zh": "指标（signals）不可用：{reason}",
        "en": "the signals cannot be used: {reason}",
    },
    "api_signal_takes_count": {
        "zh": " 0 到 {max} 之间的整数",
        "en": "a whole number from 0 to {max}",
    },
    "api_signal_takes_number": {"zh": "不小于 0 的数", "en": "a number from 0"},
    "api_signal_takes_share": {
        "zh": " 0 到 1 之间的数（占比，0.35 即 35%）",
        "en": "a number from 0 to 1 (a share: 0.35 is 35%)",
    },
    "api_signal_takes_flag": {"zh": " true 或 false", "en": "true or false"},
    "api_signal_takes_kind": {"zh": "以下之一：{kinds}", "en": "one of {kinds}"},
    "api_signal_takes_list": {
        "zh": '类别名称的列表，例如 ["central_media"]',
        "en": 'a list of category names, e.g. ["central_media"]',
    },
    "api_signal_takes_pickup": {
        "zh": '各类媒体转载数组成的对象，例如 {{"central": 2, "local": 5, "overseas": 0}}',
        "en": 'an object of counts, e.g. {{"central": 2, "local": 5, "overseas": 0}}',
    },
    "api_signal_takes_time": {
        "zh": "带时区偏移的时间，例如 2025-10-01T09:30:00+08:00",
        "en": "a time with its UTC offset, e.g. 2025-10-01T09:30:00+08:00",
    },
    # A request's body refused before it is read (every POST, PUT and PATCH; the push).
    "api_body_without_length": {
        "zh": "请求体须带 Content-Length 头一次发送（不接受分块传输）",
        "en": "send the body with a Content-Length (not in chunks)",
    },
    "api_body_too_large": {
        "zh": "请求体超过 {limit} 字节的上限",
        "en": "the body is larger than {limit} bytes, the most this request takes",
    },
    "api_push_too_large": {
        "zh": "推送的请求体超过 {limit} 字节的上限{decompressed}：请分批推送（上限由 "
        "YUQING_MAX_PUSH_BYTES 设定）",
        "en": "the pushed body is larger than {limit} bytes{decompressed}: push the posts in "
        "smaller batches (YUQING_MAX_PUSH_BYTES sets the limit)",
    },
    "api_push_body_stalled": {
        "zh": "请求体中断了 {seconds} 秒没有继续传来：本批信息没有存储，请重新推送",
        "en": "the body stopped arriving for {seconds} s: the posts were not stored; push again",
    },
    "api_push_decompressed": {"zh": "（解压后）", "en": " once decompressed"},
    "api_push_not_json": {
        "zh": "推送的信息须为 JSON（Content-Type: application/json），收到的是 {content_type}",
        "en": "send the posts as JSON (Content-Type: application/json), not {content_type}",
    },
    "api_push_encoding": {
        "zh": "不支持 Content-Encoding {encoding}：请不压缩发送，或只用 gzip 压缩"
        "（Content-Encoding: gzip）",
        "en": "Content-Encoding {encoding} is not supported: send the body uncompressed, or "
        "compressed with gzip alone (Content-Encoding: gzip)",
    },
    # POST /api/v1/posts: its other refusals (the English is each answer's ``detail``).
    "api_push_disabled": {
        "zh": "推送接口未启用：请设置 YUQING_PUSH_TOKEN（推送令牌）后重启服务",
        "en": "push is disabled: set YUQING_PUSH_TOKEN to enable it",
    },
    "api_push_unauthorized": {
        "zh": "缺少推送令牌或令牌不对：请在请求头中发送 Authorization: Bearer <令牌>"
        "（令牌即服务器上设置的 YUQING_PUSH_TOKEN）",
        "en": "missing or wrong token (Authorization: Bearer <token>)",
    },
    "api_storage_busy": {
        "zh": "数据库正忙（连接都被占用，或在等锁），这次请求没有执行：请过几秒后重试，"
        "已存储的内容没有变化",
        "en": "the database is busy (every connection taken, or waiting on a lock) and did "
        "not carry out this request: try again in a few seconds; nothing stored changed",
    },
    "api_storage_unavailable": {
        "zh": "数据库现在无法处理这次请求：请稍后重试；原因记录在服务器的日志中",
        "en": "the database cannot take this request now; try again later (the server log "
        "says why)",
    },
    "api_query_not_utf8": {
        "zh": "查询参数 {name} 经百分号解码后不是 UTF-8 文本：请按 UTF-8 编码后再做百分号编码",
        "en": "query parameter {name} is not UTF-8 text once percent-decoded",
    },
    "api_push_bad_source": {
        "zh": "查询参数 source 不可用：{problem}",
        "en": "query parameter {problem}",
    },
    "api_push_not_gzip": {
        "zh": "请求体不是有效的 gzip 数据（{detail}）：请用 gzip 压缩后发送，或不压缩发送并去掉 "
        "Content-Encoding 头",
        "en": "body is not valid gzip ({detail})",
    },
    "api_push_gzip_cut": {
        "zh": "gzip 压缩的请求体不完整，在结尾之前就中断了（发送时被截断？）：请重新发送",
        "en": "the gzip body ends before its end (cut off?)",
    },
    "api_push_gzip_members": {
        "zh": "gzip 请求体由超过 {limit} 段压缩数据拼接而成：请整体压缩成一段后发送",
        "en": "the gzip body holds more than {limit} members: send it compressed as one",
    },
    "api_push_not_utf8": {
        "zh": "推送的请求体不是有效的 UTF-8 文本：第 {offset} 字节处（从 0 数起）为 0x{byte}；"
        "请以 UTF-8 编码发送",
        "en": "the body is not UTF-8 text: byte 0x{byte} at byte offset {offset}; send it "
        "encoded in UTF-8",
    },
    # A body that is not JSON: "{said}" is the import's words for the same problem in a
    # line of a file (sources.reasons, by its json.* code).
    "api_push_bad_json": {
        "zh": "推送的请求体第 {line} 行：{said}",
        "en": "the pushed body, line {line}: {said}",
    },
    "api_push_unusable_json": {"zh": "推送的请求体：{said}", "en": "the pushed body: {said}"},
    "api_push_number_too_long": {
        "zh": "推送的请求体：JSON 中有一个 {digits} 位的数字，超过可读取的 {limit} 位上限：请检查"
        "发送的数据（数字过长时请作为文本发送）",
        "en": "the pushed body: a number of {digits} digits in the JSON, more than the "
        "{limit} digits read: check the data sent (send so long a number as text)",
    },
    "api_push_disk_full": {
        "zh": "服务器的磁盘已满：{kept}；腾出空间后请重新发送（已存储的信息将计为重复）",
        "en": "the server's disk is full: {kept}; send them again once there is room (the "
        "posts stored already count as duplicates)",
    },
    "api_push_disk_full_some": {
        "zh": "本批中有 {stored} 条在磁盘写满之前已存储，其余的没有存储",
        "en": "{stored} of these posts were stored before it filled, the rest were not",
    },
    "api_push_disk_full_none": {"zh": "本批信息没有存储", "en": "the posts were not stored"},
    # GET /api/v1/roster/on-duty?role= / ?unit=: the plan's roles and units.
    "api_unknown_role": {
        "zh": "预案中没有岗位“{role}”。可用的岗位：{allowed}",
        "en": "the plan has no role “{role}”; its roles are {allowed}",
    },
    "api_unknown_unit": {
        "zh": "预案中没有单位“{unit}”。可用的单位：{allowed}",
        "en": "the plan has no unit “{unit}”; its units are {allowed}",
    },
    # GET /api/v1/reports/clocks?from=&to=
    "api_report_period": {
        "zh": "报告时段的结束时间 to（{end}）必须晚于开始时间 from（{start}）{now}",
        "en": "the report period must end after it starts: to ({end}) is not after from "
        "({start}){now}",
    },
    "api_report_period_now": {
        "zh": "；未给出 to 时为当前时间",
        "en": "; without to, it is now",
    },
    # A time given to the API (``from``, ``at``, ``deadline`` ...).
    "api_time_no_offset": {
        "zh": "“{field}”的时间须带时区偏移，例如 2025-10-01T09:30:00+08:00",
        "en": "{field}: give a time with its UTC offset, e.g. 2025-10-01T09:30:00+08:00",
    },
    "api_time_out_of_range": {
        "zh": "“{field}”的时间 {value} 超出可用范围（{earliest} 年至 {latest} 年）",
        "en": "{field}: {value} is outside the years {earliest}-{latest}",
    },
    "api_time_not_ahead": {
        "zh": "“{field}”的时间 {value} 不晚于现在（{now}）：请给一个将来的时间",
        "en": "{field}: {value} is not after now ({now}): give a time still to come",
    },
    "api_time_too_far": {
        "zh": "“{field}”的时间 {value} 距现在超过一年",
        "en": "{field}: {value} is more than a year ahead",
    },
    # GET /api/v1/search?q= holding a control character (NUL, ESC, DEL, a bidi override).
    "api_search_control": {
        "zh": "检索式的第 {position} 个字符是控制字符（{char}），无法检索：请删去它（多半是"
        "复制粘贴时带入的）",
        "en": "the query holds the control character {char} at character {position}, "
        "which cannot be searched for: remove it (it most likely came with a copy and paste)",
    },
}


# The longest Accept-Language header read, and the most languages read from it: a browser
# sends a few; a header of thousands is not parsed whole at every refresh.
MAX_ACCEPT_CHARS = 500
MAX_ACCEPT_LANGUAGES = 20


def spoken(tag: object) -> str | None:
    """The language this interface speaks that ``tag`` names, in any case and by its
    primary subtag ("EN", "en-US", "zh-Hans-CN"), or None."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().split("-", 1)[0].split("_", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def browser_language(header: str | None) -> str | None:
    """The language this interface speaks that a browser's Accept-Language prefers most
    (its q-values weighed, the first listed of equal weight), or None."""
    if not header:
        return None
    best: tuple[float, str] | None = None
    for part in header[:MAX_ACCEPT_CHARS].split(",")[:MAX_ACCEPT_LANGUAGES]:
        tag, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = spoken(tag)
        if language is None or not 0.0 < weight <= 1.0:
            continue
        if best is None or weight > best[0]:
            best = (weight, language)
    return None if best is None else best[1]


def pick_language(requested: str | None, accept_language: str | None = None) -> str:
    """The reader's language: ``?lang=`` when it names one spoken here (``spoken``: EN
    and en-US are English); else, for a page (``accept_language`` given), the one the
    browser prefers among those spoken here; else Chinese, the default."""
    return spoken(requested) or browser_language(accept_language) or "zh"


def translator(lang: str) -> Callable[[str], str]:
    def translate(key: str) -> str:
        entry = _STRINGS.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry["zh"]

    return translate


def in_languages(key: str, **values: object) -> dict[str, str]:
    """The sentence ``key`` in each language spoken here, ``values`` put in: a value
    given as a mapping of language to text is put in in each language."""
    said = {}
    for lang in LANGUAGES:
        put = {
            name: value.get(lang, "") if isinstance(value, Mapping) else value
            for name, value in values.items()
        }
        said[lang] = translator(lang)(key).format_map(put)
    return said


# The level colours of the plan shipped with yuqing (I red ... IV blue), by which the
# console names a level, as the plan's warnings do.
LEVEL_COLOURS = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}


def level_name(level: str, say: Callable[[str], str]) -> str:
    """An incident's level as the console names it, in the language of ``say`` (a
    ``translator``): III级（黄色） / Level III (yellow); a level without a colour here by
    its code alone (III级). The API gives the same words."""
    colour = LEVEL_COLOURS.get(level)
    if colour is None:
        return say("level_label_plain").format(level=level)
    return say("level_label").format(level=level, colour=say(f"colour_{colour}"))


# The zones whose wall clock is Beijing time, as people in China name it.
_CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def zone_label(zone: str, offset: str, lang: str) -> str:
    """The page's time zone as a reader names it: 北京时间（UTC+08:00）, else the zone's id."""
    name = translator(lang)("zone_china") if zone in _CHINA_ZONES else zone
    return f"{name}（UTC{offset}）" if lang == "zh" else f"{name} (UTC{offset})"


def feed_error(message: str | None, lang: str) -> str | None:
    """A feed's last error (its health record) in the reader's language.

    Said as ``yuqing feeds list`` says it, from the feed reasons' table
    (``yuqing.sources.reasons``): the poller writes each problem and note in one of its
    English forms, with a code, and a record read back is given its code by that form.
    A form not known there stays as it came.
    """
    return None if message is None else feed_text(message, lang)


# Why a monitor or search query, or a monitor's name, is refused, in Chinese, by the
# error's stable code (see QueryError). The English is the error's own message, which the
# CLI, the logs and the API's "detail" show: one English text, not a second copy here that
# could come to say otherwise. These say the same, naming the same parts of the query.
# ``{at}`` is where, from the error's ``position`` and ``near``. A code without a sentence
# here (a later version's, or none) is shown in English, as it came, rather than not at all.
_QUERY_PROBLEMS: dict[str, str] = {
    "query.not_text": "检索式必须是文本（收到的是 {type}）",
    "query.too_long": "检索式长 {length} 个字符，超过上限 {limit} 个字符",
    "query.too_long_normalised": (
        "检索式规范化后（全角及兼容字符展开）长 {length} 个字符，超过上限 {limit} 个字符"
    ),
    "query.empty": "检索式为空：请至少填写一个检索词、短语或字段条件",
    "query.only_excludes": (
        "检索式只有排除条件（NOT / -），几乎会匹配所有信息：请加上匹配的信息必须包含的"
        "检索词或字段条件，例如“云溪 -谣言”"
    ),
    "query.bracket": (
        "{at}的方括号“{char}”：监测方案不支持范围检索；含方括号的文字请用英文双引号括起来"
    ),
    "query.unopened_parenthesis": "括号不配对：{at}的“)”前面没有对应的“(”",
    "query.unclosed_parenthesis": "括号不配对：{at}的“(”没有闭合",
    "query.unclosed_quote": '引号未闭合：{at}的“"”后面没有结束的引号',
    "query.too_deep": "括号嵌套了 {depth} 层，上限为 {limit} 层",
    "query.too_nested": "检索式嵌套过深（超过 {limit} 层）",
    "query.exclamation": (
        "{at}的“!”在这里不是运算符：要排除某个词，请在词前写 NOT 或 -；"
        "含“!”的文字请用英文双引号括起来"
    ),
    "query.lowercase_operator": (
        "{at}的运算符“{operator}”须用大写（{upper}）；如果要检索这个词本身，"
        '请用英文双引号括起来（"{operator}"）'
    ),
    "query.glued_operator": (
        "{at}的运算符“{operator}”与旁边的文字连在一起：请用大写并在前后加空格"
        '（化工 {spaced} 火灾）；如果要检索这段文字本身，请用英文双引号括起来（"{word}"）'
    ),
    "query.illegal_character": (
        "{at}的字符“{char}”不能作为检索词的开头；含符号的文字请用英文双引号括起来"
    ),
    # The parser's own words (``detail``, English and technical) are not repeated: where,
    # and what to look for there.
    "query.syntax": (
        "{at}有无法解析的写法：请检查括号和英文双引号是否成对，AND、OR、NOT 两边是否都有"
        "检索词；含符号的文字请用英文双引号括起来"
    ),
    "query.unexpected_symbol": "{at}出现了意外的“{char}”：含符号的文字请用英文双引号括起来",
    "query.operator_needs_terms": "{at}的运算符 {operator} 两边都需要有检索词",
    "query.unexpected": "{at}出现了意外的“{token}”",
    "query.empty_group": "{at}的括号里没有内容：请在括号中填写检索词，或删去这对括号",
    "query.dangling_in_group": (
        "{at}的“{token}”后面还需要内容，却紧跟着“)”：请在它后面补上检索词，或删去它"
    ),
    "query.dangling_operator": (
        "检索式以“{token}”结尾，后面还需要内容（{at}的运算符或字段没有下文）"
    ),
    "query.ends_early": "检索式在{at}提前结束：某个运算符或字段后面没有内容",
    "query.empty_phrase": "{at}的短语为空",
    "query.empty_term": "{at}的检索词为空",
    "query.field_wildcard": "{at}的字段值 {field}:{value} 含通配符：字段值不支持通配符",
    "query.unsupported_feature": "{at}用到了{feature}，监测方案不支持这种写法：请删去它",
    "query.unsupported_part": "{at}有不支持的检索式成分“{part}”",
    "query.nested_field": "{at}的字段“{field}”位于字段“{outer}”之内：字段不能嵌套",
    "query.unknown_field": (
        "{at}的字段“{field}”不存在{suggested}；可用的字段：{known}（也可写中文名：来源、类别、"
        "地点、语言、作者类型、类型）。如果要检索含冒号的文字，请用英文双引号括起来"
    ),
    "query.list_separator": (
        "{at}的“{char}”把前后的词连成了一个检索词，信息中很少原样出现：要求同时出现请用空格"
        "分隔（化工 爆炸），任一出现即可请用 OR（化工 OR 爆炸）；如果要检索原样的文字，"
        "请用英文双引号括起来"
    ),
    "query.empty_field_value": "{at}的字段“{field}”没有值",
    "query.glued_value": (
        "{at}的 {field}:{value} 与后面的文字连在一起：字段值到空格为止。如果“{rest}”是"
        "检索式的其余部分，请在它前面加空格（{field}:{head} {rest}）；如果整段都是字段值，"
        '请用英文双引号括起来（{field}:"{value}"）'
    ),
    "query.bad_field_value": "{at}的 {field}:{value} 不是可用的值；可用的值：{allowed}{chinese}",
    "query.wildcard": "{at}的“{term}”含通配符：只支持词尾的“*”",
    # Search (GET /api/v1/search) finds the posts holding every word; it has no operators.
    "search.operator": (
        "{word} 在全文检索中不是运算符（检索查找同时包含所有词的信息）：请去掉它；"
        "如果要检索这个词，请写成小写；需要 AND、OR、NOT 时，请保存为监测方案"
    ),
    "search.exclusion": (
        "“{word}”：全文检索不能排除词语，这样写会去检索“{rest}”；需要排除时，"
        "请保存一个含 NOT 的监测方案"
    ),
    "search.no_terms": "检索式“{query}”中没有可检索的词",
    "search.chinese_operator": (
        "“{word}”在全文检索中不是运算符（检索查找同时包含所有词的信息）：请去掉它；如果要"
        '检索这个字词本身，请用英文双引号括起来（"{word}"）；需要 {operator} 时，请保存为监测方案'
    ),
    # A monitor's name (or a source's, a place's ... : ``what``, said by _NAME_OF).
    "name.not_text": "{what}必须是文本（收到的是 {type}）",
    "name.empty": "{what}为空：请填写一个名称",
    "name.too_long": "{what}长 {length} 个字符，超过上限 {limit} 个字符",
    "name.control_character": (
        "{what}的第 {position} 个字符是控制字符（{char}：制表符、换行或其他看不见的控制符）："
        "名称中不能含控制字符"
    ),
    "name.taken": "已有名为“{name}”的监测方案：请换一个名称，或先删除原方案",
}
# What a name error's ``what`` is, in Chinese: the names core.monitors.short_name is
# given (a command-line option keeps its spelling, which is what the user typed).
_NAME_OF: dict[str, str] = {
    "the monitor's name": "监测方案名称",
    "source": "信息源代号（source）",
    "--source": "信息源代号（--source）",
    "--slug": "信息源代号（--slug）",
    "the host as a slug (give --slug)": "由网址主机名生成的信息源代号（可用 --slug 指定）",
    "--name": "名称（--name）",
    "--place": "地点（--place）",
    "--unit": "所属单位（--unit）",
    "--topic": "主题（--topic）",
}
# What ``query.unsupported_feature`` names, by its ``feature``.
_QUERY_FEATURES: dict[str, str] = {
    "fuzzy": "模糊检索（~）",
    "proximity": "邻近检索（~）",
    "boost": "权重（^）",
    "range": "范围检索（[a TO b]）",
    "open_range": "开放范围（< >）",
    "regex": "正则表达式（/.../）",
}
# The longest text of the query a reason repeats (the core bounds its params already;
# an error made elsewhere may not).
_MAX_QUERY_PART = 80


def query_reason(
    message: str, code: str | None, params: Mapping[str, object] | None, lang: str
) -> str:
    """Why a query or a name is refused, in ``lang``: English is ``message`` itself;
    Chinese is said from ``code`` and ``params``, or is ``message`` when there is no
    sentence for it."""
    template = _QUERY_PROBLEMS.get(code or "")
    if lang != "zh" or template is None:
        return message
    values = {key: cut(str(value), _MAX_QUERY_PART) for key, value in (params or {}).items()}
    if "position" in values:
        at = f"第 {values['position']} 个字符处"
        values["at"] = f"{at}（“{values['near']}”附近）" if "near" in values else at
    else:
        values["at"] = "检索式中"
    if "what" in values:
        values["what"] = _NAME_OF.get(values["what"], values["what"])
    if code == "query.unknown_field":
        # A suggestion only when a known field is near (core.monitors.nearest_field).
        suggestion = values.pop("suggestion", "")
        values["suggested"] = f"（是否想写“{suggestion}:”？）" if suggestion else ""
    if code == "query.bad_field_value":
        chinese = values.get("chinese", "")
        values["chinese"] = f"（也可写中文：{chinese}）" if chinese else ""
    if code == "query.unsupported_feature":
        values["feature"] = _QUERY_FEATURES.get(
            values.get("feature", ""), values.get("feature", "")
        )
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        # A param this version's sentence needs is missing: the message says it all.
        return message


def query_problem(error: QueryError, lang: str) -> str:
    """``query_reason`` of a raised ``QueryError``."""
    return query_reason(str(error), error.code, error.params, lang)
