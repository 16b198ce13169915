"""The ``yuqing`` command line: serve, ingest, replay, feeds, search, monitors, db, config."""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from yuqing.cli import evaluation as evaluation_commands
from yuqing.cli import events as event_commands
from yuqing.cli import incidents as incident_commands
from yuqing.cli import language
from yuqing.cli.language import plural, say
from yuqing.core.clock import local_minute, utc
from yuqing.core.posts import MAX_SOURCE_CHARS, MAX_URL_CHARS
from yuqing.core.shown import one_line
from yuqing.errors import QueryError, YuqingError

if TYPE_CHECKING:
    from yuqing.runtime.context import Context
    from yuqing.runtime.ingest import IngestSummary
    from yuqing.sources.replay import Replayer
    from yuqing.storage.repo import SourceInfo
    from yuqing.textproc.places import PlaceFinder

app = typer.Typer(
    name="yuqing",
    help=say(
        "yuqing：可执行的网络舆情事件应急预案。",
        "yuqing: executable emergency plans for online public-opinion incidents.",
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=language.LocalisedGroup,  # "Usage:" and Click's refusals in the run's language
)
feeds_app = typer.Typer(
    help=say(
        "RSS/Atom 订阅源：添加、列出、抓取、暂停、恢复、删除。",
        "RSS/Atom feeds: add, list, poll, pause, resume, remove.",
    ),
    no_args_is_help=True,
)
monitors_app = typer.Typer(
    help=say("监测方案：保存的布尔检索式。", "Monitors: saved boolean queries."),
    no_args_is_help=True,
)
db_app = typer.Typer(
    help=say(
        "数据库：结构升级、重置事件发现。",
        "The database: schema upgrades, resetting event detection.",
    ),
    no_args_is_help=True,
)
config_app = typer.Typer(help=say("配置。", "Configuration."), no_args_is_help=True)
demo_app = typer.Typer(help=say("演示场景。", "The demo scenario."), no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(monitors_app, name="monitors")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(demo_app, name="demo")
app.add_typer(incident_commands.plan_app, name="plan")
app.add_typer(incident_commands.roster_app, name="roster")
app.add_typer(incident_commands.incidents_app, name="incidents")
app.add_typer(event_commands.events_app, name="events")
app.add_typer(incident_commands.report_app, name="report")
app.add_typer(evaluation_commands.eval_app, name="eval")
language.localise_click()


@app.callback()
def choose_language(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=say(
                "界面语言：zh（中文，默认）或 en（英文）；\n\n也可用环境变量 YUQING_LANG 设置。",
                "The language yuqing speaks: zh (Chinese, the default) or en (English); "
                "the YUQING_LANG environment variable says the same.",
            ),
            metavar="zh|en",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help=say("显示 yuqing 的版本并退出。", "Show yuqing's version and exit."),
            is_eager=True,
            callback=lambda shown: show_version() if shown else None,
        ),
    ] = False,
) -> None:
    """Choose the language of this run (help is built before this runs: see ``language``)."""
    keep_logs_off_the_terminal()
    try:
        if lang is not None:
            language.use(language.language_of(lang, language.OPTION))
        else:
            # Tests run many commands in one process: the environment of each counts.
            wanted, problem = language.chosen([], os.environ)
            if problem is not None:
                raise language.UnknownLanguage(os.environ.get(language.ENV, ""), language.ENV)
            language.use(wanted)
    except language.UnknownLanguage as problem:
        raise fail(str(problem)) from None
    warn_of_unknown_variables()


def show_version() -> None:
    """Print the installed package's version and end the run (``--version``)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        number = installed("yuqing")
    except PackageNotFoundError:  # run from a source tree that was never installed
        number = say("未知（未安装）", "unknown (not installed)")
    typer.echo(f"yuqing {number}")
    raise typer.Exit(0)


# Where a command's log goes: the data folder (what went wrong stays on record).
LOG_FILE_NAME = "yuqing.log"
_LOG_FILE_BYTES = 1_000_000


class _DataFolderLog(logging.Handler):
    """The log of a one-shot command (ingest, replay, feeds poll ...): into
    ``<data_dir>/yuqing.log``, not the terminal.

    With no handler configured, Python wrote every warning of the library to the terminal
    (``logging.lastResort``), in English, before the command's own sentence saying the
    same in the reader's language. The file is opened at the first record, where the
    settings say; a data folder that does not exist yet is not made for it (the record is
    dropped). ``serve`` and the scheduler configure a log of their own, which this does not
    replace.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._file: logging.Handler | None = None
        self._opened = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self._opened:
            self._opened = True  # first: loading the settings may log itself
            self._file = self._open()
        if self._file is not None:
            self._file.handle(record)

    @staticmethod
    def _open() -> logging.Handler | None:
        from logging.handlers import RotatingFileHandler

        from yuqing.settings import load_settings

        class QuietFile(RotatingFileHandler):
            def handleError(self, record: logging.LogRecord) -> None:
                # A record that cannot be written (the disk is full: the very thing the
                # command is saying) is dropped; logging's own report of it put a
                # traceback on the terminal.
                pass

        try:
            folder = load_settings().data_dir
            if not folder.is_dir():
                return None
            handler = QuietFile(
                folder / LOG_FILE_NAME,
                maxBytes=_LOG_FILE_BYTES,
                backupCount=1,
                encoding="utf-8",
                delay=True,
            )
        except Exception:  # a log that cannot be kept never stops the command
            return None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        return handler


def keep_logs_off_the_terminal() -> None:
    """Send the log of this run to the data folder unless a handler is configured."""
    if not isinstance(logging.lastResort, _DataFolderLog):
        logging.lastResort = _DataFolderLog()


def warn_of_unknown_variables() -> None:
    """Say each ``YUQING_*`` variable yuqing does not read, in the run's language (the
    settings would log it in English when loaded)."""
    from yuqing.settings import take_unknown_variables

    for problem in take_unknown_variables():
        if language.current() != "zh":
            # As the log line said it: a script may look for it.
            typer.echo(str(problem), err=True)
        elif problem.code == "setting.nested":
            typer.echo(
                f"警告：{problem.name}：没有这项设置；嵌套设置不从环境变量读取：请把 "
                f"{problem.head} 设为完整的值（表格用 JSON 写），或写进设置文件",
                err=True,
            )
        else:
            guess = f"；是不是要写 {problem.guess}？" if problem.guess else ""
            typer.echo(
                f"警告：{problem.name}：没有这项设置，已忽略{guess}（yuqing config show 列出"
                "全部设置）",
                err=True,
            )


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
        raise fail(query_refusal(exc)) from None


def check_speed(speed: float) -> None:
    if not (math.isfinite(speed) and MIN_SPEED <= speed <= MAX_SPEED):
        raise fail(
            say(
                "--speed {speed}：须在 {low} 到 {high} 之间",
                "--speed {speed}: must be from {low} to {high}",
                speed=_plain_number(speed),
                low=_plain_number(MIN_SPEED),
                high=_plain_number(MAX_SPEED),
            )
        )


def _plain_number(value: float) -> str:
    """A number as people write it: 10,000,000,000 and 0.01, not 1e+10 and 1e-02."""
    if not math.isfinite(value) or not 1e-9 <= abs(value) < 1e18:
        return f"{value:g}"
    written = f"{value:,.9f}".rstrip("0").rstrip(".")
    return written


