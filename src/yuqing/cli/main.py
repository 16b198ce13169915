"""The ``yuqing`` command line: serve, ingest, replay, feeds, search, monitors, db, config."""

from __future__ import annotations

import json
import logging
import math
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from yuqing.cli import evaluation as evaluation_commands
from yuqing.cli import incidents as incident_commands
from yuqing.core.clock import local_minute
from yuqing.core.posts import MAX_SOURCE_CHARS, MAX_URL_CHARS
from yuqing.core.shown import one_line
from yuqing.errors import QueryError, YuqingError

if TYPE_CHECKING:
    from yuqing.runtime.context import Context
    from yuqing.runtime.ingest import IngestSummary
    from yuqing.sources.replay import Replayer

app = typer.Typer(
    name="yuqing",
    help="yuqing: executable emergency plans for online public-opinion incidents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
feeds_app = typer.Typer(help="RSS/Atom feeds: add, list, poll.", no_args_is_help=True)
monitors_app = typer.Typer(help="Monitors: saved boolean queries.", no_args_is_help=True)
db_app = typer.Typer(help="The database: schema upgrades.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo scenario.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(monitors_app, name="monitors")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(demo_app, name="demo")
app.add_typer(incident_commands.plan_app, name="plan")
app.add_typer(incident_commands.roster_app, name="roster")
app.add_typer(incident_commands.incidents_app, name="incidents")
app.add_typer(incident_commands.report_app, name="report")
app.add_typer(evaluation_commands.eval_app, name="eval")

T = TypeVar("T")


# The fastest replay (three centuries of stream a second: "as fast as it can store").
MAX_SPEED = 1e10
# Slower than a hundredth of real time is a typo (one stream second would take 100 s).
MIN_SPEED = 0.01


def checked_name(value: str | None, option: str, limit: int) -> str | None:
    """A source slug or display name from the command line, trimmed; None stays None."""
    from yuqing.core.monitors import short_name

    if value is None:
        return None
    try:
        return short_name(value, option, limit)
    except QueryError as exc:
        raise fail(str(exc)) from None


def check_speed(speed: float) -> None:
    if not (math.isfinite(speed) and MIN_SPEED <= speed <= MAX_SPEED):
        raise fail(f"--speed {speed:g}: must be from {MIN_SPEED:g} to {MAX_SPEED:g}")


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show yuqing's own errors as one clear line, never a traceback."""
    from alembic.util import CommandError

    try:
        yield
    except YuqingError as exc:
        raise fail(str(exc)) from None
    except CommandError as exc:  # an Alembic command other than the upgrade's
        from yuqing.storage.migrate import schema_problem

        raise fail(schema_problem(exc)) from None


def take_into_the_plan(ctx: Context) -> None:
    """Open incidents from the events this process raises, as ``serve`` does.

    Without it, an event raised by an import while no server ran was shown but never
    proposed as an incident, not even once the server started. A plan that does not
    check leaves events unproposed, and says so.
    """
    from yuqing.errors import PlanError
    from yuqing.runtime.incident_service import load_plan_and_roster
    from yuqing.runtime.occurrences import incident_handler

    try:
        load_plan_and_roster(ctx.settings)
    except PlanError as error:
        typer.echo(
            f"note: the plan or roster in force has {len(error.problems)} problem(s) (yuqing "
            "plan check): events raised now are stored, but no incident is opened for them",
            err=True,
        )
        return
    ctx.on_occurrences = incident_handler(ctx)


def with_context(fn: Callable[[Context], T], *, demo: bool = False) -> T:
    """Run ``fn`` on a freshly opened context (schema upgraded), closing it after.

    ``demo``: on the demo's database (``<data_dir>/demo.db``, written by ``serve --demo``).
    """
    from yuqing.runtime.context import open_context
    from yuqing.settings import load_settings

    with user_errors():
        settings = load_settings()
        if demo:
            from yuqing.runtime.demo_incidents import demo_settings

            settings = demo_settings(settings)
            if not (settings.data_dir / "demo.db").exists():
                raise fail("no demo database yet: run `yuqing serve --demo` first")
        ctx = open_context(settings)
        try:
            return fn(ctx)
        finally:
            ctx.close()


DETECTION_ELSEWHERE = (
    "note: event detection runs in another process on this store (yuqing serve, or another "
    "import), so these posts are stored and searchable but not weighed for events; to have "
    "them weighed, stop it and import again, or push them to its API (POST /api/v1/posts)"
)


def _previous_run_note(summary: IngestSummary, what: str) -> str | None:
    """What became of the last run of the same file, when it did not end well."""
    from yuqing.storage import repo

    last = summary.previous
    if last is None:
        return None
    # The heartbeat is wall time (a replay's started_at is stream time).
    seen = last.heartbeat_at or last.started_at
    run = f"run {last.id}, {last.process}, last heard of at {seen:%Y-%m-%d %H:%M:%S} UTC"
    again = "this run stores the rest, and counts the posts stored already as duplicates"
    if last.status == repo.INTERRUPTED:
        return (
            f"the previous {what} of {summary.origin} ({run}) was interrupted after storing "
            f"{last.stored:,} posts: its process ended before the run did (killed, or the "
            f"machine stopped); {again}"
        )
    if last.status == "failed":
        return (
            f"the previous {what} of {summary.origin} ({run}) failed after storing "
            f"{last.stored:,} posts; {again}"
        )
    if last.status == repo.RUNNING:
        return (
            f"another {what} of {summary.origin} is running ({run}): each post is stored "
            "once, by one or the other"
        )
    return None


def _stop_on_sigterm_during_ingest(_signum: int, _frame: object) -> None:
    # SystemExit, like Ctrl-C's KeyboardInterrupt, unwinds through the ingestor, which
    # records the run as interrupted, and through the context, which closes (the default
    # action ended the process on the spot and left the run "running").
    raise SystemExit(143)


def _started(into: list[IngestSummary], what: str) -> Callable[[IngestSummary], None]:
    """An ``on_start`` that keeps the run's summary (for its counts if it is interrupted)
    and tells how the last run of the same file ended, when not well."""

    def start(summary: IngestSummary) -> None:
        into.append(summary)
        if (note := _previous_run_note(summary, what)) is not None:
            typer.echo(f"note: {note}", err=True)

    return start


def _print_interrupted(summary: IngestSummary | None, origin: str, what: str) -> None:
    counts = ""
    if summary is not None:
        counts = (
            f" after storing {summary.stored:,} posts (duplicates {summary.duplicates:,}, "
            f"rejected {summary.rejected:,})"
        )
    typer.echo(
        f"{origin}: {what} interrupted{counts}; run it again to finish: the posts stored "
        "already are counted as duplicates",
        err=True,
    )


# Excel's "CSV" on Chinese Windows is GBK: every line with Chinese in it is refused.
NOT_UTF8 = (
    'lines that are not UTF-8 were refused; a file saved by Excel as "CSV" on Chinese '
    'Windows is in GBK: save it as "CSV UTF-8" and import it again (the lines stored '
    "already count as duplicates)"
)


def _print_summary(summary: IngestSummary) -> int:
    for rejection in summary.rejections:
        typer.echo(f"rejected {rejection}", err=True)
    if summary.rejected > len(summary.rejections):
        typer.echo(
            f"... and {summary.rejected - len(summary.rejections)} more rejections", err=True
        )
    typer.echo(summary.line())
    if summary.stored + summary.duplicates + summary.rejected == 0:
        typer.echo(f"note: {summary.origin} holds no posts (an empty file?)", err=True)
    if summary.zoneless:
        posts = "post gives" if summary.zoneless == 1 else "posts give"
        typer.echo(
            f"note: {summary.zoneless:,} {posts} published_at without a time zone (the first "
            f"at {summary.first_zoneless}), read as UTC: if they are China time, these posts "
            "are stored 8 hours late; write such times with their offset "
            "(2026-07-14T09:00:00+08:00)",
            err=True,
        )
    return 0 if summary.ok else 1


# What each reason for leaving a post out of event detection means, for the person importing.
_SKIP_REASONS = {
    "too_old": "published long before now (stored and searchable until the retention "
    "period ends, when the purge removes them; replay a history with `yuqing replay` or "
    "measure it with `yuqing eval events` to detect its events)",
    "future_time": "published after now (check the file's time zone)",
    "no_time": "no publication time",
    "no_text": "no text",
    "no_terms": "no words to weigh (only emoji, links or stop words)",
    "unknown_language": "language unknown",
}


def _print_detection_skips(
    before: dict[str, int], after: dict[str, int], *, replaying: bool = False
) -> None:
    skipped = {reason: after.get(reason, 0) - before.get(reason, 0) for reason in after}
    for reason, count in sorted(skipped.items()):
        if count > 0:
            meaning = _SKIP_REASONS.get(reason, reason)
            if replaying and reason == "too_old":
                meaning = (
                    "the replay clock ran ahead of the posts (storing is slower than "
                    "--speed asks); replay at a lower --speed"
                )
            posts = "post" if count == 1 else "posts"
            typer.echo(f"event detection left out {count} {posts}: {meaning}", err=True)


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="JSON Lines (.jsonl) or CSV files")],
    source: Annotated[str | None, typer.Option(help="source slug for posts that name none")] = None,
) -> None:
    """Import posts from files; prints stored, duplicates and rejected for each."""
    from yuqing.sources.files import open_import

    source = checked_name(source, "--source", MAX_SOURCE_CHARS)

    def run(ctx: Context) -> int:
        take_into_the_plan(ctx)
        worst = 0
        for path in files:
            try:
                reader = open_import(path, default_source=source)
            except YuqingError as exc:
                typer.echo(f"error: {exc}", err=True)
                worst = 2
                continue
            stage = ctx.ingestor.detection
            before = dict(stage.skipped) if stage is not None else {}
            progress: list[IngestSummary] = []
            try:
                summary = ctx.ingestor.ingest(
                    reader.read(),
                    origin=str(path),
                    default_source=source,
                    on_start=_started(progress, "import"),
                    look_back=True,
                )
            except (KeyboardInterrupt, SystemExit):
                _print_interrupted(progress[0] if progress else None, str(path), "import")
                raise
            worst = max(worst, _print_summary(summary))
            if any("not valid UTF-8" in r.problem for r in summary.rejections):
                typer.echo(f"note: {path}: {NOT_UTF8}", err=True)
            if ctx.detection_elsewhere and summary.stored:
                typer.echo(DETECTION_ELSEWHERE, err=True)
            if stage is not None:
                _print_detection_skips(before, stage.skipped)
        return worst

    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm_during_ingest)
    try:
        code = with_context(run)
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="a JSON Lines or CSV stream, sorted by time or not")],
    speed: Annotated[float, typer.Option(help="how many times faster than real time")] = 60.0,
    source: Annotated[str | None, typer.Option(help="source slug for posts that name none")] = None,
    now: Annotated[
        bool, typer.Option("--now", help="shift the stream so its first post is now")
    ] = False,
) -> None:
    """Play a stream into yuqing with its original timing scaled by --speed."""
    check_speed(speed)
    source = checked_name(source, "--source", MAX_SOURCE_CHARS)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm_during_ingest)
    try:
        code = _replay(file, speed, source, now)
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


