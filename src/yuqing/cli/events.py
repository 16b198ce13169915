"""Commands of detection's events: ``yuqing events list`` and ``yuqing events show KEY``.

The events detection groups posts into were shown on the console alone (its overview and
its ``/events/<key>`` pages); the command line had the plan's incidents and not the events
they come from. These read what ``GET /api/v1/events`` and ``GET /api/v1/events/{key}``
read (``storage.event_views``) and show it as they give it (``yuqing.api.events``):
``--json`` prints the same views (in the run's language for the words meant for a
person, the codes alike in both).

Read-only, as ``yuqing search``: with no SQLite store yet ``list`` says how to make one
and exits 0, creating none; a store an earlier yuqing made is upgraded first, as every
command opening the store does. Times are in the deployment's zone, to the minute, as
``yuqing incidents show`` gives them. What detection copied from posts (titles, texts,
keywords, authors) is shown on one line each, bounded, without what a terminal obeys
(``core.shown.one_line``, as ``search`` shows a post). ``--demo`` reads the demo's
database, whose "now" is its stream's (as ``incidents --demo`` takes it).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from yuqing.cli.language import current, plural, say
from yuqing.core.clock import local_minute
from yuqing.core.shown import one_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from yuqing.runtime.context import Context

T = TypeVar("T")

events_app = typer.Typer(
    help=say(
        "检测事件：列出、查看事件发现自动归并的事件（只读）。",
        "Detected events: list and show the events detection groups posts into (read-only).",
    ),
    no_args_is_help=True,
)

# The list's bounds, as the JSON API's (GET /api/v1/events).
MAX_LIST = 500
# The newest posts ``show`` prints (its JSON too), at most those the API gives.
DEFAULT_POSTS = 10
MAX_POSTS = 200
# How much of a title, a post or the representative text is printed on its line.
TITLE_SHOWN = 120
POST_SHOWN = 160
REPRESENTATIVE_SHOWN = 300
# The places and categories ``show`` names.
MAX_NAMED = 10

# The severity cues detection counts in an event's posts (textproc.severity.CUE_KINDS),
# as a duty officer names them.
CUE_WORDS: dict[str, tuple[str, str]] = {
    "deaths": ("死亡", "deaths"),
    "injuries": ("受伤", "injuries"),
    "ill": ("发病、中毒", "taken ill"),
    "missing": ("失踪", "missing"),
    "evacuated": ("转移疏散", "evacuated"),
    "trapped": ("被困", "trapped"),
    "casualties": ("伤亡", "casualties"),
    "escalation": ("事态升级", "escalation"),
}

DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help=say(
            "读取演示数据库（即 <data_dir>/demo.db）",
            "read the demo's database (<data_dir>/demo.db)",
        ),
    ),
]
KeyArgument = Annotated[
    str,
    typer.Argument(
        # Click named a missing argument by its parameter ("缺少参数 'key'").
        metavar=say("事件键", "KEY"),
        help=say(
            "检测事件的键（见 yuqing events list）",
            "the event's key (see yuqing events list)",
        ),
        show_default=False,
    ),
]


def _console(key: str) -> str:
    """A word of the console's catalogue (web.i18n) in the run's language: the command
    line names an event's state, kind and figures as its page does."""
    from yuqing.web.i18n import translator

    return translator(current())(key)


def _local(text: object, zone: ZoneInfo) -> str:
    """A time of a view (ISO 8601 with its offset) in ``zone``, to the minute; "-" for
    none."""
    if not isinstance(text, str):
        return "-"
    try:
        return local_minute(datetime.fromisoformat(text), zone)
    except (ValueError, OverflowError):
        return "-"


def _line(value: object, limit: int) -> str:
    """An untrusted text on one line, bounded, nothing in it a terminal obeys."""
    return one_line(str(value), limit) if value not in (None, "") else "-"


def _percent(share: object) -> str:
    return f"{round(100 * share)}%" if isinstance(share, int | float) else "—"


def _now(ctx: Context, conn: Connection, demo: bool) -> datetime:
    """Now, as the console's page of the store reads it: the demo's stream runs ahead of
    the wall clock (its newest post or timeline entry is its now)."""
    if demo:
        from yuqing.storage.incident_repo import latest_activity

        return latest_activity(conn)
    return ctx.clock.now()


def _read(fn: Callable[[Context], T], demo: bool, nothing: tuple[str, str]) -> T:
    """Run ``fn`` on the store, opened as ``yuqing search`` opens it: no SQLite store yet
    is said (how to make one) and ends the run with 0, creating none."""
    from yuqing.cli.main import stop_without_store, with_context

    if not demo:
        stop_without_store(say(*nothing))
    return with_context(fn, demo=demo)