def complain(message: str) -> None:
    """Write one error line, framed in the run's language (the message may be English)."""
    typer.echo(say("错误：{message}", "error: {message}", message=message), err=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    complain(message)
    return typer.Exit(code)


def note(message: str) -> None:
    """Write one note for the user, framed in the run's language."""
    typer.echo(say("提示：{message}", "note: {message}", message=message), err=True)


def query_refusal(exc: QueryError) -> str:
    """Why a query or a name is refused, in the run's language.

    The Chinese is the web console's sentence for the error's code; English, or a code
    the console has no sentence for, is the error's own message.
    """
    from yuqing.web.i18n import query_problem

    return query_problem(exc, language.current())


def error_text(exc: BaseException) -> str:
    """One of yuqing's errors in the run's language where it has a code (a refused import
    file), else its own (English) message."""
    from yuqing.errors import ConfigError, StorageError
    from yuqing.sources.reasons import refusal_text

    if isinstance(exc, StorageError):
        # The database not reached, not a database, locked, full: said by its code.
        from yuqing.storage.db import storage_text

        return storage_text(exc, language.current())
    if isinstance(exc, ConfigError):
        # Settings that do not load, for every command alike (each refused setting, why,
        # and where its value came from).
        said = language.config_error_text(exc)
        if said != str(exc):
            return said
    return refusal_text(exc, language.current())


def rejection_text(location: str, problem: str) -> str:
    """``location: problem`` of a refused line, the problem in the run's language (the
    stored rejection, the log and the API keep the English)."""
    from yuqing.sources.reasons import reason_text

    return say(
        "{location}：{problem}",
        "{location}: {problem}",
        location=location,
        problem=reason_text(problem, language.current()),
    )


def feed_text(message: str) -> str:
    """A feed poll's error or note in the run's language: by its code (``feed_reason``),
    or, read back from the health record, by the form of its English."""
    from yuqing.sources.reasons import feed_text as said

    return said(message, language.current())


def reason_said(problem: str) -> str:
    """A coded reason (a replay's note ...) in the run's language."""
    from yuqing.sources.reasons import reason_text

    return reason_text(problem, language.current())


@contextmanager
def user_errors() -> Iterator[None]:
    """Show yuqing's own errors as one clear line, never a traceback."""
    from alembic.util import CommandError

    try:
        yield
    except QueryError as exc:
        raise fail(query_refusal(exc)) from None
    except YuqingError as exc:
        raise fail(error_text(exc)) from None
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
        note(
            say(
                "现行预案或值班表有 {n} 处问题（用 yuqing plan check 查看）：本次预警的事件"
                "照常保存，但不会立案",
                "the plan or roster in force has {n} {problems} (yuqing plan check): events "
                "raised now are stored, but no incident is opened for them",
                n=len(error.problems),
                problems=plural(len(error.problems), "problem", "problems"),
            )
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
                raise fail(
                    say(
                        "还没有演示数据库：请先运行 `yuqing serve --demo`",
                        "no demo database yet: run `yuqing serve --demo` first",
                    )
                )
        ctx = open_context(settings)
        try:
            return fn(ctx)
        finally:
            ctx.close()


def _named_value(
    option: str,
    what: str,
    given: str,
    named: Callable[[str], StrEnum | None],
    words: Mapping[str, StrEnum],
) -> str:
    """The value an option names by its value or its Chinese word, else a refusal that
    lists each value with its first word (地方媒体 for local_media, not 本地媒体)."""
    found = named(given)
    if found is not None:
        return found.value
    first: dict[StrEnum, str] = {}
    for word, value in words.items():
        first.setdefault(value, word)
    raise fail(
        say(
            "{option} {given!r} 不是可用的{what}；可用的{what}：{allowed_zh}",
            "{option} {given!r} is not one of {allowed}",
            option=option,
            given=given,
            what=what,
            allowed=", ".join(v.value for v in type(next(iter(first)))),
            allowed_zh="、".join(f"{word}（{v.value}）" for v, word in first.items()),
        )
    )


def note_detection_elsewhere() -> None:
    """Say that the posts just stored are queued for the process running detection.

    They are in ``detection_backlog`` (runtime.backlog): ``yuqing serve`` weighs them
    within seconds, an import or replay holding the lease between its batches and as it
    ends. A post much older than what that detector has weighed is skipped by it, as a
    push would be: said, so that an archive imported into a live store is not expected
    to raise events.
    """
    note(
        say(
            "同一数据库上另有进程（yuqing serve，或另一次导入或回放）在运行事件发现：这些信息"
            "已入库、可检索，并已排队等待该进程进行事件发现：正在运行的 yuqing serve 会在"
            "几秒内处理（如是导入或回放，则在其进行中和结束时处理）。比该进程已处理的最新"
            "信息早两天以上的信息不参与事件发现，与推送给它时相同",
            "event detection runs in another process on this store (yuqing serve, or another "
            "import or replay): these posts are stored and searchable, and queued for it to "
            "weigh for events: a running yuqing serve weighs them within a few seconds (an "
            "import or replay, between its batches and as it ends). Posts more than two days "
            "older than the latest it has weighed are left out of events, as they would be "
            "if pushed to it",
        )
    )


def _previous_run_note(
    summary: IngestSummary, what: str, zone: tzinfo, path: Path | None = None
) -> str | None:
    """What became of the last run of the same file, when it did not end well.

    ``what``: the run's kind in the run's language (an import, a replay); ``zone``: the
    deployment's, in which the last run's time is said; ``path``: the file, to tell
    whether it was changed or replaced since (runs are recorded by the file's resolved
    path, ``sources.files.run_origin``: the same file however it is named, and never
    another one of the same name elsewhere).
    """
    from yuqing.storage import repo

    last = summary.previous
    if last is None:
        return None
    # The heartbeat is wall time (a replay's started_at is stream time).
    seen = last.heartbeat_at or last.started_at
    if last.status in (repo.INTERRUPTED, "failed") and _changed_since(path, last.heartbeat_at):
        # Another file saved under the name (or this one edited): not the rest of a run.
        return say(
            "{origin} 的上一次{what}（最后活动于 {seen}）入库 {stored:,} 条信息后{ended}；此后"
            "这个文件被修改过，或换成了另一个同名文件，本次按现在的文件完整{what}：每条信息只"
            "入库一次，已入库的计为重复",
            "the previous {what} of {origin} (last active at {seen}) {ended_en} after storing "
            "{stored:,} {posts}; the file has been changed or replaced since, and this run "
            "takes it whole as it is now: each post is stored once, and those stored already "
            "count as duplicates",
            what=what,
            origin=summary.origin.removeprefix("replay:"),
            stored=last.stored,
            posts=plural(last.stored, "post", "posts"),
            seen=_local_second(seen, zone),
            ended="中断" if last.status == repo.INTERRUPTED else "失败",
            ended_en="was interrupted" if last.status == repo.INTERRUPTED else "failed",
        )
    said = {
        "what": what,
        "origin": summary.origin.removeprefix("replay:"),
        "stored": last.stored,
        "posts": plural(last.stored, "post", "posts"),
        "seen": _local_second(seen, zone),
    }
    said["again"] = say(
        "本次运行会补存其余信息：每条信息只入库一次，已入库的计为重复",
        "this run stores the rest: each post is stored once, and those stored already "
        "count as duplicates",
    )
    if last.status == repo.INTERRUPTED:
        # Ctrl-C, SIGTERM, kill -9 and a machine that stopped all end a run so.
        return say(
            "{origin} 的上一次{what}（最后活动于 {seen}）入库 {stored:,} 条信息后中断："
            "在完成前停止了（按了 Ctrl-C、进程被结束或机器停机）；{again}",
            "the previous {what} of {origin} (last active at {seen}) was interrupted after "
            "storing {stored:,} {posts}: it stopped before it finished (Ctrl-C, its process "
            "was ended, or the machine stopped); {again}",
            **said,
        )
    if last.status == "failed":
        return say(
            "{origin} 的上一次{what}（最后活动于 {seen}）入库 {stored:,} 条信息后失败；{again}",
            "the previous {what} of {origin} (last active at {seen}) failed after storing "
            "{stored:,} {posts}; {again}",
            **said,
        )
    if last.status == repo.RUNNING:
        return say(
            "{origin} 另有一次{what}正在运行（最后活动于 {seen}）：每条信息只会由其中一次入库",
            "another {what} of {origin} is running (last active at {seen}): each post is "
            "stored once, by one or the other",
            **said,
        )
    return None


def _stop_on_sigterm_during_ingest(_signum: int, _frame: object) -> None:
    # SystemExit, like Ctrl-C's KeyboardInterrupt, unwinds through the ingestor, which
    # records the run as interrupted, and through the context, which closes (the default
    # action ended the process on the spot and left the run "running").
    raise SystemExit(143)


def _changed_since(path: Path | None, moment: datetime | None) -> bool:
    """Whether the file was written, or put in place, after ``moment`` (wall time).

    Its status-change time counts as well as its modification time: a file unzipped or
    copied with its old modification time still gets a new one.
    """
    if path is None or moment is None:
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return max(stat.st_mtime, stat.st_ctime) > moment.timestamp()


def _started(
    into: list[IngestSummary], what: str, zone: tzinfo, path: Path | None = None
) -> Callable[[IngestSummary], None]:
    """An ``on_start`` that keeps the run's summary (for its counts if it is interrupted)
    and tells how the last run of the same file (``path``) ended, when not well."""

    def start(summary: IngestSummary) -> None:
        into.append(summary)
        if (previous := _previous_run_note(summary, what, zone, path)) is not None:
            note(previous)

    return start


def _print_interrupted(
    summary: IngestSummary | None, origin: str, what: str, *, disk_full: bool = False
) -> None:
    """How far a run that did not finish got, and that running it again finishes it.

    ``disk_full``: it stopped because the database's disk is full (the error says which).
    """
    counts = ""
    if summary is not None:
        counts = say(
            "（已入库 {stored:,} 条，重复 {duplicates:,} 条，拒收 {rejected:,} 条）",
            " after storing {stored:,} {posts} (duplicates {duplicates:,}, rejected {rejected:,})",
            stored=summary.stored,
            posts=plural(summary.stored, "post", "posts"),
            duplicates=summary.duplicates,
            rejected=summary.rejected,
        )
    if disk_full:
        told = say(
            "{origin}：数据库所在磁盘已满，{what}已停止{counts}；腾出空间后再次运行即可补存"
            "其余信息，已入库的信息会计为重复",
            "{origin}: {what} stopped{counts}: the database's disk is full; make room and run "
            "it again to store the rest: the posts stored already are counted as duplicates",
            origin=origin,
            what=what,
            counts=counts,
        )
    else:
        told = say(
            "{origin}：{what}已中断{counts}；再次运行即可完成，已入库的信息会计为重复",
            "{origin}: {what} interrupted{counts}; run it again to finish: the posts stored "
            "already are counted as duplicates",
            origin=origin,
            what=what,
            counts=counts,
        )
    typer.echo(told, err=True)


def _not_utf8_note(path: Path, *, replaying: bool = False) -> str:
    # Excel's "CSV" on Chinese Windows is GBK: a file wholly so is read as such
    # (sources.files.import_encoding); these are damaged lines of a UTF-8 file.
    from yuqing.sources.files import CSV_SUFFIXES
    from yuqing.sources.reasons import shown_path

    if path.suffix.lower() not in CSV_SUFFIXES:
        again = (
            say("重新回放", "replay it again") if replaying else say("重新导入", "import it again")
        )
        return say(
            "{path}：不是 UTF-8 编码的行已拒收；JSON Lines 文件须为 UTF-8 编码：请检查这些行"
            "（或生成文件的程序），改正后{again}",
            "{path}: lines that are not UTF-8 were refused; JSON Lines files are UTF-8: check "
            "those lines (or the program that wrote the file), and {again} once they are",
            path=shown_path(path),
            again=again,
        )
    path_shown = shown_path(path)
    if replaying:  # a replay refused whole: nothing was stored
        return say(
            "{path}：不是 UTF-8 编码的行已拒收；中文 Windows 上用 Excel 另存为“CSV”的文件是 "
            "GBK 编码，请改存为“CSV UTF-8”后重新回放",
            '{path}: lines that are not UTF-8 were refused; a file saved by Excel as "CSV" '
            'on Chinese Windows is in GBK: save it as "CSV UTF-8" and replay it again',
            path=path_shown,
        )
    return say(
        "{path}：不是 UTF-8 编码的行已拒收；中文 Windows 上用 Excel 另存为“CSV”的文件是 "
        "GBK 编码，请改存为“CSV UTF-8”后重新导入（已入库的行计为重复）",
        '{path}: lines that are not UTF-8 were refused; a file saved by Excel as "CSV" on '
        'Chinese Windows is in GBK: save it as "CSV UTF-8" and import it again (the lines '
        "stored already count as duplicates)",
        path=path_shown,
    )


def _short_rows_note(reader: Any) -> str | None:
    """Rows with fewer cells than the header, stored with the missing cells empty
    (``CsvFile.short_rows``): an export that broke or cut rows loses fields unsaid."""
    count = getattr(reader, "short_rows", 0)
    first = getattr(reader, "first_short_row", None)
    if not count or first is None:
        return None
    location, cells, columns = first
    return say(
        "{n:,} 行的列数少于标题行（{first}：只有 {cells} 列，标题行有 {columns} 列），缺少的"
        "列已按空值入库；如果这些行是导出时断开或截短的，请检查原文件",
        "{n:,} {rows} fewer cells than the header has columns ({first}: {cells} cells, the "
        "header {columns}); stored with the missing cells empty: if the export broke or cut "
        "these rows, check the file",
        n=count,
        rows=plural(count, "row has", "rows have"),
        first=_first_at(count, location),
        cells=cells,
        columns=columns,
    )


def _summary_line(summary: IngestSummary) -> str:
    """The run's counts: stored, duplicates, rejected (the English is the summary's own
    line, which the scheduler logs too)."""
    differing = ""
    if summary.differing:
        differing = say(
            "（其中 {n} 条与同一 id 已入库信息的文字不同，第一条在 {first}；保留最先入库的一条）",
            "",
            n=summary.differing,
            first=summary.first_differing,
        )
    return say(
        "{origin}：入库 {stored} 条，重复 {duplicates} 条{differing}，拒收 {rejected} 条",
        "{line}",
        line=summary.line(),
        origin=summary.origin,
        stored=summary.stored,
        duplicates=summary.duplicates,
        differing=differing,
        rejected=summary.rejected,
    )


def _print_summary(summary: IngestSummary, zone: str = "UTC") -> int:
    """The run's rejections and counts; ``zone``: the one times without a zone were read in
    (the deployment's, ``display_timezone``, for files and replays)."""
    for rejection in summary.rejections:
        # The reason is said from its code in the run's language (yuqing.sources.reasons).
        shown = rejection_text(rejection.location, rejection.problem)
        typer.echo(say("拒收 {r}", "rejected {r}", r=shown), err=True)
    if summary.rejected > len(summary.rejections):
        typer.echo(
            say(
                "……另有 {n} 条拒收",
                "... and {n} more {rejections}",
                n=summary.rejected - len(summary.rejections),
                rejections=plural(
                    summary.rejected - len(summary.rejections), "rejection", "rejections"
                ),
            ),
            err=True,
        )
    typer.echo(_summary_line(summary))
    if summary.stored + summary.duplicates + summary.rejected == 0:
        note(
            say(
                "{origin} 中没有信息（文件为空？）",
                "{origin} holds no posts (an empty file?)",
                origin=summary.origin,
            )
        )
    if summary.zoneless:
        posts = plural(summary.zoneless, "post gives", "posts give")
        note(
            say(
                "有 {n:,} 条信息的 published_at 没有写时区（{first}），已按本系统的"
                "时区 {zone}（设置项 display_timezone）读取；如果不是这个时区的时间，请在时间"
                "后写明时区，例如 2026-07-14T09:00:00+08:00（北京时间）或 "
                "2026-07-14T01:00:00Z（UTC）",
                "{n:,} {posts} published_at without a time zone ({first}), read "
                "in this deployment's zone, {zone} (setting display_timezone); if they are in "
                "another zone, write it with each time: 2026-07-14T09:00:00+08:00 (China "
                "time) or 2026-07-14T01:00:00Z (UTC)",
                n=summary.zoneless,
                posts=posts,
                first=_first_at(summary.zoneless, summary.first_zoneless),
                zone=zone,
            )
        )
    return 0 if summary.ok else 1


def _first_at(count: int, location: str | None) -> str:
    """Where the first of ``count`` posts is: "the first at", or "at" for a lone one."""
    if count == 1:
        return say("在 {location}", "at {location}", location=location)
    return say("第一条在 {location}", "the first at {location}", location=location)


def _print_defaults(summary: IngestSummary, *, detecting: bool, purge_told: bool = False) -> None:
    """The posts stored with a documented default, after the run's counts: placed at
    their arrival, shortened, weighed in a language the models do not know, due for the
    next purge; each with its count and the first one's location.

    ``detecting``: this process weighed the run's posts for events. ``purge_told``: the
    run said already what the purge will do (a replay says it before it starts).
    """
    from yuqing.core.posts import MAX_TEXT_CHARS, MAX_TITLE_CHARS

    if summary.untimed:
        placed = (
            say(
                "按收到时间入库，并按收到时间计入事件发现",
                "placed at the time they arrived, where event detection weighs them too",
            )
            if detecting
            else say("按收到时间入库", "placed at the time they arrived")
        )
        note(
            say(
                "{n:,} 条信息没有发布时间（{first}），{placed}",
                "{n:,} {posts} no published_at ({first}): {placed}",
                n=summary.untimed,
                posts=plural(summary.untimed, "post has", "posts have"),
                first=_first_at(summary.untimed, summary.first_untimed),
                placed=placed,
            )
        )
    if summary.shortened:
        note(
            say(
                "{n:,} 条信息过长，已截短后入库（正文最多 {text:,} 字，标题最多 {title:,} 字；"
                "{first}）",
                "{n:,} {posts} too long, stored shortened (texts are cut at {text:,} "
                "characters, titles at {title:,}; {first})",
                n=summary.shortened,
                posts=plural(summary.shortened, "post was", "posts were"),
                text=MAX_TEXT_CHARS,
                title=MAX_TITLE_CHARS,
                first=_first_at(summary.shortened, summary.first_shortened),
            )
        )
    if summary.unknown_language:
        note(
            say(
                "{n:,} 条信息的语言无法识别（文本模型只认中文和英文；{first}），"
                "仍只按其中的词参与事件发现",
                "{n:,} {posts} in a language the text models do not know (they read Chinese "
                "and English; {first}): weighed for events on their words alone",
                n=summary.unknown_language,
                posts=plural(summary.unknown_language, "post is", "posts are"),
                first=_first_at(summary.unknown_language, summary.first_unknown_language),
            )
        )
    if summary.expiring and not purge_told:
        which = say(
            "{n:,} 条信息（{first}）",
            "{n:,} {posts} ({first}) {were}",
            n=summary.expiring,
            posts=plural(summary.expiring, "post", "posts"),
            were=plural(summary.expiring, "was", "were"),
            first=_first_at(summary.expiring, summary.first_expiring),
        )
        advice = say(
            "如需保留，请在下一次清理前调大保存期限（retention_days）",
            "To keep them, raise retention_days before then",
        )
        note(_purged(which, summary.purge_days, advice))


# What each reason for leaving a post out of event detection means, for the person
# importing: (Chinese, English).
_SKIP_REASONS = {
    "too_old": (
        "发布时间远早于现在（已入库，保存期限内可检索，期满后清理删除；要发现历史数据中的"
        "事件，请用 `yuqing eval events` 评测，或另配数据文件夹（YUQING_DATA_DIR）用 "
        "`yuqing replay` 回放：在本数据库中再次导入或回放只计为重复）",
        "published long before now (stored and searchable until the retention "
        "period ends, when the purge removes them; to detect a history's events, measure it "
        "with `yuqing eval events`, or replay it with `yuqing replay` in a data folder of "
        "its own (YUQING_DATA_DIR): imported or replayed again here, they count as "
        "duplicates)",
    ),
    "future_time": (
        "发布时间晚于现在（请检查文件的时区）",
        "published after now (check the file's time zone)",
    ),
    "no_time": ("没有发布时间", "no publication time"),
    "no_text": ("没有文字", "no text"),
    "no_terms": (
        "没有可供分析的词（只有表情、链接或停用词）",
        "no words to weigh (only emoji, links or stop words)",
    ),
    "unknown_language": ("无法识别语言", "language unknown"),
}


def _print_detection_skips(
    before: dict[str, int],
    after: dict[str, int],
    *,
    replaying: bool = False,
    saved_ahead: bool = False,
) -> None:
    """How many posts event detection left out, and why.

    ``saved_ahead``: a replay onto a store whose detector's saved stream time is later
    than the replayed posts (said before the replay): that, not the speed, is why they
    came too late.
    """
    skipped = {reason: after.get(reason, 0) - before.get(reason, 0) for reason in after}
    for reason, count in sorted(skipped.items()):
        if count > 0:
            meaning = say(*_SKIP_REASONS.get(reason, (reason, reason)))
            if replaying and reason == "too_old" and saved_ahead:
                meaning = say(
                    "早于事件发现已保存的进度（见上方提示），不是回放速度的问题",
                    "they are earlier than event detection's saved progress (see the note "
                    "above), not a matter of the speed",
                )
            elif replaying and reason == "too_old":
                meaning = say(
                    "回放的流时间已超前于这些信息（入库速度跟不上 --speed 指定的倍速）；"
                    "请用较低的 --speed 回放",
                    "the replay clock ran ahead of the posts (storing is slower than "
                    "--speed asks); replay at a lower --speed",
                )
            posts = plural(count, "post", "posts")
            typer.echo(
                say(
                    "事件发现跳过了 {count} 条信息：{meaning}",
                    "event detection left out {count} {posts}: {meaning}",
                    count=count,
                    posts=posts,
                    meaning=meaning,
                ),
                err=True,
            )


SOURCE_HELP = say("信息未注明信息源时使用的信息源代号", "source slug for posts that name none")


def checked_source(source: str | None) -> str | None:
    """An import's or a replay's --source, refused as `feeds add --slug` and the push's
    ?source= refuse a code no one could type after source: ("../../x y"). Only the
    option: a file's own "source" fields name stored sources, whatever their codes."""
    from yuqing.core.reasons import slug_refusal

    source = checked_name(source, "--source", MAX_SOURCE_CHARS)
    if source is not None and (refused := slug_refusal(source, "--source")) is not None:
        raise fail(reason_said(refused))
    return source


@app.command(
    help=say(
        "从文件导入信息，逐个文件列出入库、重复和拒收的条数。",
        "Import posts from files; prints stored, duplicates and rejected for each.",
    )
)
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(
            help=say("JSON Lines（.jsonl）或 CSV 文件", "JSON Lines (.jsonl) or CSV files")
        ),
    ],
    source: Annotated[str | None, typer.Option(help=SOURCE_HELP)] = None,
) -> None:
    """Import posts from files; prints stored, duplicates and rejected for each."""
    from yuqing.sources.files import open_import, read_as_note, run_origin
    from yuqing.sources.reasons import shown_path
    from yuqing.storage.full import DiskFull

    source = checked_source(source)

    def run(ctx: Context) -> int:
        take_into_the_plan(ctx)
        worst = 0
        for path in files:
            try:
                reader = open_import(path, default_source=source, zone=ctx.settings.display_zone)
            except YuqingError as exc:
                complain(error_text(exc))
                worst = 2
                continue
            # The file as it is shown and recorded: a name in GBK bytes (a zip from Chinese
            # Windows) is not UTF-8, which no database or terminal takes.
            shown = shown_path(path)
            # Read as GBK/GB18030, Big5 or Shift-JIS: said once, with what to do if garbled.
            read_as = read_as_note(path, getattr(reader, "encoding", ""))
            if read_as is not None:
                note(reason_said(read_as))
            stage = ctx.ingestor.detection
            before = dict(stage.skipped) if stage is not None else {}
            progress: list[IngestSummary] = []
            started = _started(progress, say("导入", "import"), ctx.settings.display_zone, path)
            try:
                summary = ctx.ingestor.ingest(
                    reader.read(),
                    origin=shown,
                    default_source=source,
                    on_start=started,
                    look_back=True,
                    recorded_as=run_origin(path),
                )
            except (KeyboardInterrupt, SystemExit):
                what = say("导入", "import")
                _print_interrupted(progress[0] if progress else None, shown, what)
                raise
            except DiskFull:
                what = say("导入", "import")
                summary_so_far = progress[0] if progress else None
                _print_interrupted(summary_so_far, shown, what, disk_full=True)
                raise
            worst = max(worst, _print_summary(summary, ctx.settings.display_timezone))
            _print_defaults(summary, detecting=stage is not None)
            if (short_rows := _short_rows_note(reader)) is not None:
                note(short_rows)
            if any("not valid UTF-8" in r.problem for r in summary.rejections):
                note(_not_utf8_note(path))
            if ctx.detection_elsewhere and summary.stored:
                note_detection_elsewhere()
            if stage is not None:
                _print_detection_skips(before, stage.skipped)
        return worst

    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm_during_ingest)
    try:
        code = with_context(run)
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