def _replay(file: Path, speed: float, source: str | None, now: bool) -> int:
    from datetime import UTC, datetime

    from yuqing.runtime.context import open_context
    from yuqing.settings import load_settings
    from yuqing.sources.replay import Replayer

    with user_errors():
        if not file.exists():
            raise fail(f"{file}: no such file")
        replayer = Replayer.from_file(
            file,
            speed,
            default_source=source,
            start_at=datetime.now(UTC) if now else None,
            # A wall second of stream per batch, and never more than a day of it.
            batch_window=timedelta(seconds=min(max(1.0, speed), 86400.0)),
        )
        if replayer.stray_note:
            typer.echo(f"note: {replayer.stray_note}", err=True)
        if replayer.order_note:
            typer.echo(f"note: {replayer.order_note}", err=True)
        settings = load_settings()
        if (note := _purge_note(replayer, settings.retention_days)) is not None:
            typer.echo(f"note: {note}", err=True)
        ctx = open_context(settings, clock=replayer.clock)
        take_into_the_plan(ctx)
        try:
            typer.echo(
                f"replaying {len(replayer)} items from {replayer.stream_start.isoformat()} "
                f"at {speed:g}x"
            )
            stage = ctx.ingestor.detection
            before = dict(stage.skipped) if stage is not None else {}
            progress: list[IngestSummary] = []
            try:
                summary = ctx.ingestor.ingest_batches(
                    replayer.batches(),
                    origin=f"replay:{file}",
                    default_source=source,
                    source_kind="replay",
                    on_start=_started(progress, "replay"),
                    look_back=True,
                )
            except (KeyboardInterrupt, SystemExit):
                _print_interrupted(progress[0] if progress else None, str(file), "replay")
                raise
            code = _print_summary(summary)
            if ctx.detection_elsewhere and summary.stored:
                typer.echo(DETECTION_ELSEWHERE, err=True)
            if stage is not None:
                _print_detection_skips(before, stage.skipped, replaying=True)
        finally:
            ctx.close()
    return code