def _refuse_without_store(key: str) -> None:
    """``show`` of a key with no SQLite store yet: refused (no event has the key), saying
    where the store should be, creating none. A listing of nothing is no failure; a key
    asked for and not found is."""
    from yuqing.cli.main import _missing_sqlite_file, fail, user_errors
    from yuqing.settings import load_settings

    with user_errors():
        url = load_settings().effective_database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        raise fail(
            say(
                "还没有 yuqing 数据库（{missing} 不存在），因此没有键为 {key} 的检测事件；如果"
                "数据库在别处，请检查 data_dir 或 database_url 设置（用 yuqing config show 查看）",
                "no yuqing store yet ({missing} does not exist), so no event {key}; if the "
                "store is elsewhere, check data_dir or database_url (yuqing config show)",
                missing=missing,
                key=repr(one_line(key, 100)),
            )
        )


def _why_empty(ctx: Context, conn: Connection, raised_only: bool) -> str:
    """Why the list is empty: no post stored yet, posts but no event yet (and why there
    may be none), or events of which none is raised."""
    from yuqing.storage import event_repo, repo

    total, _ = event_repo.count_events(conn)
    if total and raised_only:
        return say(
            "没有已预警的检测事件（共 {total} 起，均未达到预警条件）；不加 --raised 可列出全部",
            "no raised events ({total} {events} in all, none raised); without --raised "
            "lists them all",
            total=total,
            events=plural(total, "event", "events"),
        )
    if total:
        return say("没有检测事件", "no events")
    posts = repo.count_posts(conn)
    if not ctx.settings.detection:
        return say(
            "还没有检测事件：本部署已关闭事件发现（设置 detection = false），"
            "入库的信息不会归为事件",
            "no events yet: event detection is off in this deployment (detection = false): "
            "stored posts are not grouped into events",
        )
    if posts == 0:
        return say(
            "还没有检测事件：库中还没有信息。导入信息（yuqing ingest 文件）或运行 yuqing serve "
            "接入信息源后，事件发现会把相关信息归为事件",
            "no events yet: no post is stored. Once posts come in (yuqing ingest FILE, or "
            "yuqing serve with its sources), detection groups related ones into events",
        )
    return say(
        "还没有检测事件：已入库 {n:,} 条信息，但事件发现还没有把任何一组相关信息归为事件"
        "（短时间内出现多条相关信息、来自不同话题时才形成事件；相关信息明显增多时才预警）。"
        "事件发现在 yuqing serve、导入或回放信息时运行",
        "no events yet: {n:,} {posts} stored, but detection has grouped none into an event "
        "(an event forms when several related posts of different topics come close "
        "together, and is raised when they rise sharply). Detection runs in yuqing serve "
        "and as posts are imported or replayed",
        n=posts,
        posts=plural(posts, "post", "posts"),
    )


# -- list -----------------------------------------------------------------------------