@app.command(
    help=say(
        "把信息流按原有的时间间隔回放进 yuqing，间隔按 --speed 倍速缩放。",
        "Play a stream into yuqing with its original timing scaled by --speed.",
    )
)
def replay(
    file: Annotated[
        Path,
        typer.Argument(
            help=say(
                "JSON Lines 或 CSV 格式的信息流，不必按时间排序",
                "a JSON Lines or CSV stream, sorted by time or not",
            )
        ),
    ],
    speed: Annotated[
        float,
        typer.Option(
            help=say("回放速度是实际时间的多少倍", "how many times faster than real time")
        ),
    ] = 60.0,
    source: Annotated[str | None, typer.Option(help=SOURCE_HELP)] = None,
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help=say(
                "把信息流的时间平移到现在：\n\n第一条信息记为现在（--speed 大于 1 时更早），"
                "\n\n使所有信息的时间都不晚于现在",
                "re-date the stream to the present: its first post is now, or earlier when "
                "--speed is above 1, so that no post is dated after the wall clock",
            ),
        ),
    ] = False,
) -> None:
    """Play a stream into yuqing with its original timing scaled by --speed."""
    check_speed(speed)
    source = checked_source(source)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm_during_ingest)
    try:
        code = _replay(file, speed, source, now)
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


def _replay(file: Path, speed: float, source: str | None, now: bool) -> int:
    from yuqing.runtime.context import open_context
    from yuqing.settings import load_settings
    from yuqing.sources.files import import_encoding, read_as_note, run_origin
    from yuqing.sources.reasons import SourceRefused, shown_path
    from yuqing.sources.replay import Replayer

    shown = shown_path(file)
    with user_errors():
        if not file.exists():
            raise fail(say("{file}：文件不存在", "{file}: no such file", file=shown))
        settings = load_settings()
        try:
            replayer = Replayer.from_file(
                file,
                speed,
                default_source=source,
                # Times without a zone: the deployment's, as an import reads them.
                zone=settings.display_zone,
                to_present=now,
                # A wall second of stream per batch, and never more than a day of it.
                batch_window=timedelta(seconds=min(max(1.0, speed), 86400.0)),
            )
        except SourceRefused as refused:
            first = refused.reason.params.get("problem")
            if (
                refused.reason.code == "replay.all_rejected"
                and getattr(first, "code", None) == "record.not_utf8"
            ):
                complain(error_text(refused))
                note(_not_utf8_note(file, replaying=True))
                raise typer.Exit(2) from None
            raise
        encoding = import_encoding(file)  # (told when the replayer read it: not again)
        if (read_as := read_as_note(file, encoding, replaying=True)) is not None:
            note(reason_said(read_as))
        if replayer.stray_note:
            note(reason_said(replayer.stray_note))
        if replayer.order_note:
            note(reason_said(replayer.order_note))
        if (purging := _purge_note(replayer, settings.retention_days)) is not None:
            note(purging)
        ctx = open_context(settings, clock=replayer.clock)
        take_into_the_plan(ctx)
        try:
            zone = settings.display_zone
            # What is played: the rejected lines are told one by one, and counted, below.
            played = len(replayer) - replayer.rejected
            rejected = ""
            if replayer.rejected:
                rejected = say(
                    "（另有 {n:,} 行拒收）",
                    " ({n:,} {lines} rejected)",
                    n=replayer.rejected,
                    lines=plural(replayer.rejected, "line", "lines"),
                )
            typer.echo(
                say(
                    "正在以 {speed:g} 倍速回放 {n:,} 条信息{rejected}，起始时间 {start}",
                    "replaying {n:,} {posts}{rejected} from {start} at {speed:g}x",
                    n=played,
                    posts=plural(played, "post", "posts"),
                    rejected=rejected,
                    start=_local_second(replayer.stream_start, zone),
                    speed=speed,
                )
            )
            stage = ctx.ingestor.detection
            before = dict(stage.skipped) if stage is not None else {}
            detector = stage.detector if stage is not None else None
            saved_ahead = _saved_detection_ahead(detector, replayer, zone)
            if saved_ahead is not None:
                note(saved_ahead)
            progress: list[IngestSummary] = []
            try:
                summary = ctx.ingestor.ingest_batches(
                    replayer.batches(),
                    origin=f"replay:{shown}",
                    default_source=source,
                    source_kind="replay",
                    on_start=_started(progress, say("回放", "replay"), zone, file),
                    look_back=True,
                    recorded_as=f"replay:{run_origin(file)}",
                )
            except (KeyboardInterrupt, SystemExit):
                what = say("回放", "replay")
                _print_interrupted(progress[0] if progress else None, shown, what)
                raise
            code = _print_summary(summary, settings.display_timezone)
            _print_defaults(summary, detecting=stage is not None, purge_told=True)
            if (short_rows := _short_rows_note(replayer)) is not None:
                note(short_rows)
            if ctx.detection_elsewhere and summary.stored:
                note_detection_elsewhere()
            if stage is not None:
                _print_detection_skips(
                    before, stage.skipped, replaying=True, saved_ahead=saved_ahead is not None
                )
        finally:
            ctx.close()
    return code


def _saved_detection_ahead(detector: Any, replayer: Replayer, zone: tzinfo) -> str | None:
    """Why event detection will leave out the replay's earlier posts, when it will because
    of its saved state: a store that took posts of later times (an import, a server)
    keeps its detector's stream time, and a post more than ``max_lateness`` before it is
    too late to weigh, whatever the speed. None when the saved state is not ahead.

    ``detector``: the stage's ``EventDetector`` (None without detection here).
    """
    if detector is None or (stream := detector.stream_time) is None:
        return None
    cutoff = utc(stream) - detector.config.max_lateness
    if cutoff <= replayer.stream_start:
        return None
    return say(
        "事件发现已保存的进度停在 {stream}（此数据库此前收到的信息），晚于回放的信息（起始"
        "时间 {start}）：{cutoff} 之前的信息只入库、可检索，不参与事件发现。要让回放参与"
        "事件发现，请为它另配数据文件夹（例如 YUQING_DATA_DIR=演练 yuqing replay 文件），"
        "或先停止 yuqing serve，运行 yuqing db reset-detection 让事件发现从头开始，再回放"
        "（本次已入库的信息再次回放只计为重复，不会再参与）",
        "event detection's saved progress is at {stream} (the posts this store took "
        "before), later than the replayed posts (from {start}): those before {cutoff} are "
        "stored and searchable but not weighed for events. To have a replay weighed, give "
        "it its own data folder (YUQING_DATA_DIR=drill yuqing replay FILE), or stop yuqing "
        "serve, run yuqing db reset-detection so that detection starts afresh, and replay "
        "then (the posts this run stores count as duplicates when replayed again, and are "
        "not weighed)",
        stream=_local_second(stream, zone),
        start=_local_second(replayer.stream_start, zone),
        cutoff=_local_second(cutoff, zone),
    )


def _purge_note(replayer: Replayer, retention_days: int) -> str | None:
    """What the retention purge will do to a stream older than the retention period.

    The replay stores posts in stream time, but the purge (``yuqing purge``, hourly in
    ``yuqing serve``) measures their age on the wall clock: a drill replayed from last
    year's recording was deleted whole within the hour, without a word.
    """
    from datetime import UTC

    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    if replayer.stream_start >= cutoff:
        return None
    which = (
        say("信息流中的全部信息", "all the stream's posts were")
        if replayer.stream_end < cutoff
        else say(
            "信息流中 {cutoff:%Y-%m-%d %H:%M} UTC 之前的信息",
            "the stream's posts before {cutoff:%Y-%m-%d %H:%M} UTC were",
            cutoff=cutoff,
        )
    )
    advice = say(
        "如需保留，请按 Ctrl-C 停止，改加 --now 回放（时间平移到现在）；每条信息只入库一次，"
        "已回放入库的信息要先运行 yuqing purge 清理，才能用 --now 重新入库",
        "To keep them, stop (Ctrl-C) and replay with --now (re-dated to the present); "
        "a post is stored once: those this replay stores can be replayed with --now only "
        "after yuqing purge has removed them",
    )
    return _purged(which, retention_days, advice)