def _purge_note(replayer: Replayer, retention_days: int) -> str | None:
    """What the retention purge will do to a stream older than the retention period.

    The replay stores posts in stream time, but the purge (``yuqing purge``, hourly in
    ``yuqing serve``) measures their age on the wall clock: a drill replayed from last
    year's recording was deleted whole within the hour, without a word.
    """
    from datetime import UTC, datetime

    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    if replayer.stream_start >= cutoff:
        return None
    which = (
        "all the stream's posts were"
        if replayer.stream_end < cutoff
        else f"the stream's posts before {cutoff:%Y-%m-%d %H:%M} UTC were"
    )
    return (
        f"{which} published more than {retention_days:,} days ago (retention_days): the "
        "next purge (yuqing purge, or hourly in yuqing serve) deletes them, counts stay; "
        "replay with --now to keep them"
    )


@app.command()
def search(
    # Words as separate arguments too: ``yuqing search 化工厂 火灾``, as the README shows.
    words: Annotated[list[str], typer.Argument(help="words to find (all must occur)")],
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="search the demo's database (<data_dir>/demo.db)"),
    ] = False,
) -> None:
    """Full-text search over stored posts (Chinese and English)."""
    from yuqing.storage.search import MAX_QUERY_CHARS, check_query, search_posts
    from yuqing.textproc.pipeline import query_terms

    query = " ".join(words)
    if len(query) > MAX_QUERY_CHARS:
        raise fail(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS}")
    with user_errors():
        check_query(query)
    if demo:
        from yuqing.runtime.demo import demo_place_finder

        # The fictional county's towns are found as its posts index them.
        terms = query_terms(query, demo_place_finder())
    else:
        terms = query_terms(query)
    if not terms:
        raise fail(f"the query {query[:40]!r} has no words to search for")

    def run(ctx: Context) -> int:
        # As the console shows times: in the deployment's zone (China time by default).
        zone = ctx.settings.display_zone
        with ctx.db.read() as conn:
            # One more than shown: whether the limit cut the results, not a guess.
            found = search_posts(conn, terms, limit=limit + 1)
        hits = found[:limit]
        for hit in hits:
            if as_json:
                typer.echo(
                    _json_line(
                        {
                            "id": hit.post_id,
                            "source": hit.source,
                            "seen_at": hit.seen_at.isoformat() if hit.seen_at else None,
                            "author": hit.author,
                            "title": hit.title,
                            "text": hit.text,
                            "url": hit.url,
                        }
                    )
                )
            else:
                # The source's slug came with the posts too (a file's "source" field).
                snippet = one_line(hit.title or hit.text, 100)
                source = one_line(hit.source, 100)
                when = local_minute(hit.seen_at, zone) if hit.seen_at else "time unknown"
                typer.echo(f"{when} [{source}] {snippet}")
        if not as_json:
            more = f" (the newest {limit}; --limit shows more)" if len(found) > limit else ""
            typer.echo(f"{len(hits)} posts{more}", err=True)
        return 0

    with_context(run, demo=demo)