@events_app.command(
    "list",
    help=say(
        "列出检测事件，最新发现的在前；已并入其他事件的不列出（--all 也列出）。"
        "\n\n只读命令：还没有数据库时，说明如何创建，不会创建数据库，退出码为 0。",
        "List detected events, the newest first; those merged into another are left out "
        "(--all lists them too)."
        "\n\nRead-only: with no store yet it says how to make one, creates none, and exits 0.",
    ),
)
def events_list(
    include_merged: Annotated[
        bool,
        typer.Option("--all", help=say("也列出已并入其他事件的", "events merged into another too")),
    ] = False,
    raised: Annotated[
        bool, typer.Option("--raised", help=say("只列出已预警的", "raised events only"))
    ] = False,
    limit: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_LIST, help=say("最多列出多少起（最新的在前）", "at most this many")
        ),
    ] = 50,
    demo: DemoOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help=say("以 JSON Lines 格式输出", "print JSON lines"))
    ] = False,
) -> None:
    """List detected events, the newest first."""
    from yuqing.api.events import event_item
    from yuqing.api.shown import quiet_before
    from yuqing.cli.main import _json_line, note
    from yuqing.storage.console_queries import merged_into_each
    from yuqing.storage.event_views import events_listed

    def run(ctx: Context) -> tuple[list[dict[str, Any]], bool, str | None, ZoneInfo]:
        zone = ctx.settings.display_zone
        with ctx.db.read() as conn:
            # One more than shown: whether the limit cut the list, not a guess.
            rows = events_listed(
                conn,
                status="raised" if raised else "all",
                include_merged=include_merged,
                limit=limit + 1,
            )
            rows = rows or []
            merged = [str(r.key) for r in rows if r.status == "merged"]
            into = merged_into_each(conn, merged) if merged else {}
            why = None if rows else _why_empty(ctx, conn, raised)
            quiet = quiet_before(ctx, _now(ctx, conn, demo))
        items = [
            event_item(r, zone=zone, quiet_from=quiet, lang=current(), merged_into=into.get(r.key))
            for r in rows
        ]
        return items, len(items) > limit, why, zone

    items, cut_short, why, zone = _read(run, demo, ("没有可列出的检测事件", "no events to list"))
    items = items[:limit]
    if as_json:
        for item in items:
            typer.echo(_json_line(item))
    elif items:
        typer.echo(
            say(
                "键\t状态\t首次出现\t预警时间\t条数\t类型\t标题",
                "Key\tState\tFirst seen\tRaised at\tPosts\tKind\tTitle",
            )
        )
        for item in items:
            state = item["status_name"]
            if item["merged_into"]:
                state += say("→{key}", " → {key}", key=item["merged_into"])
            shown = (
                _line(item["key"], 80),
                _line(state, 120),
                _local(item["first_seen"], zone),
                _local(item["alerted_at"], zone),
                str(item["post_count"]) if item["post_count"] is not None else "-",
                _line(item["kind_name"], 40),
                _line(item["title"], TITLE_SHOWN),
            )
            typer.echo("\t".join(shown))
    if why is not None:
        note(why)
    elif not as_json:
        n = len(items)
        more = say("，用 --limit 可显示更多", " (--limit shows more)") if cut_short else ""
        counted = "只显示最新发现的 {n} 起{more}" if cut_short else "共 {n} 起{more}"
        typer.echo(
            say(
                counted,
                "{n} {events}{more}",
                n=n,
                events=plural(n, "event", "events"),
                more=more,
            ),
            err=True,
        )


# -- show -----------------------------------------------------------------------------


def _find(conn: Connection, typed: str, posts: int) -> Any:
    """The event ``typed`` names: as typed, else without spaces around it and in
    half-width (a key copied from a page or a chat), else in lower case (keys are made
    in lower case)."""
    from yuqing.storage.event_views import read_event

    plain = unicodedata.normalize("NFKC", typed).strip()
    for candidate in dict.fromkeys((typed, plain, plain.lower())):
        found = read_event(conn, candidate, posts)
        if found is not None:
            return found
    return None


@events_app.command(
    "show",
    help=say(
        "查看一起检测事件：关注程度、各项数字、立案情况和最新信息。"
        "\n\n显示关注程度（已预警或形成中）、类型、条数、负面占比、互动量、信息源与类别、"
        "地点、严重程度线索、增长、关键词、代表性信息、由此立案的舆情事件和最新的相关信息。"
        "没有该键的事件时，说明如何查看各事件的键，退出码为 2。",
        "Show a detected event: attention, figures, incidents and newest posts."
        "\n\nIts level of attention (raised or forming), kind, posts, negative share, "
        "interactions, sources and categories, places, severity cues, growth, keywords, "
        "representative text, the incidents opened from it and its newest posts. A key no "
        "event has is refused, saying how to list the keys, and exits 2.",
    ),
)
def events_show(
    key: KeyArgument,
    posts: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_POSTS,
            help=say("显示最新的多少条相关信息", "how many of its newest posts to show"),
        ),
    ] = DEFAULT_POSTS,
    demo: DemoOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help=say("以 JSON 格式输出", "print JSON"))
    ] = False,
) -> None:
    """Show a detected event."""
    from yuqing.api.events import event_view
    from yuqing.api.incidents import utc_offset
    from yuqing.api.shown import detection_rules, quiet_before
    from yuqing.cli.main import fail

    def run(ctx: Context) -> tuple[dict[str, Any] | None, int, ZoneInfo]:
        zone = ctx.settings.display_zone
        with ctx.db.read() as conn:
            read = _find(conn, key, posts)
            now = _now(ctx, conn, demo)
        if read is None:
            return None, 0, zone
        view = event_view(read, zone=zone, quiet_from=quiet_before(ctx, now), lang=current())
        view["timezone"] = ctx.settings.display_timezone
        view["utc_offset"] = utc_offset(ctx, now)
        return view, detection_rules(ctx).min_sentiment_posts, zone

    if not demo:
        _refuse_without_store(key)
    view, min_sentiment, zone = _read(run, demo, ("没有可查看的检测事件", "no event to show"))
    if view is None:
        raise fail(
            say(
                "没有键为 {key} 的检测事件；用 `{command}` 查看各检测事件的键",
                "there is no event {key}; `{command}` lists the events' keys",
                key=repr(one_line(key, 100)),
                command="yuqing events list --all" + (" --demo" if demo else ""),
            )
        )
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    for line in _show_lines(view, zone, min_sentiment, posts):
        typer.echo(line)