def _purged(which: str, days: int, advice: str) -> str:
    """That the posts ``which`` names are older than the retention period of ``days`` and
    go at the next purge, and ``advice`` on keeping them (a replay's, an import's)."""
    return say(
        "{which}发布于 {days:,} 天以前，超过保存期限（retention_days）：下一次清理（yuqing "
        "purge，或 yuqing serve 每小时一次的清理）会删除这些信息，统计数据保留。{advice}",
        "{which} published more than {days:,} {unit} ago (retention_days): the "
        "next purge (yuqing purge, or hourly in yuqing serve) deletes them, counts stay. "
        "{advice}",
        which=which,
        days=days,
        unit=plural(days, "day", "days"),
        advice=advice,
    )


@app.command(
    help=say(
        "全文检索已入库的信息（支持中文和英文）。"
        "\n\n只读命令：还没有数据库时，说明如何创建，不会创建数据库，退出码为 0。",
        "Full-text search over stored posts (Chinese and English)."
        "\n\nRead-only: with no store yet it says how to make one, creates none, and exits 0.",
    )
)
def search(
    # Words as separate arguments too: ``yuqing search 化工厂 火灾``, as the README shows.
    words: Annotated[
        list[str],
        typer.Argument(help=say("要检索的词（须同时出现）", "words to find (all must occur)")),
    ],
    limit: Annotated[
        int,
        typer.Option(
            min=1,
            max=1000,
            help=say("最多显示多少条（最新的在前）", "how many posts to show, the newest first"),
        ),
    ] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help=say("以 JSON Lines 格式输出", "print JSON lines"))
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=say(
                "检索演示数据库（即 <data_dir>/demo.db）",
                "search the demo's database (<data_dir>/demo.db)",
            ),
        ),
    ] = False,
) -> None:
    """Full-text search over stored posts (Chinese and English)."""
    from yuqing.storage.search import (
        MAX_QUERY_CHARS,
        check_query,
        search_posts,
        why_nothing_found,
    )
    from yuqing.textproc.pipeline import query_terms

    query = " ".join(words)
    if len(query) > MAX_QUERY_CHARS:
        raise fail(
            say(
                "检索式长 {length:,} 个字符，超过上限 {limit} 个字符",
                "the query is {length:,} characters long; the limit is {limit}",
                length=len(query),
                limit=MAX_QUERY_CHARS,
            )
        )
    with user_errors():
        check_query(query)
    finder: PlaceFinder | None = None
    if demo:
        from yuqing.runtime.demo import demo_place_finder

        # The fictional county's towns are found as its posts index them.
        finder = demo_place_finder()
    terms = query_terms(query, finder)
    if not terms:
        raise fail(
            say(
                "检索式 {query!r} 中没有可检索的词",
                "the query {query!r} has no words to search for",
                query=query[:40],
            )
        )

    def run(ctx: Context) -> int:
        # As the console shows times: in the deployment's zone (China time by default).
        zone = ctx.settings.display_zone
        with ctx.db.read() as conn:
            # One more than shown: whether the limit cut the results, not a guess.
            found = search_posts(conn, terms, limit=limit + 1)
            # As the console names a post's source: by its name (微博, 境外媒体网站), not
            # its slug; the JSON lines keep the slug, which a program looks up.
            names = {} if as_json else source_names(conn)
            # "共 0 条" alone left the reader guessing: an empty store, a filter search
            # does not have, or words no post holds.
            why_none = (
                []
                if found
                else [
                    hint.text(language.current())
                    for hint in why_nothing_found(
                        conn, query, lambda word: query_terms(word, finder)
                    )
                ]
            )
        hits = found[:limit]
        for hit in hits:
            if as_json:
                typer.echo(
                    _json_line(
                        {
                            "id": hit.post_id,
                            "source": hit.source,
                            # The zone's time with its offset: the instant is the
                            # same as in UTC, and the clock time is the console's.
                            "seen_at": utc(hit.seen_at).astimezone(zone).isoformat()
                            if hit.seen_at
                            else None,
                            # As the JSON API gives every moment: also in UTC, +00:00.
                            "seen_at_utc": utc(hit.seen_at).isoformat() if hit.seen_at else None,
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
                source = one_line(names.get(hit.source) or hit.source, 100)
                when = (
                    local_minute(hit.seen_at, zone)
                    if hit.seen_at
                    else say("时间不详", "time unknown")
                )
                typer.echo(f"{when} [{source}] {snippet}")
        if not as_json:
            more = ""
            cut_short = len(found) > limit
            if cut_short:
                more = say(
                    "，用 --limit 可显示更多",
                    " (the newest {limit}; --limit shows more)",
                    limit=limit,
                )
            # "共" would claim the total: a cut list is "the newest n".
            shown = "只显示最新的 {n} 条{more}" if cut_short else "共 {n} 条{more}"
            typer.echo(
                say(
                    shown,
                    "{n} {posts}{more}",
                    n=len(hits),
                    posts=plural(len(hits), "post", "posts"),
                    more=more,
                ),
                err=True,
            )
        for why in why_none:
            note(why)
        return 0

    if not demo:
        stop_without_store(say("没有可检索的信息", "nothing to search"))
    with_context(run, demo=demo)


def source_names(conn: Any) -> dict[str, str]:
    """Each source's name by its slug (the name the console shows; the slug when the
    source was never given one)."""
    from yuqing.storage import repo

    return {source.slug: source.name for source in repo.list_sources(conn) if source.name}


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


@feeds_app.command(
    "add",
    help=say(
        "添加一个订阅源，由 `yuqing serve` 定时抓取。"
        "\n\n添加前先试抓一次，报告读到的条数；网址无法访问、不是订阅源或服务器返回错误"
        "时，说明原因，不添加，退出码为 1（试抓最多等待 10 秒；--no-check 不试抓）。"
        "\n\n网址写法无效（不是 http(s) 网址、没有主机名）、--slug 指定的代号已被占用或该网址"
        "已添加过时，不试抓，不添加，退出码为 2。",
        "Register a feed; it is polled on a schedule by `yuqing serve`."
        "\n\nThe feed is fetched once first and the number of its items said; when it "
        "cannot be reached, is not a feed or answers with an error, it says why, adds "
        "nothing and exits 1 (the fetch waits at most 10 s; --no-check skips it)."
        "\n\nA URL written wrong (not http(s), no host), a --slug taken or a URL added "
        "already is refused before any fetch, and exits 2.",
    ),
)
def feeds_add(
    url: Annotated[
        str, typer.Argument(help=say("订阅源的 http(s) 网址", "the feed's http(s) URL"))
    ],
    slug: Annotated[
        str | None,
        typer.Option(
            help=say(
                "信息源代号（简称）；默认由网址的主机名生成， 已被占用时再加上网址路径中的"
                "名称或编号",
                "short name; default from the host, and when that is taken, with the URL "
                "path's last name or a number",
            )
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help=say("显示名称", "display name"))] = None,
    category: Annotated[
        str,
        typer.Option(
            help=say(
                "信息源类别：\n\ncentral_media 中央媒体\n\nlocal_media 地方媒体\n\n"
                "government 政务\n\noverseas_media 境外媒体\n\nforum 论坛社区\n\n"
                "social 社交媒体\n\nother 其他",
                "central_media, local_media, government, overseas_media, forum, social or other",
            )
        ),
    ] = "other",
    author_kind: Annotated[
        str | None,
        typer.Option(
            help=say(
                "作者类型：\n\nperson 个人\n\nmedia 媒体\n\norganisation 机构\n\n"
                "government 政务\n\n默认由 --category 决定：\n\n媒体和政务账号保留原名；"
                "\n\n论坛、社交媒体和其他来源的发布者\n\n视为个人，作化名处理",
                "person, media, organisation or government; default from --category "
                "(media and government outlets keep their names, forum, social and other "
                "posters are persons, pseudonymised)",
            )
        ),
    ] = None,
    every: Annotated[
        float | None,
        typer.Option(help=say("抓取间隔（分钟）", "minutes between polls")),
    ] = None,
    no_check: Annotated[
        bool,
        typer.Option(
            "--no-check",
            help=say(
                "不试抓，直接添加\n\n（网站暂时无法访问时）",
                "add the feed without fetching it first (a site that is down for now)",
            ),
        ),
    ] = False,
) -> None:
    """Register a feed; it is polled on a schedule by `yuqing serve`."""
    import unicodedata
    from urllib.parse import urlsplit

    from sqlalchemy import Connection

    from yuqing.core.posts import (
        AUTHOR_KIND_WORDS,
        SOURCE_CATEGORY_WORDS,
        AuthorKind,
        author_kind_named,
        default_author_kind,
        source_category_named,
    )
    from yuqing.runtime.feeds import MAX_POLL_MINUTES, FeedCheck, check_feed
    from yuqing.sources.reasons import entry_location_text
    from yuqing.sources.rss import display_url
    from yuqing.storage import repo

    shown = display_url(url)
    # urlsplit drops tabs and newlines and strips the ends silently: the URL stored would
    # not be the one given, or a pasted one would be cut (spaces belong encoded as %20).
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        raise fail(
            say(
                "{shown!r}：网址中不能含空格或控制字符",
                "{shown!r}: a URL cannot hold spaces or control characters",
                shown=shown,
            )
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as exc:
        raise fail(
            say(
                "{shown}：不是有效的网址（{exc}）",
                "{shown}: not a valid URL ({exc})",
                shown=shown,
                exc=exc,
            )
        ) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise fail(say("{shown}：不是 http(s) 网址", "{shown}: not an http(s) URL", shown=shown))
    if not host:
        raise fail(say("{shown}：网址中没有主机名", "{shown}: the URL names no host", shown=shown))
    if every is not None and not (math.isfinite(every) and 1 <= every <= MAX_POLL_MINUTES):
        raise fail(
            say(
                "--every {every}：抓取间隔须在 1 到 {most:g} 分钟之间",
                "--every {every}: minutes between polls must be from 1 to {most:g}",
                every=every,
                most=MAX_POLL_MINUTES,
            )
        )
    # The category and kind by their values or their Chinese words (地方媒体, 媒体).
    category = _named_value(
        "--category", "类别", category, source_category_named, SOURCE_CATEGORY_WORDS
    )
    if author_kind is None:
        author_kind = default_author_kind(category).value
    else:
        author_kind = _named_value(
            "--author-kind", "作者类型", author_kind, author_kind_named, AUTHOR_KIND_WORDS
        )
    if len(url) > MAX_URL_CHARS:
        raise fail(
            say(
                "订阅源网址长 {length:,} 个字符，超过上限 {limit:,} 个字符",
                "the feed URL is {length:,} characters long; the limit is {limit:,}",
                length=len(url),
                limit=MAX_URL_CHARS,
            )
        )
    made = host.replace(".", "-")
    what = "--slug" if slug is not None else "the host as a slug (give --slug)"
    feed_slug = checked_name(slug if slug is not None else made, what, MAX_SOURCE_CHARS) or made
    if slug is not None:
        from yuqing.core.reasons import slug_refusal

        # As the push's ?source=: a code is typed after source: in a monitor's query and
        # given to `feeds pause`, where a space, "/" or "(" would not be read as part of it.
        refused = slug_refusal(feed_slug, "--slug")
        if refused is not None:
            raise fail(reason_said(refused))
    name = checked_name(name, "--name", 300)

    def tried_line(tried: FeedCheck, minutes: float) -> str:
        """What the try of a feed that answered found, and when it is polled."""
        unreadable = ""
        if tried.unreadable:
            unreadable = say(
                "（另有 {n} 条无法读取，抓取时会逐条说明）",
                " ({n} more cannot be read; polling says which)",
                n=tried.unreadable,
            )
        if tried.left_out:
            # Only the first `limit` are read at each poll (usually the newest: feeds list
            # them first); "has 1000" read as if the feed held no more.
            total = tried.readable + tried.unreadable + tried.left_out
            found = say(
                "试抓成功：订阅源现有 {total:,} 条信息，每次抓取只读取排在最前的 {limit:,} 条"
                "（通常是最新的；上限由设置 feed_max_entries 决定），其余 {left:,} 条不读取；"
                "读取的 {limit:,} 条中可用 {n:,} 条{unreadable}",
                "checked: the feed has {total:,} items now, and each poll reads only the "
                "first {limit:,} (usually the newest; the setting feed_max_entries sets the "
                "limit), not the other {left:,}; of those read, {n:,} can be used{unreadable}",
                total=total,
                limit=tried.limit,
                left=tried.left_out,
                n=tried.readable,
                unreadable=unreadable,
            )
        elif tried.readable or tried.unreadable:
            found = say(
                "试抓成功：订阅源现有 {n} 条信息{unreadable}",
                "checked: the feed has {n} {items} now{unreadable}",
                n=tried.readable,
                items=plural(tried.readable, "item", "items"),
                unreadable=unreadable,
            )
        else:
            found = say(
                "试抓成功：订阅源可以读取，但目前没有条目",
                "checked: the feed can be read but has no items yet",
            )
        return say(
            "{found}；yuqing serve 每 {minutes:g} 分钟抓取一次并入库（yuqing feeds poll 立即抓取）",
            "{found}; yuqing serve polls it every {minutes:g} {unit} and stores its items "
            "(yuqing feeds poll fetches now)",
            found=found,
            minutes=minutes,
            unit=plural(minutes, "minute", "minutes"),
        )

    def warn_malformed(tried: FeedCheck) -> None:
        """Say what is wrong with a feed that was read all the same (added as usual: its
        health record keeps saying it), and what its first entry reads as."""
        if not tried.warnings:
            return
        for warning in tried.warnings:
            typer.echo(say("警告：{w}", "warning: {w}", w=feed_text(warning)), err=True)
        first = ""
        if tried.first_item is not None:
            first = say(
                "；读到的第一条：{where}",
                "; the first item read: {where}",
                where=entry_location_text(tried.first_item, language.current()),
            )
        typer.echo(
            say(
                "警告：订阅源的格式有问题，读到的信息可能不完整或是乱码{first}。请联系网站修正；"
                "订阅源照常添加，问题记在 yuqing feeds list 的“最近错误”中",
                "warning: the feed is malformed, so what was read may be incomplete or "
                "garbled{first}. Ask the site to fix it; the feed is added as usual, and "
                "yuqing feeds list shows the problem as its last error",
                first=first,
            ),
            err=True,
        )

    made_slug = feed_slug

    def refuse_taken(conn: Connection) -> None:
        """Refuse a --slug taken or a feed added already. Without --slug, the first code
        made from the URL that is free is the feed's: a site's second feed (a news site's
        channels) needs no code invented for it."""
        nonlocal feed_slug
        if slug is None:
            feed_slug = _free_feed_slug(conn, made_slug, url)
        elif repo.get_source(conn, feed_slug):
            raise fail(
                say(
                    "已有代号为 {slug!r} 的信息源：请用 --slug 另取一个代号",
                    "a source called {slug!r} exists already; choose --slug",
                    slug=feed_slug,
                )
            )
        # The same feed twice would be fetched twice and its entries stored under two
        # sources.
        for other in repo.list_sources(conn, kind="rss"):
            if other.url and _same_url(other.url, url):
                raise fail(
                    say(
                        "{shown}：已作为订阅源 {slug!r} 添加过",
                        "{shown}: already added as feed {slug!r}",
                        shown=shown,
                        slug=other.slug,
                    )
                )

    def run(ctx: Context) -> int:
        tried: FeedCheck | None = None
        if not no_check:
            # Refused before the fetch, so that a name taken costs no wait.
            with ctx.db.read() as conn:
                refuse_taken(conn)
            import httpx

            with httpx.Client(follow_redirects=True) as client:
                tried = check_feed(
                    ctx, client, url, slug=feed_slug, author_kind=AuthorKind(author_kind)
                )
            if tried.problem is not None:
                # Not added: a mistyped URL kept would be polled, and failing, until
                # someone found `feeds remove`, its name taken meanwhile. What is wrong
                # with the feed itself (its encoding) is said first: it is often why.
                for warning in tried.warnings:
                    typer.echo(say("警告：{w}", "warning: {w}", w=feed_text(warning)), err=True)
                complain(feed_text(tried.problem))
                if tried.may_pass:
                    advice = say(
                        "未添加订阅源 {slug}。请检查网址；如果网站只是暂时无法访问，可稍后再试，"
                        "或加上 --no-check 直接添加（之后由 yuqing serve 按计划重试）",
                        "feed {slug} not added. Check the URL; if the site is only down for "
                        "now, try again later, or add it without this check (--no-check): "
                        "yuqing serve then retries it on schedule",
                        slug=feed_slug,
                    )
                else:
                    advice = say(
                        "未添加订阅源 {slug}。请检查网址后重新添加；如确认网址无误，可加上 "
                        "--no-check 直接添加（之后由 yuqing serve 按计划重试）",
                        "feed {slug} not added. Check the URL and add it again; if it is "
                        "right, add it without this check (--no-check): yuqing serve then "
                        "retries it on schedule",
                        slug=feed_slug,
                    )
                note(advice)
                return 1
        with ctx.db.write() as conn:
            refuse_taken(conn)
            added = repo.ensure_source(
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
            if tried is not None and tried.read_at is not None:
                # The try read the feed: its last success, as the list says. Its entries
                # are not stored (no validators kept either), so the first poll stores them.
                repo.update_source_health(conn, added.id, last_success_at=tried.read_at)
        typer.echo(
            say(
                "已添加订阅源 {slug}：{shown}",
                "added feed {slug}: {shown}",
                slug=feed_slug,
                shown=shown,
            )
        )
        if feed_slug != made_slug:
            note(
                say(
                    "代号 {made} 已被占用，这个订阅源的代号定为 {slug}（yuqing feeds pause "
                    "{slug} 等命令用它指代这个订阅源；添加时可用 --slug 自定代号）",
                    "{made} is taken: this feed's name is {slug} (yuqing feeds pause {slug} "
                    "and the like use it; --slug chooses one when adding)",
                    made=made_slug,
                    slug=feed_slug,
                )
            )
        if tried is not None:
            typer.echo(tried_line(tried, every or ctx.settings.feed_poll_minutes))
            warn_malformed(tried)
        return 0

    raise typer.Exit(with_context(run))


# The parts of a feed's path that name no channel ("/rss.xml", "/feed/atom").
_GENERIC_FEED_WORDS = frozenset(
    {"rss", "rss2", "feed", "feeds", "atom", "xml", "index", "default", "syndication", "export"}
)


def _free_feed_slug(conn: Any, made: str, url: str) -> str:
    """The first free code for a feed added without --slug: the host's (``made``), else
    the host's and the last part of the path that names something (``example-org-politics``
    for ``/channel/politics/rss.xml``), else the host's numbered (``example-org-2``)."""
    import itertools
    import re
    from urllib.parse import unquote, urlsplit

    from yuqing.storage import repo

    suffixes: list[str] = [""]
    segments = [unquote(part) for part in urlsplit(url).path.split("/") if part]
    for segment in reversed(segments):
        # NFKC, as the store keeps a slug: the code said is the code stored.
        folded = unicodedata.normalize("NFKC", segment).lower()
        stem = re.sub(r"\.(xml|rss|atom|rdf|php|aspx?|jsp|cgi|html?)$", "", folded)
        word = "-".join(re.findall(r"[^\W_]+", stem))[:40]
        if word and word not in _GENERIC_FEED_WORDS:
            suffixes.append(f"-{word}")
            break
    numbered = (f"-{n}" for n in itertools.count(2))
    for suffix in itertools.chain(suffixes, numbered):
        candidate = made[: MAX_SOURCE_CHARS - len(suffix)] + suffix
        if repo.get_source(conn, candidate) is None:
            return candidate
    raise AssertionError("unreachable: the numbered codes never run out")


def _same_url(one: str, two: str) -> bool:
    """Whether two feed URLs name the same resource (as post URLs are compared)."""
    from yuqing.core.posts import canonical_url

    try:
        return canonical_url(one) == canonical_url(two)
    except ValueError:
        return one == two


def _local_second(moment: datetime | None, zone: tzinfo) -> str:
    """``moment`` in ``zone`` to the second ("2026-07-14 09:39:05"); "-" for none.

    A stored time carries microseconds and UTC's offset, which no one reading a
    listing needs and which put it eight hours from the console's clock.
    """
    if moment is None:
        return "-"
    return utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


# The window `feeds list` says a feed's posts a day over: its last 7 days, or, for a
# younger feed, the time since it was added, though never under a day (a feed added 5
# minutes ago with 10 posts brought in 10 that day, not 2,880 a day).
FEED_RATE_WINDOW = timedelta(days=7)
FEED_RATE_MIN_WINDOW = timedelta(days=1)


def _feed_rate_window(conn: Any, source_id: int, now: datetime) -> timedelta:
    """How long back ``feeds list`` counts a feed's posts, to say how many it brings in a
    day: ``FEED_RATE_WINDOW``, or the feed's age when less (from when it was added, or
    its first post brought in if that is earlier: a row added by another program may say
    a later time), at least ``FEED_RATE_MIN_WINDOW``."""
    from sqlalchemy import func, select

    from yuqing.storage.schema import posts, sources

    added = conn.execute(
        select(sources.c.created_at).where(sources.c.id == source_id)
    ).scalar_one_or_none()
    first = conn.execute(
        select(func.min(posts.c.fetched_at)).where(posts.c.source_id == source_id)
    ).scalar_one_or_none()
    known = [utc(moment) for moment in (added, first) if isinstance(moment, datetime)]
    if not known:
        return FEED_RATE_WINDOW
    age = now - min(known)
    return max(FEED_RATE_MIN_WINDOW, min(FEED_RATE_WINDOW, age))


# What `feeds list` shows of a feed without a health record: never polled.
_NO_HEALTH = SimpleNamespace(
    consecutive_failures=0,
    last_success_at=None,
    last_error_at=None,
    last_error=None,
    next_poll_at=None,
)


@feeds_app.command(
    "list",
    help=say(
        "列出订阅源及其运行状况：最近成功、最近错误、每日条数。"
        "\n\n每日条数为近 7 天的日均；添加不足 7 天的订阅源按添加以来的天数计（不足 1 天"
        "按 1 天计）。"
        "\n\n只读命令：还没有数据库时，说明如何创建，不会创建数据库，退出码为 0。",
        "List feeds with their health: last success, last error, items per day."
        "\n\nItems per day are the average over the last 7 days; for a feed added less "
        "than 7 days ago, over the days since it was added (at least one)."
        "\n\nRead-only: with no store yet it says how to make one, creates none, and exits 0.",
    ),
)
def feeds_list() -> None:
    """List feeds with their health: last success, last error, items per day."""
    from yuqing.errors import NotFound
    from yuqing.sources.rss import display_url
    from yuqing.storage import repo

    def run(ctx: Context) -> int:
        now = ctx.clock.now()
        # As the console's sources page shows them: the deployment's zone, to the second.
        zone = ctx.settings.display_zone
        with ctx.db.read() as conn:
            feeds = repo.list_sources(conn, kind="rss")
            for feed in feeds:
                try:
                    health: Any = repo.source_health(conn, feed.id)
                except NotFound:
                    # No health record (a source stored by another program, a record
                    # lost): nothing is known of it until the poller, which makes one,
                    # has polled it; the other feeds are listed all the same.
                    health = _NO_HEALTH
                # Over the last 7 days, or the days since the feed was added when fewer:
                # a feed added yesterday, its posts divided by 7, read 7 times quieter.
                since = now - _feed_rate_window(conn, feed.id, now)
                per_day = repo.items_per_day(conn, feed.id, since, now)
                # Words for people in the run's language, Chinese "名称：值"; in English the
                # fields keep their key=value names, which scripts read (--lang en).
                if not feed.active:
                    # Not polled: neither failing nor ok, and no next poll to wait for.
                    state = say("已暂停", "paused")
                elif health.consecutive_failures:
                    state = say("抓取失败", "FAILING")
                elif health.last_success_at is None and health.last_error_at is None:
                    # Added without the try (--no-check) and not polled since: nothing
                    # is known of it yet, least of all that it is fine.
                    state = say("尚未抓取", "not polled yet")
                else:
                    state = say("正常", "ok")
                last_error = feed_text(display_url(health.last_error or "-"))
                # The free-text error stays the last field: whatever it holds, the
                # fields before it are read where they are.
                fields = say(
                    "名称：{name}\t近 7 天日均：{per_day:.1f} 条\t最近成功：{success}\t"
                    "下次抓取：{next}\t最近出错：{error_at}\t最近错误：{error}",
                    "name={name}\titems/day(7d)={per_day:.1f}\tlast_success={success}\t"
                    "next_poll={next}\tlast_error_at={error_at}\tlast_error={error}",
                    name=one_line(feed.name or feed.slug, 100),
                    per_day=per_day,
                    success=_local_second(health.last_success_at, zone),
                    next=_local_second(health.next_poll_at if feed.active else None, zone),
                    error_at=_local_second(health.last_error_at, zone),
                    error=last_error,
                )
                typer.echo(f"{feed.slug}\t{state}\t{display_url(feed.url or '')}\t{fields}")
        if not feeds:
            typer.echo(
                say(
                    "还没有订阅源：请用 yuqing feeds add 网址 添加",
                    "no feeds yet: yuqing feeds add URL",
                ),
                err=True,
            )
        return 0

    stop_without_store(
        say("还没有订阅源（用 yuqing feeds add 网址 添加）", "no feeds yet (yuqing feeds add URL)")
    )
    with_context(run)


@feeds_app.command(
    "poll",
    help=say(
        "立即抓取订阅源（条件请求），新信息入库。"
        "\n\n已暂停的订阅源（yuqing feeds pause）不抓取，不加 --due-only 时也不抓取。",
        "Poll feeds now (conditional GET) and store new items."
        "\n\nPaused feeds (yuqing feeds pause) are not polled, with or without --due-only.",
    ),
)
def feeds_poll(
    due_only: Annotated[
        bool,
        typer.Option(
            "--due-only",
            help=say("只抓取已到抓取时间的订阅源", "poll only feeds whose time has come"),
        ),
    ] = False,
) -> None:
    """Poll feeds now (conditional GET) and store new items."""
    from dataclasses import replace

    import httpx

    from yuqing.core.posts import source_key
    from yuqing.runtime.feeds import poll_due_feeds
    from yuqing.storage import repo

    def run(ctx: Context) -> int:
        take_into_the_plan(ctx)
        worst = 0
        stored = 0
        with ctx.db.read() as conn:
            feeds = repo.list_sources(conn, kind="rss")
        if not feeds:
            # A poll of nothing said nothing, as if it had polled and found nothing new.
            note(
                say(
                    "还没有订阅源，没有可抓取的：请先用 yuqing feeds add 网址 添加",
                    "there are no feeds to poll: add one with yuqing feeds add URL",
                )
            )
            return 0
        paused = [f.slug for f in feeds if not f.active]
        names = {f.slug: f.name for f in feeds}

        def called(slug: str) -> str:
            """The feed as a poll's lines name it, whatever happened: its code, which
            yuqing feeds pause takes, and its name when it has one of its own."""
            shown = one_line(slug, 100)
            name = one_line(names.get(slug) or "", 100)
            if not name or source_key(name) == source_key(shown):
                return shown
            return say("{slug}（{name}）", "{slug} ({name})", slug=shown, name=name)

        if paused:
            # Said first: a poll that fetched nothing then says why.
            shown = ", ".join(one_line(slug, 100) for slug in paused[:10])
            more = len(paused) - 10
            note(
                say(
                    "已暂停的订阅源不抓取：{shown}{more}（yuqing feeds resume 代号 恢复）",
                    "paused {feeds} not polled: {shown}{more} (yuqing feeds resume NAME)",
                    feeds=plural(len(paused), "feed", "feeds"),
                    shown=shown,
                    more=(
                        say("等 {total} 个", " and {more} more", total=len(paused), more=more)
                        if more > 0
                        else ""
                    ),
                )
            )
        polled = 0
        with httpx.Client(follow_redirects=True) as client:
            for outcome in poll_due_feeds(ctx, client, force=not due_only):
                polled += 1
                stored += outcome.summary.stored if outcome.summary is not None else 0
                for said in outcome.notes[:20]:
                    note(feed_text(said))
                if outcome.error:
                    said = feed_text(outcome.error)
                    # Most feed errors name their URL already (both in display form).
                    if not outcome.error.startswith(outcome.url):
                        said = say("{url}：{said}", "{url}: {said}", url=outcome.url, said=said)
                    complain(said)
                    worst = 1
                elif outcome.not_modified:
                    typer.echo(
                        say("{feed}：内容未更新", "{feed}: not modified", feed=called(outcome.slug))
                    )
                elif outcome.summary is not None:
                    # Named as the other lines name the feed (the run keeps its URL), its
                    # entries as the run's language does ("第 3 条", with their titles).
                    shown_summary = _entries_said(
                        replace(outcome.summary, origin=called(outcome.slug))
                    )
                    worst = max(worst, _print_summary(shown_summary))
                elif not outcome.too_old:
                    typer.echo(
                        say("{feed}：没有信息", "{feed}: no items", feed=called(outcome.slug))
                    )
                if outcome.too_old and not outcome.error:
                    # Not rejected and not stored: the purge would remove them at once.
                    typer.echo(
                        say(
                            "{feed}：{n} 条信息超过保存期限（{days} 天），未入库",
                            "{feed}: older than the retention period ({days} {unit}) {n}, "
                            "not stored",
                            feed=called(outcome.slug),
                            days=ctx.settings.retention_days,
                            unit=plural(ctx.settings.retention_days, "day", "days"),
                            n=outcome.too_old,
                        )
                    )
        if not polled and len(paused) < len(feeds):
            # Only with --due-only: without it every active feed is polled.
            note(
                say(
                    "没有到抓取时间的订阅源（不加 --due-only 则立即抓取全部订阅源）",
                    "no feed is due yet (without --due-only every feed is polled now)",
                )
            )
        if ctx.detection_elsewhere and stored:
            note_detection_elsewhere()
        return worst

    raise typer.Exit(with_context(run))


def _entries_said(summary: IngestSummary) -> IngestSummary:
    """A feed poll's summary with the places of its entries ("<url> entry 3 ("title")")
    in the run's language, as its lines show them."""
    from dataclasses import fields, replace

    from yuqing.sources.reasons import entry_location_text

    lang = language.current()
    changes: dict[str, Any] = {
        "rejections": [
            replace(r, location=entry_location_text(r.location, lang)) for r in summary.rejections
        ]
    }
    for each in fields(summary):
        value = getattr(summary, each.name)
        if each.name.startswith("first_") and isinstance(value, str):
            changes[each.name] = entry_location_text(value, lang)
    return replace(summary, **changes)


FEED_NAME_HELP = say(
    "订阅源代号（yuqing feeds list 第一列，不分大小写）或网址",
    "the feed's name as yuqing feeds list shows it (in any case), or its URL",
)
# The kinds of source other than feeds, as a refusal names them.
_SOURCE_KINDS_ZH = {"import": "导入", "push": "推送", "replay": "回放", "demo": "演示"}


def _find_feed(conn: Any, name: str) -> SourceInfo:
    """The feed ``name`` names: by its slug in any case and width (as posts name their
    source), else by its URL, else by its display name when one feed alone has it.

    Ends the run, saying why, when none does or when the source named is not a feed: an
    imported or pushed source is not polled, and pausing it would stop nothing.
    """
    from yuqing.core.posts import source_key
    from yuqing.sources.rss import display_url
    from yuqing.storage import repo

    found = repo.get_source(conn, name.strip())
    feeds = repo.list_sources(conn, kind="rss")
    if found is None:
        found = next((f for f in feeds if f.url and _same_url(f.url, name.strip())), None)
    if found is None:
        key = source_key(name)
        named = [f for f in feeds if source_key(f.name) == key]
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise fail(
            say(
                "没有名为 {name!r} 的订阅源（用 yuqing feeds list 查看现有订阅源）",
                "there is no feed called {name!r} (yuqing feeds list)",
                name=one_line(display_url(name), 200),
            )
        )
    if found.kind != "rss":
        raise fail(
            say(
                "{slug!r} 是{kind}信息源，不是订阅源：feeds 命令只能暂停、恢复或删除用 "
                "yuqing feeds add 添加的订阅源",
                "{slug!r} is {article} {kind} source, not a feed: yuqing feeds pause, resume "
                "and remove act on feeds added with yuqing feeds add",
                slug=one_line(found.slug, 100),
                kind=(
                    _SOURCE_KINDS_ZH.get(found.kind, one_line(found.kind, 20))
                    if language.current() == "zh"
                    else one_line(found.kind, 20)
                ),
                article="an" if found.kind[:1] in ("a", "e", "i", "o", "u") else "a",
            )
        )
    return found


def _change_feed(name: str, active: bool) -> None:
    """Pause (``active`` False) or resume the feed ``name`` names."""
    from yuqing.storage import repo

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            feed = _find_feed(conn, name)
            was = feed.active
            if was != active:
                repo.set_source_active(conn, feed.id, active)
        slug = one_line(feed.slug, 100)
        if was == active:
            typer.echo(
                say("订阅源 {slug} 已经暂停", "feed {slug} is paused already", slug=slug)
                if not active
                else say("订阅源 {slug} 没有暂停，无需恢复", "feed {slug} is not paused", slug=slug)
            )
        elif not active:
            typer.echo(
                say(
                    "已暂停订阅源 {slug}：yuqing serve 和 yuqing feeds poll 不再抓取它，已入库的"
                    "信息保留（yuqing feeds resume {slug} 恢复）",
                    "paused feed {slug}: yuqing serve and yuqing feeds poll no longer fetch "
                    "it; its stored posts stay (yuqing feeds resume {slug} resumes it)",
                    slug=slug,
                )
            )
        else:
            typer.echo(
                say(
                    "已恢复订阅源 {slug}：yuqing serve 下一轮即抓取它，此后按计划抓取"
                    "（yuqing feeds poll 立即抓取）",
                    "resumed feed {slug}: yuqing serve polls it on its next round, then on "
                    "schedule (yuqing feeds poll fetches now)",
                    slug=slug,
                )
            )
        return 0

    with_context(run)


@feeds_app.command(
    "pause",
    help=say(
        "暂停订阅源：yuqing serve 和 yuqing feeds poll 不再抓取它，已入库的信息保留。",
        "Stop polling a feed: yuqing serve and yuqing feeds poll no longer fetch it; its "
        "stored posts stay.",
    ),
)
def feeds_pause(name: Annotated[str, typer.Argument(help=FEED_NAME_HELP)]) -> None:
    """Stop polling a feed; its stored posts stay."""
    _change_feed(name, False)


@feeds_app.command(
    "resume",
    help=say(
        "恢复已暂停的订阅源：yuqing serve 重新按计划抓取它。",
        "Poll a paused feed again: yuqing serve fetches it on schedule.",
    ),
)
def feeds_resume(name: Annotated[str, typer.Argument(help=FEED_NAME_HELP)]) -> None:
    """Poll a paused feed again."""
    _change_feed(name, True)


@feeds_app.command(
    "remove",
    help=say(
        "删除尚无信息入库的订阅源（例如网址填错的）及其运行记录。"
        "\n\n已有信息入库的订阅源不能删除（这些信息注明来自该订阅源），可以暂停。",
        "Delete a feed from which no post was ever stored (a mistyped URL, say) with its "
        "health record."
        "\n\nA feed with stored posts cannot be deleted (they name it as their source); "
        "pause it instead.",
    ),
)
def feeds_remove(name: Annotated[str, typer.Argument(help=FEED_NAME_HELP)]) -> None:
    """Delete a feed from which no post was ever stored, with its health record."""
    from yuqing.storage import repo

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            feed = _find_feed(conn, name)
            removed = repo.remove_source(conn, feed.id)
        slug = one_line(feed.slug, 100)
        if not removed:
            complain(
                say(
                    "订阅源 {slug} 已有信息入库，不能删除：这些信息注明来自该订阅源，删除后将"
                    "无从查证出处。如不再需要抓取，请暂停：yuqing feeds pause {slug}",
                    "feed {slug} has stored posts and cannot be removed: they name it as "
                    "their source, and removing it would lose where they came from. To stop "
                    "polling it, pause it: yuqing feeds pause {slug}",
                    slug=slug,
                )
            )
            return 1
        typer.echo(say("已删除订阅源 {slug}", "removed feed {slug}", slug=slug))
        return 0

    raise typer.Exit(with_context(run))


# A query may begin with an exclusion ('-谣言 云溪'): an argument, not an unknown option.
@monitors_app.command(
    "add",
    context_settings={"ignore_unknown_options": True},
    help=say(
        """保存一个监测方案，此后每条新入库的信息都会与它匹配。

    AND 的优先级高于 OR，并列的词（隐含的 AND）优先级最低；
    NOT 只作用于紧随其后的一个检索词。
    因此 `a NOT b OR c` 表示 `a AND (NOT b OR c)`：同时含 a、b、c 的信息
    会被选中。需要另一种组合时请加括号，例如
    yuqing monitors add 化工 "(化工 NOT 演练) OR 爆炸"

    字段值到空格为止：应写 `source:weibo 火灾`，不能写成 `source:weibo火灾`。
    """,
        """Save a monitor; every incoming post is matched against it.

    AND binds tighter than OR; words side by side (an implicit AND) bind
    loosest; NOT takes the one term after it.
    So `a NOT b OR c` means `a AND (NOT b OR c)`: a post with a, b and c
    is selected. Write parentheses for the other grouping, e.g.
    yuqing monitors add 化工 "(化工 NOT 演练) OR 爆炸"

    A field's value ends at a space: `source:weibo 火灾`, not
    `source:weibo火灾`.
    """,
    ),
)
def monitors_add(
    name: Annotated[
        str,
        typer.Argument(
            help=say(
                "简短的名称（全角字母存为半角 ABC）",
                "a short name (full-width letters are stored as ABC)",
            )
        ),
    ],
    query: Annotated[
        str,
        typer.Argument(
            help=say(
                "检索式，例如 化工 AND (火灾 OR 爆炸) NOT 演练 place:云溪县",
                "e.g. 化工 AND (火灾 OR 爆炸) NOT 演练 place:云溪县",
            )
        ),
    ],
    place: Annotated[
        str | None,
        typer.Option(help=say("此监测方案关注的地点", "the place this monitor watches")),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help=say("所属单位", "the unit it belongs to"))
    ] = None,
    topic: Annotated[str | None, typer.Option(help=say("主题", "its topic"))] = None,
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
    from yuqing.core.monitors import compile_query, monitor_name, place_filter_names, short_name
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
        typer.echo(
            say(
                "已添加监测方案 {id}：{name}：{query}",
                "added monitor {id}: {name}: {query}",
                id=monitor_id,
                name=name,
                query=compiled.text,
            )
        )
        unknown = [source for source in compiled.sources if source not in known]
        if unknown:
            # Kept, not refused: a monitor may be set up before its source's first post.
            comma = say("、", ", ")
            listed = comma.join(one_line(slug, 40) for slug in sorted(known)[:20]) or say(
                "暂无", "none yet"
            )
            # A source: value may be 2,000 characters long, and a query may name hundreds.
            named = comma.join(repr(one_line(slug, 40)) for slug in unknown[:5])
            if len(unknown) > 5:
                named += say(" 等（另有 {n} 个）", " and {n} more", n=len(unknown) - 5)
            note(
                say(
                    "还没有代号为 {named} 的信息源，在它有信息入库之前，此监测方案匹配不到"
                    "它的信息（现有信息源：{listed}；见 yuqing feeds list）",
                    "no source is called {named} yet, so the monitor matches no post of it "
                    "until one comes (sources now: {listed}; yuqing feeds list)",
                    named=named,
                    listed=listed,
                )
            )
        if compiled.places:
            from yuqing.runtime.demo import demo_place_names
            from yuqing.textproc.places import default_finder

            # Unlike a source, a place cannot come later: the divisions are built in.
            finder, demo = default_finder(), demo_place_names()
            nowhere = [
                value
                for value in compiled.places
                if not any(finder.knows(n) or n in demo for n in place_filter_names(value))
            ]
            if nowhere:
                note(
                    say(
                        "{named} 不是 yuqing 能从信息中识别的地名（全国行政区划及演示县的地名），"
                        "地点条件 place: 匹配不到任何信息；地名请写全称或去掉“省、市、县”的简称，"
                        "如 place:雅安",
                        "{named} is no place yuqing can tell a post is in (China's "
                        "administrative divisions and the demo county's), so this place: "
                        "filter matches no post; write a division's name, whole or without "
                        "its 省/市/县, e.g. place:雅安",
                        named=say("、", ", ").join(repr(one_line(v, 40)) for v in nowhere[:5]),
                    )
                )
        return 0

    with_context(run)


@monitors_app.command(
    "list",
    help=say(
        "列出监测方案、各自命中的信息条数和最近一次突增。"
        "\n\n只读命令：还没有数据库时，说明如何创建，不会创建数据库，退出码为 0。",
        "List monitors, how many posts each matched, and each one's last burst."
        "\n\nRead-only: with no store yet it says how to make one, creates none, and exits 0.",
    ),
)
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
            # Words for people in the run's language, Chinese "名称：值"; in English the
            # fields keep their key=value names, which scripts read (--lang en).
            state = say("运行中", "active") if m.active else say("已暂停", "paused")
            # A name stored before names were checked for C1 and bidi controls.
            name = one_line(m.name, MAX_NAME_CHARS)
            try:
                compile_query(m.query)
            except QueryError as exc:
                # Stored by an earlier version: ingestion skips it, and "active" hid that.
                state = say("未运行", "not-run")
                note(
                    say(
                        "监测方案 {name!r} 未运行：检索式已无法解析（{problem}）；请删除后"
                        "按正确写法重新添加",
                        "monitor {name!r} is not run, its query no longer compiles: "
                        "{problem}; remove it and add it again with the query corrected",
                        name=name,
                        problem=query_refusal(exc),
                    )
                )
            burst = bursts.get(m.id)
            last = (
                say(
                    "最近突增：{at}（{window} 分钟内 {posts} 条，{usual}）",
                    "last_burst={at} ({posts} {noun} in {window} min, {usual})",
                    at=burst.at.isoformat() if burst.at else say("未知", "unknown"),
                    posts=burst.posts,
                    noun=plural(burst.posts, "post", "posts"),
                    window=burst.window_minutes,
                    # "usually about 0.0" is a figure of no use: a new or quiet topic.
                    usual=(
                        say("通常约 {n:.1f} 条", "usually {n:.1f}", n=burst.expected)
                        if burst.expected >= 0.05
                        else say("此前几乎没有", "almost none before")
                    ),
                )
                if burst is not None
                else say("最近突增：无", "last_burst=none")
            )
            matched = say("命中：{n} 条", "matched={n}", n=counts.get(m.id, 0))
            typer.echo(f"{m.id}\t{name}\t{state}\t{matched}\t{last}\t{m.query}")
        if not monitors:
            typer.echo(
                say(
                    "还没有监测方案：请用 yuqing monitors add 名称 检索式 添加",
                    "no monitors yet: yuqing monitors add NAME QUERY",
                ),
                err=True,
            )
        return 0

    stop_without_store(
        say(
            "还没有监测方案（用 yuqing monitors add 名称 检索式 添加）",
            "no monitors yet (yuqing monitors add NAME QUERY)",
        )
    )
    with_context(run)


def _change_monitor(name: str, done: tuple[str, str], change: Callable[[Any, str], bool]) -> None:
    """``done``: what was done, in Chinese and in English (暂停, paused)."""
    from yuqing.core.monitors import monitor_name

    with user_errors():
        name = monitor_name(name)

    def run(ctx: Context) -> int:
        with ctx.db.write() as conn:
            if not change(conn, name):
                raise fail(
                    say(
                        "没有名为 {name!r} 的监测方案（用 yuqing monitors list 查看现有方案）",
                        "there is no monitor called {name!r} (yuqing monitors list)",
                        name=name,
                    )
                )
        typer.echo(
            say(
                "已{zh}监测方案 {name}",
                "{en} monitor {name}",
                zh=done[0],
                en=done[1],
                name=name,
            )
        )
        return 0

    with_context(run)


MONITOR_NAME_HELP = say("监测方案名称", "the monitor's name")


@monitors_app.command(
    "pause",
    help=say(
        "暂停监测方案：新信息不再与它匹配，已命中的信息保留。",
        "Stop matching new posts against a monitor; what it matched stays.",
    ),
)
def monitors_pause(name: Annotated[str, typer.Argument(help=MONITOR_NAME_HELP)]) -> None:
    """Stop matching new posts against a monitor; what it matched stays."""
    from yuqing.storage import repo

    _change_monitor(
        name, ("暂停", "paused"), lambda conn, n: repo.set_monitor_active(conn, n, False)
    )


@monitors_app.command(
    "resume",
    help=say(
        "恢复已暂停的监测方案：新信息重新与它匹配。",
        "Match new posts against a paused monitor again.",
    ),
)
def monitors_resume(name: Annotated[str, typer.Argument(help=MONITOR_NAME_HELP)]) -> None:
    """Match new posts against a paused monitor again."""
    from yuqing.storage import repo

    _change_monitor(
        name, ("恢复", "resumed"), lambda conn, n: repo.set_monitor_active(conn, n, True)
    )


@monitors_app.command(
    "remove",
    help=say(
        "删除监测方案及其命中记录（如需保留命中记录，请改为暂停）。",
        "Delete a monitor with what it matched (pause it to keep that).",
    ),
)
def monitors_remove(name: Annotated[str, typer.Argument(help=MONITOR_NAME_HELP)]) -> None:
    """Delete a monitor with what it matched (pause it to keep that)."""
    from yuqing.storage import repo

    _change_monitor(name, ("删除", "removed"), repo.remove_monitor)


@db_app.command(
    "upgrade",
    help=say(
        "创建数据库结构，或将其升级到当前版本。",
        "Create or upgrade the database schema to the current version.",
    ),
)
def db_upgrade() -> None:
    """Create or upgrade the database schema to the current version."""
    from yuqing.errors import ConfigError
    from yuqing.settings import load_settings
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    with user_errors():
        try:
            settings = load_settings()
        except ConfigError as exc:
            raise fail(language.config_error_text(exc)) from None
        db = Database(settings.effective_database_url)
        try:
            before = migrate.current_revision(db)
            revision = migrate.upgrade(db)
        finally:
            db.dispose()
    # What was done, not only where it ended: the same line for a new database and one
    # already current left the user to guess whether anything happened.
    if before is None:
        typer.echo(
            say(
                "已创建数据库结构，版本 {revision}",
                "database schema created at revision {revision}",
                revision=revision,
            )
        )
    elif before == revision:
        typer.echo(
            say(
                "数据库结构已是最新版本 {revision}，无需升级",
                "database schema already at the current revision {revision}",
                revision=revision,
            )
        )
    else:
        typer.echo(
            say(
                "数据库结构已从版本 {before} 升级到 {revision}",
                "database schema upgraded from revision {before} to {revision}",
                before=before,
                revision=revision,
            )
        )


@db_app.command(
    "reset-detection",
    help=say(
        "清除事件发现已保存的进度，使事件发现从头开始（须先停止 yuqing serve）。"
        "\n\n已入库的信息、事件和事件单不受影响；新事件的基线从之后收到的信息重新建立。",
        "Delete event detection's saved progress so that detection starts afresh (stop "
        "yuqing serve first).\n\nStored posts, events and incidents stay; baselines are "
        "built again from the posts that come next.",
    ),
)
def db_reset_detection(
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help=say("不再询问，直接清除", "do not ask for confirmation")),
    ] = False,
) -> None:
    """Delete the detector's saved state (the ``ingest`` row of ``detector_state``).

    Its stream time is the latest post time it weighed: once a store took live posts, a
    replay of an older history was left out of detection as too late, and the only way
    out was editing a table by hand.
    """
    from yuqing.runtime import detect
    from yuqing.runtime.context import DETECTOR_STATE_NAME
    from yuqing.settings import load_settings
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    with user_errors():
        settings = load_settings()
        missing = _missing_store(settings.effective_database_url)
    if missing is not None:
        raise fail(
            say(
                "{missing} 处没有 yuqing 数据库，没有可清除的内容；请检查 data_dir 或 "
                "database_url 设置（用 yuqing config show 查看）",
                "no yuqing database at {missing}: nothing to reset; check data_dir or "
                "database_url (yuqing config show)",
                missing=missing,
            )
        )
    zone = settings.display_zone

    def confirm(saved: detect.SavedDetection) -> bool:
        # Its stream time, not when it was saved: a replay saves it in the replay's time.
        if saved.stream_time is None:
            what = say(
                "事件发现已保存的进度（无法读取）",
                "event detection's saved progress (unreadable)",
            )
        else:
            what = say(
                "事件发现已保存的进度（已处理到发布时间 {stream} 的信息）",
                "event detection's saved progress (posts weighed up to {stream})",
                stream=_local_second(saved.stream_time, zone),
            )
        if yes:
            return True
        return typer.confirm(
            say(
                "清除{what}，让事件发现从头开始？",
                "Delete {what} and start detection afresh?",
                what=what,
            ),
            default=False,
        )

    with user_errors():
        db = Database(settings.effective_database_url)
        try:
            if migrate.current_revision(db) != migrate.head_revision():
                raise fail(
                    say(
                        "数据库结构不是最新版本：请先运行 yuqing db upgrade",
                        "the database schema is not current: run yuqing db upgrade first",
                    )
                )
            done, _ = detect.reset_saved_detection(db, DETECTOR_STATE_NAME, confirm)
        finally:
            db.dispose()
    if done == detect.RESET_DETECTION_RUNNING:
        raise fail(
            say(
                "另一个进程正在此数据库上运行事件发现（yuqing serve，或正在进行的导入或"
                "回放）：请先停止它，再运行本命令（它停止时会保存进度，覆盖本次清除）",
                "another process runs event detection on this store (yuqing serve, or an "
                "import or replay in progress): stop it first, then run this again (it saves "
                "its progress when it stops, over the reset)",
            ),
            code=1,
        )
    if done == detect.RESET_NOTHING_SAVED:
        typer.echo(
            say(
                "事件发现没有已保存的进度，无需清除：下次运行时即从头开始",
                "event detection has no saved progress: nothing to reset; it starts "
                "afresh when it next runs",
            )
        )
        return
    if done == detect.RESET_DECLINED:
        typer.echo(say("未清除任何内容", "nothing was reset"))
        raise typer.Exit(1)
    typer.echo(
        say(
            "已清除事件发现的进度：下次导入、回放或启动 yuqing serve 时，事件发现从头开始"
            "（已入库的信息、事件和事件单保留）",
            "event detection's saved progress is deleted: it starts afresh at the next "
            "import, replay or yuqing serve (stored posts, events and incidents stay)",
        )
    )


def stop_without_store(nothing: str) -> None:
    """For a command that only reads: when its SQLite store does not exist, say so, and
    how to make one, and end the run with 0 (an empty answer, not a failure).

    Opening a context creates the store, and a listing or a search on a fresh data folder
    (or one mistyped in YUQING_DATA_DIR) left an empty ``yuqing.db`` behind as if it had
    always been there. A PostgreSQL database exists before yuqing is pointed at it; its
    tables are made when it is first opened, as before (nothing new is left on disk).
    """
    from yuqing.settings import load_settings

    with user_errors():
        url = load_settings().effective_database_url
    missing = _missing_sqlite_file(url)
    if missing is None:
        return
    note(
        say(
            "还没有 yuqing 数据库（{missing} 不存在）：{nothing}。导入信息（yuqing ingest 文件）"
            "或运行 yuqing db upgrade 会创建数据库；如果数据库在别处，请检查 data_dir 或 "
            "database_url 设置（用 yuqing config show 查看）",
            "no yuqing store yet ({missing} does not exist): {nothing}. Importing posts "
            "(yuqing ingest FILE) or yuqing db upgrade creates it; if the store is elsewhere, "
            "check data_dir or database_url (yuqing config show)",
            missing=missing,
            nothing=nothing,
        )
    )
    raise typer.Exit(0)


def _missing_sqlite_file(url: str) -> str | None:
    """The SQLite file of ``url`` when it does not exist (None for one that does, an
    in-memory or server database, or a URL whose problem opening it names)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    # Checked before Database(), which creates the file's folder.
    file = Path(parsed.database)
    return None if file.is_file() else str(file)


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


@app.command(
    help=say(
        "立即清理超过保存期限的原始信息（统计数据保留）。",
        "Purge raw posts older than the retention period now (aggregates stay).",
    )
)
def purge() -> None:
    """Purge raw posts older than the retention period now (aggregates stay)."""
    from yuqing.runtime.retention import purge_expired_posts
    from yuqing.settings import load_settings

    with user_errors():
        missing = _missing_store(load_settings().effective_database_url)
    if missing is not None:
        raise fail(
            say(
                "{missing} 处没有 yuqing 数据库，未清理任何信息；请检查 data_dir 或 "
                "database_url 设置（用 yuqing config show 查看）",
                "no yuqing database at {missing}: nothing purged; check data_dir or "
                "database_url (yuqing config show)",
                missing=missing,
            )
        )

    def run(ctx: Context) -> int:
        forgotten: list[int | None] = []
        removed = purge_expired_posts(
            ctx.db,
            ctx.clock,
            ctx.settings.retention_days,
            forget=lambda cutoff: forgotten.append(ctx.forget_detection_texts(cutoff)),
        )
        typer.echo(
            say(
                "已清理 {removed} 条超过 {days} 天的信息",
                "purged {removed} {posts} older than {days} {unit}",
                removed=removed,
                posts=plural(removed, "post", "posts"),
                days=ctx.settings.retention_days,
                unit=plural(ctx.settings.retention_days, "day", "days"),
            )
        )
        if forgotten and forgotten[0] is not None:
            typer.echo(
                say(
                    "事件发现：已清除 {n} 起已平息事件的信息文字",
                    "event detector: {n} retired {events} posts' texts",
                    n=forgotten[0],
                    events=plural(forgotten[0], "event forgot its", "events forgot their"),
                )
            )
        elif ctx.detection_elsewhere:
            # The other process may be an import, which purges nothing: only serve's
            # hourly job does, or this command run again once the import is done.
            typer.echo(
                say(
                    "事件发现：正由另一个进程运行（yuqing serve 或正在进行的导入），已平息"
                    "事件的信息文字留给该进程清理：yuqing serve 每小时清理一次；如是导入，"
                    "请在导入结束后再次运行 yuqing purge",
                    "event detector: runs in another process (yuqing serve, or an import in "
                    "progress), so its retired events' texts were left for it: yuqing serve "
                    "purges them every hour; after an import, run yuqing purge again",
                )
            )
        return 0

    with_context(run)


@config_app.command(
    "show",
    help=say(
        "显示现行配置（密钥已隐藏）及每项配置的来源。",
        "Print the settings in force, secrets masked, each with where it came from.",
    ),
)
def config_show() -> None:
    """Print the settings in force, secrets masked, each with where it came from."""
    from yuqing.errors import ConfigError
    from yuqing.settings import MASK, load_settings, setting_origins

    with user_errors():
        try:
            settings = load_settings()
        except ConfigError as exc:
            raise fail(language.config_error_text(exc)) from None
        view = settings.public_view()
    origins = {key: language.origin_text(origin) for key, origin in setting_origins().items()}
    if settings.secret is None:
        # Unset, the key is generated once into the data folder: "null" read as no key.
        kept = settings.data_dir / "secret"
        if kept.is_file():
            view["secret"] = MASK
            origins["secret"] = say(
                "自动生成，保存在 {path}", "generated, kept in {path}", path=kept
            )
        else:
            origins["secret"] = say(
                "未设置：首次需要时自动生成并保存在 {path}",
                "not set: generated when first needed, kept in {path}",
                path=kept,
            )
    derived_from = "database_url" if settings.database_url else "data_dir"
    origins["effective_database_url"] = say(
        "取自 {key}，{origin}",
        "{key}, {origin}",
        key=derived_from,
        origin=origins[derived_from],
    )
    for key, value in view.items():
        typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {origins[key]}")


# A month of the county (about 100,000 posts, 40 MB): the generator holds it in memory.
MAX_DEMO_HOURS = 720.0


@demo_app.command(
    "generate",
    help=say(
        """把演示场景（一个虚构县的舆情事件）写成 JSON Lines 文件。

    每条信息的 ``scenario_event`` 字段标明它实际所属的事件（日常闲聊为 null），
    ``yuqing eval events --field scenario_event`` 可据此评测事件发现。
    """,
        """Write the demo scenario (a fictional county's incidents) as JSON Lines.

    Every post carries its ground truth in ``scenario_event`` (null for chatter):
    ``yuqing eval events --field scenario_event`` measures detection on it.
    """,
    ),
)
def demo_generate(
    out: Annotated[
        Path,
        typer.Option(
            help=say("JSON Lines 信息流的写入路径", "where to write the JSON Lines stream")
        ),
    ],
    seed: Annotated[
        int,
        typer.Option(
            help=say(
                "随机种子：种子相同，\n\n生成的信息流也相同", "the same seed gives the same stream"
            )
        ),
    ] = 7,
    hours: Annotated[
        float, typer.Option(help=say("信息流时长（小时）", "stream length in hours"))
    ] = 24.0,
    prelude_hours: Annotated[
        float,
        typer.Option(
            min=0.0,
            help=say(
                "在场景之前另写入\n\n这么多小时的该县\n\n日常闲聊信息，\n\n与演示入库的相同"
                "\n\n（`serve --demo` 中为 3）",
                "also write this many hours of the county's ordinary chatter before the "
                "scenario, as the demo stores it (3 in `serve --demo`)",
            ),
        ),
    ] = 0.0,
) -> None:
    """Write the demo scenario (a fictional county's incidents) as JSON Lines.

    Every post carries its ground truth in ``scenario_event`` (null for chatter):
    ``yuqing eval events --field scenario_event`` measures detection on it.
    """
    from yuqing.demo.scenario import DEFAULT_START, generate_scenario, prelude_posts, write_jsonl

    if not math.isfinite(hours) or not 0 < hours <= MAX_DEMO_HOURS:
        raise fail(
            say(
                "--hours 须大于 0 且不超过 {most:g}，收到的是 {hours:g}",
                "--hours must be more than 0 and at most {most:g}, got {hours:g}",
                most=MAX_DEMO_HOURS,
                hours=hours,
            )
        )
    if not math.isfinite(prelude_hours) or prelude_hours > MAX_DEMO_HOURS:
        raise fail(
            say(
                "--prelude-hours 不能超过 {most:g}，收到的是 {hours:g}",
                "--prelude-hours must be at most {most:g}, got {hours:g}",
                most=MAX_DEMO_HOURS,
                hours=prelude_hours,
            )
        )
    posts = generate_scenario(seed=seed, hours=hours)
    if not posts:
        raise fail(
            say(
                "--hours {hours:g}：时长太短，生成不了信息；第一条信息在开始几分钟后才出现",
                "--hours {hours:g}: too short for any post; the first comes within minutes",
                hours=hours,
            )
        )
    chatter = prelude_posts(seed, prelude_hours, DEFAULT_START) if prelude_hours > 0 else []
    try:
        write_jsonl([*chatter, *posts], out)
    except OSError as exc:
        raise fail(
            say(
                "{out}：无法写入（{why}）",
                "{out}: cannot write: {why}",
                out=out,
                why=exc.strerror or exc,
            )
        ) from None
    extra = ""
    if chatter:
        extra = say(
            "（之前另有 {n} 条日常闲聊信息）",
            " after {n} {posts} of prelude chatter",
            n=len(chatter),
            posts=plural(len(chatter), "post", "posts"),
        )
    typer.echo(
        say(
            "已向 {out} 写入 {n} 条场景信息{extra}",
            "wrote {n} scenario {posts} to {out}{extra}",
            n=len(posts),
            posts=plural(len(posts), "post", "posts"),
            out=out,
            extra=extra,
        )
    )


@app.command(
    help=say(
        "运行网页控制台和 API，并在后台抓取订阅源、按保存期限清理信息。",
        "Run the web console and API, with feed polling and retention in the background.",
    )
)
def serve(
    host: Annotated[str | None, typer.Option(help=say("监听地址", "address to listen on"))] = None,
    port: Annotated[
        int | None,
        typer.Option(help=say("监听端口", "port to listen on"), min=1, max=65535),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=say(
                "使用全新的演示数据库，\n\n由演示场景提供信息",
                "fresh demo database fed by the demo scenario",
            ),
        ),
    ] = False,
    speed: Annotated[float, typer.Option(help=say("演示回放倍速", "demo replay speed"))] = 60.0,
    seed: Annotated[int, typer.Option(help=say("演示场景的随机种子", "demo scenario seed"))] = 7,
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
        # Before anything is announced or prepared (a demo resets its database): uvicorn
        # told a port in use only after the console's address was printed, in English.
        if (taken := port_problem(settings.host, settings.port)) is not None:
            raise fail(taken, code=1)
        if demo:
            from yuqing.runtime.demo import DemoAlreadyRunning, prepare_demo

            check_speed(speed)

            try:
                ctx, start_demo = prepare_demo(settings, seed=seed, speed=speed)
            except DemoAlreadyRunning as exc:
                raise fail(
                    say(
                        "数据文件夹 {folder} 上已有一个演示在运行（另一个 yuqing serve --demo）："
                        "请先停止它，或用环境变量 YUQING_DATA_DIR 为本次演示另配数据文件夹",
                        "{message}",
                        folder=exc.data_dir,
                        message=str(exc),
                    )
                ) from None
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
                    typer.echo(
                        # The checker's words, keyed (English): as `yuqing plan check`
                        # prints them.
                        f"{key}: {problem}",
                        err=True,
                    )
                raise fail(
                    say(
                        "现行预案或值班表有 {n} 处问题：请用 yuqing plan check 和 yuqing "
                        "roster check 检查，修正后重新启动",
                        "the plan or roster in force has {n} {problems}; "
                        "fix {them} (yuqing plan check / yuqing roster check) and start again",
                        n=len(error.problems),
                        problems=plural(len(error.problems), "problem", "problems"),
                        them=plural(len(error.problems), "it", "them"),
                    ),
                    code=1,
                ) from None
            ctx, start_demo = open_context(settings), None
            ctx.on_occurrences = incident_handler(ctx)
        if ctx.settings.detection and ctx.lease is None:
            from yuqing.storage.lease import DetectionLease

            # Asked before the ingestor is built: a second server was refused only after
            # loading the models, and the log said it first, in English.
            ctx.lease = DetectionLease(ctx.db)
            ctx.lease.acquire()
        if ctx.detection_elsewhere:
            ctx.close()
            raise fail(
                say(
                    "另一个进程正在此数据库上运行事件发现（另一个 yuqing serve，或正在进行的"
                    "导入或回放）：请先停止它，或为本进程另配数据文件夹或数据库",
                    "another process runs event detection on this store (another yuqing "
                    "serve, or an import in progress): stop it first, or give this one its "
                    "own data folder or database",
                ),
                code=1,
            )
        ctx.ingestor  # noqa: B018 (built now: it loads the models)
    workers = Workers()

    def background() -> Callable[[], None]:
        start_standard_workers(ctx, workers, incidents=start_demo is None)
        if start_demo is not None:
            start_demo(workers)
        return workers.stop

    application = create_app(ctx, background=background, demo=demo)
    bind_host, bind_port = settings.host, settings.port
    typer.echo(
        say(
            "yuqing 控制台：http://{host}:{port}/ （按 Ctrl-C 停止）",
            "yuqing console: http://{host}:{port}/  (Ctrl-C to stop)",
            host=bind_host,
            port=bind_port,
        )
    )
    # uvicorn shuts down on SIGTERM, then raises it again under the handler it found: the
    # default one ended the process before ctx.close() saved the detector state (systemd,
    # docker and `timeout` all stop a service so). This one ends it through the finally.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        uvicorn.run(application, host=bind_host, port=bind_port, log_level="warning")
    finally:
        ctx.close()


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, in the run's language; None when it can.

    Bound and let go at once, with uvicorn's own SO_REUSEADDR (so a port in TIME_WAIT
    after a restart is not refused); another program may still take it in between,
    which uvicorn then reports itself.
    """
    import errno
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return say(
            "无法监听 {host}：找不到这个地址（{detail}）；请用 --host 指定本机的地址，如 127.0.0.1",
            "cannot listen on {host}: no such address ({detail}); give one of this machine's "
            "with --host, such as 127.0.0.1",
            host=host,
            detail=exc,
        )
    family, kind, proto, _, address = found[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            if os.name != "nt":  # on Windows the option lets two servers share a port
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return say(
                "端口 {port} 已被占用（{host}:{port}）：可能另一个 yuqing serve 或其他程序"
                "正在使用它；请先停止它，或用 --port 选择其他端口（如 --port {other}）",
                "port {port} is in use ({host}:{port}): another yuqing serve or another "
                "program listens on it; stop it, or choose another port with --port "
                "(such as --port {other})",
                host=host,
                port=port,
                other=port + 1 if port < 65535 else port - 1,
            )
        if exc.errno == errno.EACCES:
            return say(
                "无权监听端口 {port}（{host}:{port}）：1024 以下的端口需要管理员权限；"
                "请用 --port 选择 1024 以上的端口",
                "not allowed to listen on port {port} ({host}:{port}): ports below 1024 need "
                "administrator rights; choose one above 1024 with --port",
                host=host,
                port=port,
            )
        if exc.errno == errno.EADDRNOTAVAIL:
            return say(
                "无法监听 {host}：这不是本机的地址；请用 --host 指定本机的地址，如 127.0.0.1",
                "cannot listen on {host}: it is not an address of this machine; give one "
                "with --host, such as 127.0.0.1",
                host=host,
            )
        return say(
            "无法监听 {host}:{port}（{detail}）",
            "cannot listen on {host}:{port} ({detail})",
            host=host,
            port=port,
            detail=exc.strerror or exc,
        )
    return None


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