def _json_line(value: dict[str, Any]) -> str:
    """One JSON line with every character that does not print escaped.

    ``ensure_ascii=False`` keeps Chinese readable but leaves DEL, C1 controls (a
    terminal's CSI), bidi controls and U+2028/U+0085, which split a line for
    ``str.splitlines`` and for terminals, as they are.
    """
    text = json.dumps(value, ensure_ascii=False)
    return "".join(
        ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else _json_escape(ch)
        for ch in text
    )


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="the feed's http(s) URL")],
    slug: Annotated[str | None, typer.Option(help="short name; default from the host")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    category: Annotated[
        str,
        typer.Option(
            help="central_media, local_media, government, overseas_media, forum, social or other"
        ),
    ] = "other",
    author_kind: Annotated[
        str | None,
        typer.Option(
            help="person, media, organisation or government; default from --category "
            "(media and government outlets keep their names, forum, social and other "
            "posters are persons, pseudonymised)"
        ),
    ] = None,
    every: Annotated[float | None, typer.Option(help="minutes between polls")] = None,
) -> None:
    """Register a feed; it is polled on a schedule by `yuqing serve`."""
    import unicodedata
    from urllib.parse import urlsplit

    from yuqing.core.posts import AuthorKind, SourceCategory, default_author_kind
    from yuqing.runtime.feeds import MAX_POLL_MINUTES
    from yuqing.sources.rss import display_url
    from yuqing.storage import repo

    shown = display_url(url)
    # urlsplit drops tabs and newlines and strips the ends silently: the URL stored would
    # not be the one given, or a pasted one would be cut (spaces belong encoded as %20).
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        raise fail(f"{shown!r}: a URL cannot hold spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as exc:
        raise fail(f"{shown}: not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise fail(f"{shown}: not an http(s) URL")
    if not host:
        raise fail(f"{shown}: the URL names no host")
    if every is not None and not (math.isfinite(every) and 1 <= every <= MAX_POLL_MINUTES):
        raise fail(f"--every {every}: minutes between polls must be from 1 to {MAX_POLL_MINUTES:g}")
    if category not in {c.value for c in SourceCategory}:
        raise fail(
            f"--category {category!r} is not one of " + ", ".join(c.value for c in SourceCategory)
        )
    if author_kind is None:
        author_kind = default_author_kind(category).value
    elif author_kind not in {k.value for k in AuthorKind}:
        raise fail(
            f"--author-kind {author_kind!r} is not one of " + ", ".join(k.value for k in AuthorKind)
        )
    if len(url) > MAX_URL_CHARS:
        raise fail(f"the feed URL is {len(url):,} characters long; the limit is {MAX_URL_CHARS:,}")
    made = host.replace(".", "-")
    what = "--slug" if slug is not None else "the host as a slug (give --slug)"
    feed_slug = checked_name(slug if slug is not None else made, what, MAX_SOURCE_CHARS) or made
    name = checked_name(name, "--name", 300)

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            if repo.get_source(conn, feed_slug):
                raise fail(f"a source called {feed_slug!r} exists already; choose --slug")
            # The same feed twice would be fetched twice and its entries stored under two
            # sources.
            for other in repo.list_sources(conn, kind="rss"):
                if other.url and _same_url(other.url, url):
                    raise fail(f"{shown}: already added as feed {other.slug!r}")
            repo.ensure_source(
                conn,
                feed_slug,
                now=ctx.clock.now(),
                name=name or feed_slug,
                kind="rss",
                category=category,
                author_kind=author_kind,
                url=url,
                poll_minutes=every,
            )
        typer.echo(f"added feed {feed_slug}: {shown}")
        return 0

    with_context(run)


def _same_url(one: str, two: str) -> bool:
    """Whether two feed URLs name the same resource (as post URLs are compared)."""
    from yuqing.core.posts import canonical_url

    try:
        return canonical_url(one) == canonical_url(two)
    except ValueError:
        return one == two


@feeds_app.command("list")
def feeds_list() -> None:
    """List feeds with their health: last success, last error, items per day."""
    from yuqing.sources.rss import display_url
    from yuqing.storage import repo

    def run(ctx: Context) -> int:
        now = ctx.clock.now()
        with ctx.db.read() as conn:
            feeds = repo.list_sources(conn, kind="rss")
            for feed in feeds:
                health = repo.source_health(conn, feed.id)
                per_day = repo.items_per_day(conn, feed.id, now - timedelta(days=7), now)
                state = "FAILING" if health.consecutive_failures else "ok"
                typer.echo(
                    f"{feed.slug}\t{state}\t{display_url(feed.url or '')}\t"
                    f"items/day(7d)={per_day:.1f}\t"
                    f"last_success={health.last_success_at or '-'}\t"
                    f"last_error={display_url(health.last_error or '-')}"
                )
        if not feeds:
            typer.echo("no feeds yet: yuqing feeds add URL", err=True)
        return 0

    with_context(run)


@feeds_app.command("poll")
def feeds_poll(
    due_only: Annotated[
        bool, typer.Option("--due-only", help="poll only feeds whose time has come")
    ] = False,
) -> None:
    """Poll feeds now (conditional GET) and store new items."""
    import httpx

    from yuqing.runtime.feeds import poll_due_feeds

    def run(ctx: Context) -> int:
        take_into_the_plan(ctx)
        worst = 0
        stored = 0
        with httpx.Client(follow_redirects=True) as client:
            for outcome in poll_due_feeds(ctx, client, force=not due_only):
                stored += outcome.summary.stored if outcome.summary is not None else 0
                for note in outcome.notes[:20]:
                    typer.echo(f"note: {note}", err=True)
                if outcome.error:
                    # Most feed errors name their URL already (both in display form).
                    where = "" if outcome.error.startswith(outcome.url) else f"{outcome.url}: "
                    typer.echo(f"error: {where}{outcome.error}", err=True)
                    worst = 1
                elif outcome.not_modified:
                    typer.echo(f"{outcome.slug}: not modified")
                elif outcome.summary is not None:
                    worst = max(worst, _print_summary(outcome.summary))
                elif not outcome.too_old:
                    typer.echo(f"{outcome.slug}: no items")
                if outcome.too_old and not outcome.error:
                    # Not rejected and not stored: the purge would remove them at once.
                    typer.echo(
                        f"{outcome.url}: older than the retention period "
                        f"({ctx.settings.retention_days} days) {outcome.too_old}, not stored"
                    )
        if ctx.detection_elsewhere and stored:
            typer.echo(DETECTION_ELSEWHERE, err=True)
        return worst

    raise typer.Exit(with_context(run))


# A query may begin with an exclusion ('-谣言 云溪'): an argument, not an unknown option.
@monitors_app.command("add", context_settings={"ignore_unknown_options": True})
def monitors_add(
    name: Annotated[
        str, typer.Argument(help="a short name (full-width letters are stored as ABC)")
    ],
    query: Annotated[
        str, typer.Argument(help="e.g. 化工 AND (火灾 OR 爆炸) NOT 演练 place:云溪县")
    ],
    place: Annotated[str | None, typer.Option(help="the place this monitor watches")] = None,
    unit: Annotated[str | None, typer.Option(help="the unit it belongs to")] = None,
    topic: Annotated[str | None, typer.Option(help="its topic")] = None,
) -> None:
    """Save a monitor; every incoming post is matched against it.

    AND binds tighter than OR; words side by side (an implicit AND) bind
    loosest; NOT takes the one term after it.
    So `a NOT b OR c` means `a AND (NOT b OR c)`: a post with a, b and c
    is selected. Write parentheses for the other grouping, e.g.
    yuqing monitors add 化工 "(化工 NOT 演练) OR 爆炸"

    A field's value ends at a space: `source:weibo 火灾`, not
    `source:weibo火灾`.
    """
    from yuqing.core.monitors import compile_query, monitor_name, short_name
    from yuqing.storage import repo

    with user_errors():
        name = monitor_name(name)
        compiled = compile_query(query)
        place = short_name(place, "--place") if place is not None else None
        unit = short_name(unit, "--unit") if unit is not None else None
        topic = short_name(topic, "--topic") if topic is not None else None

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            # Refused here if the name is taken, or taken meanwhile by another process.
            monitor_id = repo.add_monitor(
                conn, name, compiled.text, ctx.clock.now(), place=place, unit=unit, topic=topic
            )
            known = {source.slug.lower() for source in repo.list_sources(conn)}
        typer.echo(f"added monitor {monitor_id}: {name}: {compiled.text}")
        unknown = [source for source in compiled.sources if source not in known]
        if unknown:
            # Kept, not refused: a monitor may be set up before its source's first post.
            listed = ", ".join(one_line(slug, 40) for slug in sorted(known)[:20]) or "none yet"
            # A source: value may be 2,000 characters long, and a query may name hundreds.
            named = ", ".join(repr(one_line(slug, 40)) for slug in unknown[:5])
            if len(unknown) > 5:
                named += f" and {len(unknown) - 5} more"
            typer.echo(
                f"note: no source is called {named} yet, so the "
                "monitor matches no post of it until one comes (sources now: "
                f"{listed}; yuqing feeds list)",
                err=True,
            )
        return 0

    with_context(run)


@monitors_app.command("list")
def monitors_list() -> None:
    """List monitors, how many posts each matched, and each one's last burst."""
    from yuqing.core.monitors import MAX_NAME_CHARS, compile_query
    from yuqing.storage import event_repo, repo

    def run(ctx: Context) -> int:
        with ctx.db.read() as conn:
            counts = repo.monitor_post_counts(conn)
            monitors = repo.list_monitors(conn)
            bursts = event_repo.last_monitor_bursts(conn)
        for m in monitors:
            state = "active" if m.active else "paused"
            # A name stored before names were checked for C1 and bidi controls.
            name = one_line(m.name, MAX_NAME_CHARS)
            try:
                compile_query(m.query)
            except QueryError as exc:
                # Stored by an earlier version: ingestion skips it, and "active" hid that.
                state = "not-run"
                typer.echo(
                    f"note: monitor {name!r} is not run, its query no longer compiles: {exc}; "
                    "remove it and add it again with the query corrected",
                    err=True,
                )
            burst = bursts.get(m.id)
            last = (
                f"last_burst={burst.at.isoformat() if burst.at else 'unknown'} "
                f"({burst.posts} posts in "
                f"{burst.window_minutes} min, usually {burst.expected:.1f})"
                if burst is not None
                else "last_burst=none"
            )
            typer.echo(f"{m.id}\t{name}\t{state}\tmatched={counts.get(m.id, 0)}\t{last}\t{m.query}")
        if not monitors:
            typer.echo("no monitors yet: yuqing monitors add NAME QUERY", err=True)
        return 0

    with_context(run)


def _change_monitor(name: str, done: str, change: Callable[[Any, str], bool]) -> None:
    from yuqing.core.monitors import monitor_name

    with user_errors():
        name = monitor_name(name)

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            if not change(conn, name):
                raise fail(f"there is no monitor called {name!r} (yuqing monitors list)")
        typer.echo(f"{done} monitor {name}")
        return 0

    with_context(run)


@monitors_app.command("pause")
def monitors_pause(name: Annotated[str, typer.Argument(help="the monitor's name")]) -> None:
    """Stop matching new posts against a monitor; what it matched stays."""
    from yuqing.storage import repo

    _change_monitor(name, "paused", lambda conn, n: repo.set_monitor_active(conn, n, False))


@monitors_app.command("resume")
def monitors_resume(name: Annotated[str, typer.Argument(help="the monitor's name")]) -> None:
    """Match new posts against a paused monitor again."""
    from yuqing.storage import repo

    _change_monitor(name, "resumed", lambda conn, n: repo.set_monitor_active(conn, n, True))


@monitors_app.command("remove")
def monitors_remove(name: Annotated[str, typer.Argument(help="the monitor's name")]) -> None:
    """Delete a monitor with what it matched (pause it to keep that)."""
    from yuqing.storage import repo

    _change_monitor(name, "removed", repo.remove_monitor)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the current version."""
    from yuqing.settings import load_settings
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    with user_errors():
        settings = load_settings()
        db = Database(settings.effective_database_url)
        try:
            revision = migrate.upgrade(db)
        finally:
            db.dispose()
    typer.echo(f"database at revision {revision}")


def _missing_store(url: str) -> str | None:
    """Where the store should be, when it is not there (None when it is, or cannot tell).

    Opening a context creates the store: a purge pointed at the wrong data folder or
    database made an empty one there and said it purged 0 posts, as if all were well.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # opening the store names the URL's problem
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return None
        # Checked before Database(), which creates the file's folder.
        file = Path(parsed.database)
        return None if file.is_file() else str(file)
    db = Database(url)
    try:
        return db.shown_url if migrate.current_revision(db) is None else None
    finally:
        db.dispose()


@app.command()
def purge() -> None:
    """Purge raw posts older than the retention period now (aggregates stay)."""
    from yuqing.runtime.retention import purge_expired_posts
    from yuqing.settings import load_settings

    with user_errors():
        missing = _missing_store(load_settings().effective_database_url)
    if missing is not None:
        raise fail(
            f"no yuqing database at {missing}: nothing purged; check data_dir or "
            "database_url (yuqing config show)"
        )

    def run(ctx: Context) -> int:
        forgotten: list[int | None] = []
        removed = purge_expired_posts(
            ctx.db,
            ctx.clock,
            ctx.settings.retention_days,
            forget=lambda cutoff: forgotten.append(ctx.forget_detection_texts(cutoff)),
        )
        typer.echo(f"purged {removed} posts older than {ctx.settings.retention_days} days")
        if forgotten and forgotten[0] is not None:
            typer.echo(f"event detector: {forgotten[0]} retired events forgot their posts' texts")
        elif ctx.detection_elsewhere:
            # The other process may be an import, which purges nothing: only serve's
            # hourly job does, or this command run again once the import is done.
            typer.echo(
                "event detector: runs in another process (yuqing serve, or an import in "
                "progress), so its retired events' texts were left for it: yuqing serve "
                "purges them every hour; after an import, run yuqing purge again"
            )
        return 0

    with_context(run)


@config_app.command("show")
def config_show() -> None:
    """Print the settings in force, secrets masked, each with where it came from."""
    from yuqing.settings import load_settings, setting_origins

    with user_errors():
        settings = load_settings()
        view = settings.public_view()
    origins = setting_origins()
    origins["effective_database_url"] = (
        f"database_url, {origins['database_url']}"
        if settings.database_url
        else f"data_dir, {origins['data_dir']}"
    )
    for key, value in view.items():
        typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {origins[key]}")


# A month of the county (about 100,000 posts, 40 MB): the generator holds it in memory.
MAX_DEMO_HOURS = 720.0


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option(help="where to write the JSON Lines stream")],
    seed: Annotated[int, typer.Option(help="the same seed gives the same stream")] = 7,
    hours: Annotated[float, typer.Option(help="stream length in hours")] = 24.0,
    prelude_hours: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="also write this many hours of the county's ordinary chatter before the "
            "scenario, as the demo stores it (3 in `serve --demo`)",
        ),
    ] = 0.0,
) -> None:
    """Write the demo scenario (a fictional county's incidents) as JSON Lines.

    Every post carries its ground truth in ``scenario_event`` (null for chatter):
    ``yuqing eval events --field scenario_event`` measures detection on it.
    """
    from yuqing.demo.scenario import DEFAULT_START, generate_scenario, prelude_posts, write_jsonl

    if not math.isfinite(hours) or not 0 < hours <= MAX_DEMO_HOURS:
        raise fail(f"--hours must be more than 0 and at most {MAX_DEMO_HOURS:g}, got {hours:g}")
    if not math.isfinite(prelude_hours) or prelude_hours > MAX_DEMO_HOURS:
        raise fail(f"--prelude-hours must be at most {MAX_DEMO_HOURS:g}, got {prelude_hours:g}")
    posts = generate_scenario(seed=seed, hours=hours)
    if not posts:
        raise fail(f"--hours {hours:g}: too short for any post; the first comes within minutes")
    chatter = prelude_posts(seed, prelude_hours, DEFAULT_START) if prelude_hours > 0 else []
    try:
        write_jsonl([*chatter, *posts], out)
    except OSError as exc:
        raise fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    extra = f" after {len(chatter)} posts of prelude chatter" if chatter else ""
    typer.echo(f"wrote {len(posts)} scenario posts to {out}{extra}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on", min=1, max=65535)] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="fresh demo database fed by the demo scenario")
    ] = False,
    speed: Annotated[float, typer.Option(help="demo replay speed")] = 60.0,
    seed: Annotated[int, typer.Option(help="demo scenario seed")] = 7,
) -> None:
    """Run the web console and API, with feed polling and retention in the background."""
    import uvicorn

    from yuqing.api.app import create_app
    from yuqing.runtime.workers import Workers, start_standard_workers
    from yuqing.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request's full URL at INFO, feed credentials and keys included;
    # the feed poller logs what matters itself, with URLs in display form.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    with user_errors():
        settings = load_settings()
        # The address given here is where people reach the server: acknowledgement links
        # in messages point at it unless public_base_url says otherwise.
        listen = {"host": host, "port": port}
        settings = settings.model_copy(update={k: v for k, v in listen.items() if v is not None})
        if demo:
            from yuqing.runtime.demo import prepare_demo

            check_speed(speed)

            ctx, start_demo = prepare_demo(settings, seed=seed, speed=speed)
        else:
            from yuqing.errors import PlanError
            from yuqing.runtime.context import open_context
            from yuqing.runtime.incident_service import load_plan_and_roster
            from yuqing.runtime.occurrences import incident_handler

            try:
                # The desk runs the plan: refuse to start on one that does not check.
                load_plan_and_roster(settings)
            except PlanError as error:
                for key, problem in error.problems:
                    typer.echo(f"{key}: {problem}", err=True)
                raise fail(
                    f"the plan or roster in force has {len(error.problems)} problem(s); "
                    "fix them (yuqing plan check / yuqing roster check) and start again",
                    code=1,
                ) from None
            ctx, start_demo = open_context(settings), None
            ctx.on_occurrences = incident_handler(ctx)
        ctx.ingestor  # noqa: B018 (built now: it loads the models and takes the lease)
        if ctx.detection_elsewhere:
            ctx.close()
            raise fail(
                "another process runs event detection on this store (another yuqing serve, "
                "or an import in progress): stop it first, or give this one its own data "
                "folder or database",
                code=1,
            )
    workers = Workers()

    def background() -> Callable[[], None]:
        start_standard_workers(ctx, workers, incidents=start_demo is None)
        if start_demo is not None:
            start_demo(workers)
        return workers.stop

    application = create_app(ctx, background=background, demo=demo)
    bind_host, bind_port = settings.host, settings.port
    typer.echo(f"yuqing console: http://{bind_host}:{bind_port}/  (Ctrl-C to stop)")
    # uvicorn shuts down on SIGTERM, then raises it again under the handler it found: the
    # default one ended the process before ctx.close() saved the detector state (systemd,
    # docker and `timeout` all stop a service so). This one ends it through the finally.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        uvicorn.run(application, host=bind_host, port=bind_port, log_level="warning")
    finally:
        ctx.close()


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