def _attention(view: Mapping[str, Any], zone: ZoneInfo) -> str:
    """The event's level of attention, as its console page heads it, and since when."""
    if view["status"] == "merged":
        into = view.get("merged_into")
        if into:
            title = view.get("merged_into_title")
            return say(
                "已并入 {into}（{title}）：其信息和预警计入该事件",
                "merged into {into} ({title}): its posts and alert count there",
                into=_line(into, 80),
                title=_line(title, TITLE_SHOWN),
            )
        return say(
            "已并入另一起事件：其信息和预警计入该事件",
            "merged into another event: its posts and alert count there",
        )
    if view["raised"]:
        return say(
            "{state}（预警时间 {at}）",
            "{state} (alert at {at})",
            state=view["status_name"],
            at=_local(view["alerted_at"], zone),
        )
    return say(
        "{state}（尚未达到预警条件）",
        "{state} (has not met the alert conditions)",
        state=view["status_name"],
    )


def _named_counts(counts: Mapping[str, Any] | None, outlets: Mapping[str, Any] | None) -> str:
    """Source categories by the console's names, the most posts first, with their outlets
    when the summary holds them."""
    from yuqing.web.i18n import translator

    if not counts:
        return "-"
    say_word = translator(current())
    known = {"central_media", "local_media", "government", "overseas_media", "forum", "social"}
    shown = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_NAMED]:
        name = say_word(code) if code in known or code == "other" else one_line(code, 40)
        part = say("{name} {n} 条", "{name} {n}", name=name, n=n)
        if outlets and isinstance(outlets.get(code), int):
            k = outlets[code]
            part += say(
                "（{k} 个信息源）", " ({k} {outlets})", k=k, outlets=plural(k, "outlet", "outlets")
            )
        shown.append(part)
    return say("、", ", ").join(shown)


def _pairs_said(pairs: Sequence[Sequence[Any]] | None, words: Mapping[str, tuple[str, str]]) -> str:
    if not pairs:
        return say("无", "none")
    shown = []
    for name, n in pairs[:MAX_NAMED]:
        word = words.get(name)
        label = say(word[0], word[1]) if word else one_line(str(name), 60)
        shown.append(say("{label} {n} 条", "{label} {n}", label=label, n=n))
    return say("、", ", ").join(shown)


def _show_lines(
    view: Mapping[str, Any], zone: ZoneInfo, min_sentiment: int, posts_asked: int
) -> list[str]:
    """What ``events show`` prints of an event's view, a line each (``posts_asked``:
    how many posts ``--posts`` asked for)."""
    summary: Mapping[str, Any] = view["summary"]
    lines = [
        say("检测事件 {key}", "Detected event {key}", key=_line(view["key"], 80)),
        _line(view["title"], 300),
        say("关注程度：{state}", "Attention: {state}", state=_attention(view, zone)),
        say(
            "首次出现 {first}，最近出现 {last}{quiet}",
            "First seen {first}, last seen {last}{quiet}",
            first=_local(view["first_seen"], zone),
            last=_local(view["last_seen"], zone),
            quiet=say("（已平息）", " (died down)") if view["quiet"] else "",
        ),
    ]
    kind_share = summary.get("kind_share")
    lines.append(
        say("{label}：{kind}", "{label}: {kind}", label=_console("kind"), kind=view["kind_name"])
        + (
            say("（占相关信息的 {share}）", " ({share} of its posts)", share=_percent(kind_share))
            if view["kind"] and isinstance(kind_share, int | float)
            else ""
        )
    )
    stories = summary.get("story_count")
    lines.append(
        say(
            "{label}：{posts} 条{stories}；{reach_label} {reach}",
            "{label}: {posts}{stories}; {reach_label} {reach}",
            label=_console("posts"),
            posts=view["post_count"] if view["post_count"] is not None else "-",
            stories=say("，来自 {n} 个话题", " in {n} topics", n=stories)
            if isinstance(stories, int)
            else "",
            reach_label=_console("reach"),
            reach=f"{view['reach']:,}" if isinstance(view["reach"], int) else "-",
        )
    )
    share = view["negative_share"]
    lines.append(
        say("{label}：", "{label}: ", label=_console("negative"))
        + (
            _percent(share)
            if share is not None
            else say(
                "—（带情感倾向的信息不足 {n} 条，暂不计算）",
                "— (fewer than {n} of its posts carry a sentiment; none given yet)",
                n=min_sentiment,
            )
        )
    )
    sources = summary.get("sources")
    lines.append(
        say(
            "信息源：{n} 个；类别：{categories}",
            "Sources: {n}; categories: {categories}",
            n=sources if isinstance(sources, int) else "-",
            categories=_named_counts(summary.get("categories"), summary.get("outlets")),
        )
    )
    lines.append(
        say("地点：{places}", "Places: {places}", places=_pairs_said(summary.get("places"), {}))
    )
    lines.append(
        say(
            "严重程度线索（提及的信息条数）：{cues}",
            "Severity cues (posts naming them): {cues}",
            cues=_pairs_said(summary.get("cues"), CUE_WORDS),
        )
    )
    growth = summary.get("growth_rate")
    lines.append(
        say(
            "增长倍数：{rate}（截至 {at}，最近一个预警时段的信息量与前一时段之比）",
            "Growth: {rate} (as of {at}, posts in the latest alert window over the one before)",
            rate=f"{growth:.1f}",
            at=_local(summary.get("as_of"), zone),
        )
        if isinstance(growth, int | float)
        else say("增长倍数：-", "Growth: -")
    )
    keywords = view["keywords"] or []
    lines.append(
        say("{label}：", "{label}: ", label=_console("keywords"))
        + (say("、", ", ").join(_line(k, 40) for k in keywords) if keywords else "-")
    )
    lines.append(
        say(
            "代表性信息：{text}",
            "Representative post: {text}",
            text=_line(summary.get("representative_text"), REPRESENTATIVE_SHOWN),
        )
    )
    merged_from = summary.get("merged_from") or []
    if merged_from:
        lines.append(
            say(
                "含已并入的 {n} 起：{keys}",
                "Includes {n} merged {events}: {keys}",
                n=len(merged_from),
                events=plural(len(merged_from), "event", "events"),
                keys=say("、", ", ").join(_line(k, 80) for k in merged_from[:MAX_NAMED]),
            )
        )
    lines.append(say("{label}：", "{label}:", label=_console("event_incidents")))
    for incident in view["incidents"]:
        level = incident["level_name"] or _console("level_none")
        if incident["level_name"] and not incident["level_decided"]:
            level = say("{level}，待确认", "{level}, to be confirmed", level=level)
        lines.append(
            f"  {_line(incident['id'], 80)}  {level} · {_line(incident['state_name'], 40)} · "
            f"{_line(incident['title'], TITLE_SHOWN)}"
        )
    if not view["incidents"]:
        lines.append(
            "  "
            + (
                say(
                    "由此事件立案的舆情事件（如有）已转由合并后的事件跟踪",
                    "an incident opened from it (if any) follows the event it went into",
                )
                if view["status"] == "merged"
                else say(
                    "尚无由此检测事件立案的舆情事件",
                    "no incident was opened from this event",
                )
            )
        )
    shown_posts = view["posts"]
    total = view["post_count"] if view["post_count"] is not None else len(shown_posts)
    lines.append(
        say(
            "{label}（最新 {n} 条，共 {total} 条）：",
            "{label} (the newest {n} of {total}):",
            label=_console("event_posts"),
            n=len(shown_posts),
            total=total,
        )
    )
    for post in shown_posts:
        words = post["text"] if not post["title"] else f"{post['title']} {post['text']}"
        lines.append(
            "  "
            + say(
                "{at} [{source}] {author}：{words}",
                "{at} [{source}] {author}: {words}",
                at=_local(post["seen_at"], zone),
                source=_line(post["source_name"] or post["source"], 60),
                author=_line(post["author"], 60),
                words=_line(words, POST_SHOWN),
            )
        )
    if not shown_posts:
        lines.append(
            "  "
            + (
                say(
                    "此事件的信息已移入合并后的事件",
                    "its posts were moved to the event it went into",
                )
                if view["status"] == "merged"
                else say(
                    "没有可显示的信息：已过保存期限被删除，或尚未记录",
                    "no posts to show: purged after the retention period, or not recorded yet",
                )
                if posts_asked
                else say("（用 --posts N 显示）", "(--posts N shows them)")
            )
        )
    return lines
