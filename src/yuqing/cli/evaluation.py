"""``yuqing eval``: measure detection on labelled data.

``yuqing eval labels --task sentiment|kind --input POSTS.jsonl --output PRED.jsonl`` labels
every post of a file with the shipped model, as ingestion would (title and text together,
normalised, language detected), writes ``{"id", "label"}`` per post and, when the posts
carry gold labels, prints the scores of ``yuqing.evaluation.score_labels``. As in
ingestion, a post without words, and for sentiment a post in a language the sentiment
models were not built for (``SENTIMENT_LANGUAGES``: mentions or punctuation alone,
Spanish, Japanese ...), gets no label (null, counted), which the score counts as wrong.

``yuqing eval events --input STREAM.jsonl --output ASSIGN.jsonl`` runs the pipeline over a
stream on a fresh temporary store (``yuqing.runtime.evaluate.run_event_stream``), which
writes ``{"id", "event", "alerted_at"}`` per post, and, when the stream carries ``event``
labels, prints the scores of ``yuqing.evaluation.score_events``. A stream line the scoring
cannot use (no id, an event label that names no event, no ``published_at``) is rejected
before detection, so the figures are those of the valid posts. Ids are keyed as given, as
the reference scorer keys them: " a" and "a" are two posts. Each line is given the event of
its own post, a post being known by its source and id as in the store.

The scorer keys posts by id alone, so of the lines of one id only the last is scored: both
commands list the lines that repeat an id (of another source, for ``eval events``, a post
of its own that detection took in too), and ``eval events`` lists the posts dated after
the day it runs, and those a month or more before or after the rest of the stream (a wrong
year, time zone or a time of 0 stretches the stream and thins its false alarms per day).
Neither is rejected: the score is still the reference scorer's on the files.
A stream that gives some times with an offset and some without is told too: score.py
cannot score it, and the times without one are read where the run placed them
(``score_event_files``).

The last line printed by either, when there is a score, is the JSON object of the
reference scorer (``../shared/tools/score.py``) with the same keys and rounding. Files are
read as imports are, line by line with each line bounded in size; a bad line is reported
with its ``file:line`` and skipped, and the command then exits 1. ``eval labels`` reads
only a post's id, title, text and language: a problem in another field (a published_at
that is no time, a negative count) is told in a note, and the post labelled and scored
without that field, as the reference scorer scores it. A file that is one JSON document
(an array of posts, or an object over several lines) is refused before anything runs,
saying how to convert it. ``eval events`` holds
the whole stream (its posts are sorted into stream time before detection runs) and the
scoring holds every post's label and assignment: memory grows with the stream, about
what `yuqing replay` of the same file would hold.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TextIO

import typer

from yuqing.cli import language
from yuqing.cli.language import plural, say
from yuqing.core.posts import (
    PostRecord,
    json_type,
    parse_time,
    parse_time_and_zone,
    post_field,
    source_key,
)
from yuqing.core.reasons import Reason, reason
from yuqing.core.shown import cut, one_line
from yuqing.errors import InvalidRecord, YuqingError
from yuqing.evaluation import (
    EventScore,
    LabelScore,
    ScoringInputError,
    score_events,
    score_labels,
)
from yuqing.evaluation.lines import (
    NO_ID,
    NO_TIME,
    EvaluationLines,
    LabelLines,
    label_of,
    record_id,
    stream_line,
)
from yuqing.evaluation.lines import untimed as untimed_line
from yuqing.sources.base import Located, Rejection

if TYPE_CHECKING:
    from yuqing.runtime.evaluate import RaisedEvent

eval_app = typer.Typer(
    help=say("用标注数据评测检测效果。", "Measure detection on labelled data."),
    no_args_is_help=True,
)

# Rejections beyond this many are counted, not listed.
MAX_REJECTIONS_SHOWN = 20


class Task(StrEnum):
    """What ``eval labels`` predicts."""

    SENTIMENT = "sentiment"
    KIND = "kind"


class _Labeller(Protocol):
    def predict_batch(
        self, texts: Sequence[str], langs: Sequence[str] | None = None
    ) -> list[tuple[str, float]]: ...


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(say("错误：{message}", "error: {message}", message=message), err=True)
    return typer.Exit(code)


# A file is looked through in pieces of this size for anything but white space.
_CHUNK = 65_536


def _blank(source: Path) -> bool:
    """Whether the file holds nothing but white space (and byte-order marks)."""
    # Read up to the first character that is not blank, whatever the file's size: a large
    # file of blank lines is as empty as a small one. Holds one piece at a time.
    try:
        with source.open("rb") as handle:
            while piece := handle.read(_CHUNK):
                if piece.decode("utf-8", "replace").strip("\ufeff \t\r\n"):
                    return False
    except OSError as exc:
        raise _fail(
            say(
                "{source}：无法读取（{why}）",
                "{source}: cannot read ({why})",
                source=source,
                why=exc.strerror or exc,
            )
        ) from None
    return True


_STREAM_NAMES = {1: ("标准输出", "the standard output"), 2: ("标准错误", "the standard error")}


def _standard_stream(target: Path) -> int | None:
    """The descriptor (1 or 2) of this process's own stream that ``target`` names, if any.

    ``/dev/stdout`` redirected to a file is a regular file by its name alone.
    """
    try:
        named = target.stat()
    except OSError:
        return None
    for descriptor in _STREAM_NAMES:
        try:
            if os.path.samestat(named, os.fstat(descriptor)):
                return descriptor
        except OSError:
            continue
    return None


def _check_paths(source: Path, target: Path) -> None:
    try:
        _check_paths_exist(source, target)
    except OSError as exc:
        # A name too long, a folder on the way that cannot be searched: Path.exists()
        # raises for these rather than answering.
        where = exc.filename if exc.filename is not None else source
        raise _fail(
            say(
                "{where}：无法使用（{why}）",
                "{where}: cannot be used ({why})",
                where=where,
                why=exc.strerror or exc,
            )
        ) from None


def _gold_key(given: str) -> str:
    """The ``--field`` given, refused when it names no field or a post's own one.

    An empty key silently scored the task's own field; ``--field text`` rejected every
    line for its text "not being a label", which says nothing of the mistake.
    """
    key = given.strip()
    if not key:
        raise _fail(
            say(
                "--field：没有给出字段名；请写人工标注所在的字段",
                "--field: no field named; name the field that holds the gold labels",
            )
        )
    own = post_field(key)
    if own is not None:
        raise _fail(
            say(
                "--field {key}：这是信息本身的字段（{own}），不是标注；请写人工标注所在的字段",
                "--field {key}: that is the post's own field ({own}), not a label; name the "
                "field that holds the gold labels",
                key=one_line(key, 40),
                own=own,
            )
        )
    return key


def _output_file(given: str) -> Path:
    """The output path as given; a name that ends in a slash, or none, is refused.

    ``runs/`` names a folder: as a Path it is ``runs``, and a missing folder ``runs``
    became a file of that name.
    """
    if not given.strip():
        raise _fail(
            say(
                "--output：没有给出文件名；请指定输出文件",
                "--output: no file named; name a file for the output",
            )
        )
    if given.endswith(("/", os.sep)):
        raise _fail(
            say(
                "{given}：这是文件夹；请指定输出文件",
                "{given}: names a folder; name a file for the output",
                given=given,
            )
        )
    return Path(given)


def _check_paths_exist(source: Path, target: Path) -> None:
    if not source.exists():
        raise _fail(say("{source}：文件不存在", "{source}: no such file", source=source))
    if not source.is_file():
        raise _fail(say("{source}：不是普通文件", "{source}: not a regular file", source=source))
    if source.suffix.lower() not in INPUT_SUFFIXES:
        raise _fail(_not_json_lines(source))
    # An empty file scored "nothing to score" and exited 0, as if it were a stream without
    # labels: a wrong path or a failed export would pass unnoticed.
    if _blank(source):
        raise _fail(
            say(
                "{source}：文件为空，没有可评测的信息",
                "{source}: the file is empty: no posts to evaluate",
                source=source,
            )
        )
    if (shape := _whole_json(source)) is not None:
        raise _fail(shape)
    if target.exists() and (target.resolve() == source.resolve() or _same_file(source, target)):
        raise _fail(
            say(
                "{target}：输出会覆盖输入文件",
                "{target}: the output would overwrite the input",
                target=target,
            )
        )
    if not target.parent.is_dir():
        raise _fail(
            say(
                "{folder}：输出文件所在的文件夹不存在",
                "{folder}: no such directory for the output",
                folder=target.parent,
            )
        )
    if target.is_dir():
        raise _fail(
            say(
                "{target}：这是文件夹；请指定输出文件",
                "{target}: is a directory; name a file for the output",
                target=target,
            )
        )


def _whole_json(source: Path) -> str | None:
    """Why the file is one JSON document rather than JSON Lines, or None.

    A ``.json`` file is read as JSON Lines, and an export that is one array (or one object
    spread over lines) had each of its lines rejected as malformed, followed by "the lines
    have only the post's own fields": no word of what the file is or how to convert it.
    """
    try:
        with source.open("rb") as handle:
            head = handle.read(_CHUNK).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return None  # told by the reading itself, naming the line
    first = head.split("\n", 1)[0].strip()
    # "[" alone or "[{": an array of posts (a line of JSON Lines that is an array of
    # numbers is that line's problem, told as such).
    if first.startswith("[") and (first == "[" or head[1:].lstrip().startswith("{")):
        shown = say("一个 JSON 数组（以 [ 开头）", "a JSON array (it begins with '[')")
        each = "'.[]'"  # jq: one line per element
    elif first == "{":
        shown = say("一个跨多行的 JSON 对象", "one JSON object over several lines")
        each = "."
    else:
        return None
    return say(
        "{source}：文件是{shown}，不是 JSON Lines；评测每行读取一个 JSON 对象，请先转换，"
        "例如 jq -c {each} {quoted} > posts.jsonl",
        "{source}: the file is {shown}, not JSON Lines; eval reads one JSON object a line: "
        "convert it first, e.g. jq -c {each} {quoted} > posts.jsonl",
        source=source,
        shown=shown,
        each=each,
        quoted=shlex.quote(str(source)),
    )


# What eval reads: JSON Lines, as the evaluation sets and the reference scorer have them.
# A CSV file read as JSON Lines gave a "malformed JSON" rejection a line and exit code 0;
# it is refused before anything runs, as ingest refuses a file of another extension. It
# is not read as CSV: eval events hands its stream to the run on a fresh store, which
# reads JSON Lines, and a spreadsheet's cells are all text (an event id 7 would be "7").
INPUT_SUFFIXES = (".jsonl", ".ndjson", ".json")


def _not_json_lines(source: Path) -> str:
    suffix = one_line(source.suffix, 20)
    shown = (
        say("扩展名为 {suffix} ", "'{suffix}'", suffix=suffix)
        if suffix
        else say("没有扩展名", "no extension")
    )
    return say(
        "{source}：评测只读取 JSON Lines 文件（.jsonl、.ndjson 或 .json：每行一个 JSON 对象），"
        "不能读取{shown}的文件；请先把它转换为 JSON Lines（评测集就是这种格式）",
        "{source}: eval reads JSON Lines files (.jsonl, .ndjson or .json: one JSON object "
        "a line), not a file with {shown}; convert it to JSON Lines, the format of the "
        "evaluation sets",
        source=source,
        shown=shown,
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # a hard link is another name of the same file
    except OSError:
        return False


@contextmanager
def _output(target: Path) -> Iterator[TextIO]:
    """The output file, written beside ``target`` and moved into place when complete.

    A run that fails half way (a full disk, a bad record, Ctrl-C) leaves what was at
    ``target`` before, and a hard link to the input is replaced, never written through;
    a symbolic link is followed, and the file it names replaced. A target that exists and
    is no regular file (``/dev/null``, a pipe), or is this process's stdout or stderr, is
    written directly.
    """
    stream = _standard_stream(target)
    if stream is None and target.is_symlink() and target.is_file():
        # Replacing the link would leave the file it names stale and the link gone; a
        # shell's ">" writes that file, and so does this.
        target = target.resolve()
    direct = stream is not None or (target.exists() and not target.is_file())
    partial = target
    try:
        if stream is not None:
            # Written through the stream's own open file: a new one on a redirected stdout
            # would start at its beginning, and the summary printed after would overwrite
            # the lines; "replacing" it would put a file in place of /dev/stdout.
            handle = open(os.dup(stream), "w", encoding="utf-8")  # noqa: SIM115 (closed below)
        elif direct:
            handle = target.open("w", encoding="utf-8")
        else:
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            partial = Path(name)
            umask = os.umask(0)  # mkstemp makes the file private; give it the usual mode
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            handle = open(fd, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise _fail(_cannot_write(target, exc)) from None
    done = False
    try:
        with handle:
            yield handle
        if not direct:
            os.replace(partial, target)
        done = True
    except OSError as exc:
        raise _fail(_cannot_write(target, exc)) from None
    finally:
        if not direct and not done:
            partial.unlink(missing_ok=True)


def _cannot_write(target: Path, exc: OSError) -> str:
    return say(
        "{target}：无法写入（{why}）",
        "{target}: cannot write ({why})",
        target=target,
        why=exc.strerror or exc,
    )


def _post_text(record: PostRecord) -> str:
    """Title and text as ingestion joins them; a record with only a title is its title."""
    title, text = record.title, record.text
    if title and text.strip() and text.strip() != title:
        return f"{title}\n{text}"
    return text or title or ""


def _rate(count: int, seconds: float) -> str:
    """``count`` things in ``seconds`` per second: whole from 10 up, two significant
    figures below ("0.42"), never in exponent form.

    A whole number alone said "0 posts/s" for 2 posts in 4.8 s (the time includes
    loading the model).
    """
    rate = count / seconds if seconds > 0 else 0.0
    if rate >= 10:
        return f"{rate:,.0f}"
    if rate >= 0.01 or rate == 0:
        return f"{rate:.2g}"
    return "<0.01"


# The evaluation's own reasons (``eval.*``, ``yuqing.evaluation.lines`` and the label
# check here), in Chinese; every other reason is said as ``yuqing ingest`` says it.
_EVAL_REASONS = {
    "eval.no_id": "没有 id：无法评分（评分按 id 对应每条信息）",
    "eval.no_time": "published_at：缺失或为空；评测要按发布时间排列每条信息",
    "eval.blank_event": (
        "{field}：只有空白，看不出属于哪个事件：不属于任何事件的信息请写 null"
        "（或删去该字段），属于某个事件的请写事件 id"
    ),
    "eval.bad_event": "{field}：应为事件 id（文本或整数）或 null，实际是{type}",
    "eval.empty_event": (
        "{field}：为空字符串，看不出属于哪个事件：不属于任何事件的信息请写 null"
        "（或删去该字段），属于某个事件的请写事件 id"
    ),
    "eval.unknown_label": "{field}：{label} 不是可用的标签（{known_zh}）",
    "eval.label_case": "{field}：{label} 不是可用的标签（{known_zh}）；标签用小写，应写作 {lower}",
    "eval.number_label": "{field}：数字 {label} 不是可用的标签（{known_zh}）；标签应写成文字",
    "eval.label_type": "{field}：{type}不是可用的标签（{known_zh}）",
}
# JSON's words for what a value is (``json_type``), in Chinese.
_JSON_TYPES = {
    "null": "null",
    "a boolean": "布尔值",
    "a number": "数",
    "a string": "文本",
    "an object": "对象",
    "an array": "数组",
}


def problem_text(problem: str) -> str:
    """A refused line's problem in the run's language, from its code as ``yuqing ingest``
    says it (``yuqing.sources.reasons``); the English is the problem itself."""
    from yuqing.sources.reasons import reason_text

    lang = language.current()
    if lang == "zh" and isinstance(problem, Reason) and problem.code in _EVAL_REASONS:
        values = {k: str(v) for k, v in problem.params.items()}
        for key in ("type", "label"):
            if key in values:
                values[key] = _JSON_TYPES.get(values[key], values[key])
        try:
            return _EVAL_REASONS[problem.code].format_map(values)
        except (KeyError, IndexError, ValueError):
            return str(problem)
    return reason_text(problem, lang)


def _rejection_text(location: str, problem: str) -> str:
    return say(
        "{location}：{problem}",
        "{location}: {problem}",
        location=location,
        problem=problem_text(problem),
    )


class LineRefused(InvalidRecord):
    """A line the scorer cannot use, named by ``location``; ``str()`` is the English
    ``location: problem``, as before."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.location = location
        self.problem = problem


def _error_text(exc: BaseException) -> str:
    """One of yuqing's errors in the run's language where it has a code, else its own
    (English) message."""
    from yuqing.sources.reasons import refusal_text

    if isinstance(exc, LineRefused):
        return _rejection_text(exc.location, exc.problem)
    return refusal_text(exc, language.current())


def _show_rejections(rejections: list[Rejection], total: int) -> None:
    for rejection in rejections:
        shown = _rejection_text(rejection.location, rejection.problem)
        typer.echo(say("拒收 {rejection}", "rejected {rejection}", rejection=shown), err=True)
    if total > len(rejections):
        more = total - len(rejections)
        typer.echo(say("……另有 {n} 条拒收", "... and {n} more rejected", n=more), err=True)


_ID_SHOWN = 60
_SOURCE_SHOWN = 40


def _shown(text: str, limit: int) -> str:
    """Untrusted text from a file, bounded and quoted (``repr`` escapes what does not print)."""
    return repr(cut(text, limit))


def _padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` columns, a Chinese character taking two."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 0)


def _source_of(raw: dict[str, Any]) -> str | None:
    """The source a line names (stripped, as stored), or None."""
    value = raw.get("source")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _same_source_key(source: str | None) -> str | None:
    return None if source is None else source_key(source)


@dataclass
class _Tally:
    rejections: list[Rejection] = field(default_factory=list)
    rejected: int = 0
    labelled: int = 0
    without_text: int = 0
    other_language: int = 0  # sentiment: posts in a language the models do not read
    bare_reposts: int = 0  # sentiment: reposts with nothing of their own (转发微博)
    # Each id (``str(id)``, as the scorer keys it) -> the location and source of its first line.
    first_of: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    repeated_ids: set[str] = field(default_factory=set)
    repeat_lines: int = 0  # lines whose id an earlier line has
    repeats: list[str] = field(default_factory=list)  # the first of them, told

    @property
    def repeated(self) -> int:
        """Ids on more than one line."""
        return len(self.repeated_ids)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTIONS_SHOWN:
            self.rejections.append(rejection)

    def note_id(self, key: str | int, location: str, source: str | None = None) -> None:
        """Note a line's id; a line whose id an earlier line has is listed (the first few).

        The scorer keys posts by ``str(id)`` alone: of the lines of one id only the last
        is scored. Lines of two sources are two posts to the pipeline, which detects each.
        """
        first, first_source = self.first_of.setdefault(str(key), (location, source))
        if first == location:
            return
        self.repeated_ids.add(str(key))
        self.repeat_lines += 1
        if len(self.repeats) >= MAX_REJECTIONS_SHOWN:
            return
        line = say(
            "  {location}：id {key} 再次出现（首次在 {first}）",
            "  {location}: id {key} again (first at {first})",
            location=location,
            key=_shown(str(key), _ID_SHOWN),
            first=first,
        )
        # Sources are one source in any case or width, as ingestion stores them.
        if _same_source_key(source) != _same_source_key(first_source):
            line += say(
                "，与首次出现时的信息源不同（此处：{source}；首次：{there}）："
                "作为另一条信息参与事件发现",
                ", a post of another source ({source}, there {there}): "
                "detected as a post of its own",
                source=_source_shown(source),
                there=_source_shown(first_source),
            )
        self.repeats.append(line)

    def repeat_report(self) -> Iterator[str]:
        """The note on repeated ids, then the lines that repeat one (the first few)."""
        if not self.repeated:
            return
        yield say(
            "提示：有 {n} 个 id 出现不止一次，每个 id 只对最后一行评分",
            plural(
                self.repeated,
                "note: {n} id occurs more than once; the last one is scored",
                "note: {n} ids occur more than once; the last one is scored",
            ),
            n=self.repeated,
        )
        yield from self.repeats
        if self.repeat_lines > len(self.repeats):
            more = self.repeat_lines - len(self.repeats)
            yield say(
                "  ……另有 {n} 行",
                "  ... and {n} more {lines}",
                n=more,
                lines=plural(more, "line", "lines"),
            )
        # The reference scorer (../shared/tools/score.py) is the project's, not the
        # user's: the rule is said as the score's own.
        yield say(
            "  评分只按 id 区分信息：同一 id 只有最后一行参与评分；要每条都参与评分，"
            "请给每条信息不同的 id",
            "  the score keys posts by id alone: give every post an id of its own to score each",
        )


def _source_shown(source: str | None) -> str:
    if source is None:
        return say("无信息源", "no source")
    return say("信息源 {source}", "source {source}", source=_shown(source, _SOURCE_SHOWN))


def _label_batch(
    model: _Labeller,
    batch: list[tuple[str | int, str]],
    out: TextIO,
    tally: _Tally,
    languages: tuple[str, ...] | None = None,
    unlabelled: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """Label one batch, write its lines in input order; returns the prediction rows.

    ``languages``: the languages the model labels, as ingestion asks it (``None``: all);
    a post in another one gets no label, as a post without words does. ``unlabelled``:
    the posts ingestion gives no label either (sentiment: bare reposts).
    """
    from yuqing.textproc.language import detect_batch
    from yuqing.textproc.normalise import normalise_batch

    norm = normalise_batch([text for _, text in batch])
    worded = [i for i, text in enumerate(norm) if text]
    tally.without_text += len(batch) - len(worded)
    langs = detect_batch([norm[i] for i in worded])
    if languages is not None:
        read = [n for n, lang in enumerate(langs) if lang in languages]
        tally.other_language += len(worded) - len(read)
        worded, langs = [worded[n] for n in read], [langs[n] for n in read]
    if unlabelled is not None:
        read = [n for n, i in enumerate(worded) if not unlabelled(norm[i])]
        tally.bare_reposts += len(worded) - len(read)
        worded, langs = [worded[n] for n in read], [langs[n] for n in read]
    predicted = model.predict_batch([norm[i] for i in worded], langs)
    labels: list[str | None] = [None] * len(batch)
    for i, (label, _confidence) in zip(worded, predicted, strict=True):
        labels[i] = label
    rows = [{"id": key, "label": label} for (key, _), label in zip(batch, labels, strict=True)]
    out.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    tally.labelled += len(worded)
    return rows


def _task_languages(task: Task) -> tuple[str, ...] | None:
    """The languages ingestion asks the task's model about (``None``: every language)."""
    if task is Task.SENTIMENT:
        from yuqing.textproc.sentiment import SENTIMENT_LANGUAGES

        return SENTIMENT_LANGUAGES
    return None


def _task_unlabelled(task: Task) -> Callable[[str], bool] | None:
    """The posts ingestion gives the task's model no label for, whatever their language."""
    if task is Task.SENTIMENT:
        from yuqing.textproc.sentiment import is_bare_repost

        return is_bare_repost
    return None


def _task_labels(task: Task) -> tuple[str, ...]:
    if task is Task.SENTIMENT:
        from yuqing.textproc.sentiment import SENTIMENT_LABELS

        return SENTIMENT_LABELS
    from yuqing.textproc.kind import KIND_LABELS

    return KIND_LABELS


# The Chinese name of the kind "none": the console shows a dash for it.
_NO_KIND_ZH = "无"


def label_names(task: Task) -> dict[str, str]:
    """Each label the task's model gives, with its Chinese name as the console shows it
    (负面, 事故灾难): a gold label may be written either way."""
    from yuqing.web.i18n import translator

    chinese = translator("zh")
    prefix = "sentiment_" if task is Task.SENTIMENT else "kind_"
    names: dict[str, str] = {}
    for label in _task_labels(task):
        name = _NO_KIND_ZH if label == "none" else chinese(prefix + label)
        names[label] = label if name == prefix + label else name
    return names


def gold_label(value: object, names: dict[str, str]) -> str | None:
    """The label a gold value means: the label itself or its Chinese name (``label_names``),
    around spaces or not; None when it means none of them.

    Labels are compared as written otherwise (``NEGATIVE`` is not one): the reference
    scorer takes them so.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in names:
        return text
    return next((label for label, name in names.items() if name == text), None)


_LABEL_SHOWN = 40


def unknown_label(field: str, value: object, names: dict[str, str]) -> Reason:
    """Why a gold value is no label, listing the labels and their Chinese names."""
    known = ", ".join(names)
    known_zh = "、".join(
        f"{label} {name}" if name != label else label for label, name in names.items()
    )
    chinese = [name for label, name in names.items() if name != label]
    also = f" (in Chinese: {', '.join(chinese)})" if chinese else ""
    said = {"field": field, "known": known, "known_zh": known_zh}
    if isinstance(value, str):
        shown = repr(cut(value, _LABEL_SHOWN))
        lower = value.strip().lower()
        if lower in names:
            # Compared as written, as the reference scorer compares them: said, not mended.
            return reason(
                "eval.label_case",
                f"{field}: {shown} is not one of {known}{also}: labels are written in lower "
                f"case, as {lower!r}",
                label=shown,
                lower=repr(lower),
                **said,
            )
        return reason(
            "eval.unknown_label",
            f"{field}: {shown} is not one of {known}{also}",
            label=shown,
            **said,
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = cut(repr(value), _LABEL_SHOWN)
        return reason(
            "eval.number_label",
            f"{field}: the number {number} is not one of {known}{also}",
            label=number,
            **said,
        )
    got = json_type(value)
    return reason(
        "eval.label_type", f"{field}: {got} is not one of {known}{also}", type=got, **said
    )


# Fields beside the post's own, noted to name where the labels may be: this many at most.
_FIELDS_NOTED = 10
_FIELD_SHOWN = 40


@dataclass
class _Fields:
    """What the lines carry beside the post's own fields, told when no line has a label:
    a label's field named otherwise (``label`` for ``sentiment``) is among them."""

    label_field: str
    others: list[str] = field(default_factory=list)
    seen: bool = False  # some line has the label's field (null on every one)
    read: bool = False  # some line was an object at all

    def note(self, raw: dict[str, Any]) -> None:
        self.read = True
        wanted = self.label_field.strip().lower()
        for key in raw:
            if not isinstance(key, str) or post_field(key) is not None:
                continue
            if key.strip().lower() == wanted:
                self.seen = True
            elif len(self.others) < _FIELDS_NOTED and key not in self.others:
                self.others.append(key)

    def hint(self) -> str:
        """What follows "nothing to score": what the lines hold, and ``--field``."""
        key = self.label_field
        if not self.read:
            # Every line was refused before its fields were looked at (not an object, bad
            # JSON): the refusals say why, and there are no fields to speak of.
            return ""
        if self.seen:
            return say("；文件中的 {key!r} 标注都是 null", "; every {key!r} given is null", key=key)
        if not self.others:
            return say(
                "；各行中只有信息本身的字段（id、text 等）：请把标注写在 {key!r} 字段中，"
                "或用 --field 指明标注所在的字段",
                "; the lines have only the post's own fields (id, text ...): write the "
                "labels under {key!r}, or name their field with --field",
                key=key,
            )
        shown = [repr(one_line(name, _FIELD_SHOWN)) for name in self.others]
        return say(
            "；各行中除信息本身的字段外还有 {fields}：如果标注在其中某个字段里，"
            "请用 --field 指明，例如 --field {first}",
            "; besides the post's own fields the lines have {fields}: if one of them holds "
            "the labels, name it with --field, e.g. --field {first}",
            fields=say("、", ", ").join(shown),
            first=shlex.quote(one_line(self.others[0], _FIELD_SHOWN)),
        )


def _load_model(task: Task) -> _Labeller:
    if task is Task.SENTIMENT:
        from yuqing.textproc import sentiment

        return sentiment.default_model()
    from yuqing.textproc import kind

    return kind.default_model()


def _task_name(task: Task) -> str:
    """The task as a person reads it (the English names the model by its option value)."""
    if task is Task.SENTIMENT:
        return say("情感", "sentiment")
    return say("事件类型", "kind")


@eval_app.command(
    "labels",
    help=say(
        "用内置模型为文件中的每条信息打标签，并与文件中的人工标注比对评分。",
        "Label every post of a file with a shipped model and score it against gold labels.",
    ),
)
def labels(
    task: Annotated[
        Task,
        typer.Option(
            help=say(
                "用哪个模型打标签：\n\nsentiment 情感\n\nkind 事件类型",
                "which model labels the posts",
            )
        ),
    ],
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help=say(
                "JSON Lines 信息文件（.jsonl），\n\n可带也可不带人工标注",
                "posts as JSON Lines (.jsonl), with gold labels or not",
            ),
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            metavar=say("<路径>", "<PATH>"),
            help=say(
                '输出文件：每条信息写一行 {"id", "label"}',
                'where to write {"id", "label"} per post',
            ),
        ),
    ],
    gold_field: Annotated[
        str | None,
        typer.Option(
            "--field",
            help=say(
                "人工标注所在的字段\n\n（默认与 --task 同名）",
                "the gold label's key (default: the task's name)",
            ),
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help=say("每批处理的信息条数", "posts per batch"))
    ] = 2000,
) -> None:
    """Label every post of a file with a shipped model and score it against gold labels."""
    gold_key = task.value if gold_field is None else _gold_key(gold_field)
    output_path = _output_file(output)
    _check_paths(input_path, output_path)
    started = time.perf_counter()
    try:
        model = _load_model(task)
    except YuqingError as exc:
        raise _fail(_error_text(exc)) from None
    tally = _Tally()
    fields = _Fields(gold_key)
    names = label_names(task)
    languages = _task_languages(task)
    unlabelled = _task_unlabelled(task)
    gold: list[dict[str, Any]] = []
    gold_at: list[str] = []
    pred: list[dict[str, Any]] = []
    batch: list[tuple[str | int, str]] = []
    reader = LabelLines(input_path)
    with _output(output_path) as out:
        try:
            for item in reader.read():
                if isinstance(item, Rejection):
                    tally.reject(item)
                    continue
                fields.note(item.record.raw)
                key, problem = record_id(item.record.raw)
                if key is None:
                    tally.reject(Rejection(item.location, problem or NO_ID))
                    continue
                given, problem = label_of(item.record.raw, gold_key)
                label = gold_label(given, names)
                if problem is None and given is not None and label is None:
                    # A label the model never gives would be scored as a class of its own
                    # and pull macro-F1 down without a word.
                    problem = unknown_label(gold_key, given, names)
                if problem is not None:
                    tally.reject(Rejection(item.location, problem))
                    continue
                tally.note_id(key, item.location)
                gold.append({"id": key, gold_key: label})
                gold_at.append(item.location)
                batch.append((key, _post_text(item.record)))
                if len(batch) >= batch_size:
                    pred += _label_batch(model, batch, out, tally, languages, unlabelled)
                    batch = []
            pred += _label_batch(model, batch, out, tally, languages, unlabelled)
        except YuqingError as exc:
            raise _fail(_error_text(exc)) from None
    seconds = time.perf_counter() - started

    _show_rejections(tally.rejections, tally.rejected)
    total = tally.labelled + tally.without_text + tally.other_language + tally.bare_reposts
    unread = (
        say(
            "，{n} 条的语言模型不支持：标签为 null",
            ", {n} in a language the model does not read: label null",
            n=tally.other_language,
        )
        if tally.other_language
        else ""
    ) + (
        say(
            "，{n} 条是不带评论的转发：标签为 null",
            ", {n} {reposts} with nothing of their own: label null",
            n=tally.bare_reposts,
            reposts=plural(tally.bare_reposts, "bare repost", "bare reposts"),
        )
        if tally.bare_reposts
        else ""
    )
    typer.echo(
        say(
            "{input}：{total} 条信息已写入 {output}（{labelled} 条由{task}模型标注，"
            "{without} 条没有文字：标签为 null{unread}），拒收 {rejected} 条；"
            "用时 {seconds:.1f} 秒，每秒 {rate} 条",
            "{input}: {total} {posts} written to {output} "
            "({labelled} labelled by the {task} model, "
            "{without} without text: label null{unread}), {rejected} rejected; "
            "{seconds:.1f} s, {rate} posts/s",
            input=input_path,
            total=total,
            posts=plural(total, "post", "posts"),
            output=output_path,
            labelled=tally.labelled,
            task=_task_name(task),
            without=tally.without_text,
            unread=unread,
            rejected=tally.rejected,
            seconds=seconds,
            rate=_rate(total, seconds),
        )
    )
    if reader.first_relaxed is not None:
        typer.echo(_relaxed_note(reader.relaxed, reader.first_relaxed))
    for line in tally.repeat_report():
        typer.echo(line)
    if any(row[gold_key] is not None for row in gold):
        try:
            score = score_labels(gold, pred, gold_key)
        except ScoringInputError as exc:
            if exc.side == "gold" and 0 <= exc.index < len(gold_at):
                raise _fail(_rejection_text(gold_at[exc.index], exc.problem)) from None
            raise _fail(f"{input_path}: {exc}") from None
        typer.echo(_label_table(score))
        typer.echo(json.dumps(score.as_dict(), ensure_ascii=False))
    else:
        typer.echo(
            say(
                "{input} 中没有 {key!r} 标注：无法评分",
                "no {key!r} labels in {input}: nothing to score",
                key=gold_key,
                input=input_path,
            )
            + fields.hint()
        )
    raise typer.Exit(1 if tally.rejected else 0)


def _relaxed_note(count: int, first: Rejection) -> str:
    """The lines labelled although a field that labelling does not read is wrong."""
    return say(
        "提示：{n} 行有打标签用不到的字段出错（第一行：{first}），已忽略这些字段，"
        "照常打标签并参与评分（打标签只读取 id、title、text 和 lang）",
        plural(
            count,
            "note: {n} line has a problem in a field labelling does not read (at {first}): "
            "labelled and scored without it (labelling reads only id, title, text and lang)",
            "note: {n} lines have a problem in a field labelling does not read (the first at "
            "{first}): labelled and scored without it (labelling reads only id, title, text "
            "and lang)",
        ),
        n=count,
        first=_rejection_text(first.location, first.problem),
    )


def _label_table(score: LabelScore) -> str:
    """``score.render()`` in the run's language: the same figures in the same order.

    The English is the scoring module's own table, whose lines score.py prints too.
    """
    figures = score.as_dict()
    lines = [
        f"{c.label:>18}  精确率 P {c.precision:.3f}  召回率 R {c.recall:.3f}  "
        f"F1 {c.f1:.3f}  条数 {c.support}"
        for c in score.classes
    ]
    # The full-width colon takes two columns: one character less keeps the column.
    lines.append(
        f"{score.field + '：':>17}  准确率 {figures['accuracy']:.4f}  "
        f"宏平均 F1 {figures['macro_f1']:.4f}  覆盖率 {figures['coverage']:.4f}  "
        f"条数 {score.n}"
    )
    return say("\n".join(lines), score.render())


def _event_table(score: EventScore) -> str:
    """``score.render()`` in the run's language: the same figures in the same order."""
    width = 19  # the English table's first column

    def row(heading: str, figures: str) -> str:
        return _padded(heading, width) + figures

    lines = [
        row(
            "B-cubed",
            f"精确率 P {score.bcubed_precision:.3f}  召回率 R {score.bcubed_recall:.3f}  "
            f"F1 {score.bcubed_f1:.3f}",
        ),
        row(
            "参与评分的事件",
            f"{score.events_scored} 起（信息数 >= {score.min_posts}），"
            f"已预警 {score.events_detected} 起",
        ),
    ]
    if score.delays_min:
        lines.append(
            row(
                "距起始时刻的延迟",
                f"中位数 {score.median_delay_min:.1f}  p90 {score.p90_delay_min:.1f} 分钟",
            )
        )
        lines.append(
            row(
                "距首条信息的延迟",
                f"中位数 {score.median_delay_from_first_min:.1f}  "
                f"p90 {score.p90_delay_from_first_min:.1f} 分钟",
            )
        )
    lines.append(row("误报", f"{score.false_alarms} 次，信息流共 {score.stream_days:.1f} 天"))
    if score.missing:
        lines.append(row("pred 中缺少的信息", f"{score.missing} 条，共 {score.posts} 条"))
    fragmentation = "-" if score.fragmentation is None else f"{score.fragmentation:.2f}"
    lines.append(
        row(
            "事件召回率",
            f"{score.event_recall:.3f}  日均误报 {score.false_alarms_per_day:.2f}  "
            f"碎片度 {fragmentation}  覆盖率 {score.coverage:.4f}",
        )
    )
    return say("\n".join(lines), score.render())


@dataclass
class EventFileScore:
    """The score of an assignment file against a stream file, and what could not be read."""

    score: EventScore | None  # None when the stream carries no event labels
    rejections: list[Rejection]
    rejected: int
    untimed: int  # stream posts without published_at: not scored
    field: str = "event"  # the gold label's key
    labelled_untimed: bool = False  # some of the untimed posts carry an event label
    repeated: int = 0  # ids on more than one scored stream line
    # The note on them, naming the first lines that repeat an id.
    repeat_notes: tuple[str, ...] = ()
    # Posts dated over a day after the run (no collected post can be): the note on them.
    ahead_notes: tuple[str, ...] = ()
    # Posts dated a month or more before or after the rest of the stream: the note on them.
    apart_notes: tuple[str, ...] = ()
    # Stream times without an offset beside times with one: the note on them.
    zone_notes: tuple[str, ...] = ()
    # Without a score: what the stream's lines hold instead, and --field (``_Fields.hint``).
    fields_hint: str = ""

    def report(self) -> Iterator[str]:
        """Lines for the person running the evaluation."""
        if self.untimed:
            yield say(
                "提示：信息流中有 {n} 条信息没有 published_at，不参与评分",
                plural(
                    self.untimed,
                    "note: {n} stream post has no published_at and is not scored",
                    "note: {n} stream posts have no published_at and are not scored",
                ),
                n=self.untimed,
            )
        # The pipeline keeps the first post of an id (of a source), the scorer the last
        # line's label.
        yield from self.repeat_notes
        yield from self.ahead_notes
        yield from self.apart_notes
        yield from self.zone_notes
        if self.score is None:
            if self.labelled_untimed:
                yield say(
                    "带事件标注（{field!r}）的信息都没有 published_at：无法评分",
                    "no post with an event label ({field!r}) has a published_at: nothing to score",
                    field=self.field,
                )
            else:
                yield (
                    say(
                        "信息流中没有事件标注（{field!r}）：无法评分",
                        "the stream carries no event labels ({field!r}): nothing to score",
                        field=self.field,
                    )
                    + self.fields_hint
                )
            return
        yield _event_table(self.score)
        yield json.dumps(self.score.as_dict(), ensure_ascii=False)


# Ingestion refuses a post dated more than this after its clock (runtime.ingest.MAX_AHEAD);
# an evaluation runs in stream time, where no post is ahead, so the run's own day is asked.
_AHEAD = timedelta(days=1)


@dataclass
class _Ahead:
    """Stream posts dated after the day of the run: a wrong year or time zone, most likely.

    An evaluation takes them as they are (score.py does too), and one such post stretches
    the stream to years and its false alarms per day to nothing: told, naming the lines.
    """

    latest: datetime = field(default_factory=lambda: datetime.now(UTC) + _AHEAD)
    count: int = 0
    shown: list[str] = field(default_factory=list)
    # Where a time without an offset is (score_event_files' zone).
    zone: tzinfo = UTC

    def note(self, item: Located, raw: dict[str, Any]) -> None:
        moment = item.record.published_at
        if moment is None:  # an object kept for its labels alone: its time checked, not kept
            moment = parse_time(raw.get("published_at"), zone=self.zone)
        if moment is None or moment <= self.latest:
            return
        self.count += 1
        if len(self.shown) < MAX_REJECTIONS_SHOWN:
            self.shown.append(
                say(
                    "  {location}：published_at 为 {moment}",
                    "  {location}: published_at {moment}",
                    location=item.location,
                    moment=moment.isoformat(),
                )
            )

    def report(self, score: EventScore | None) -> Iterator[str]:
        if not self.count:
            return
        span = _span_said(score)
        yield say(
            "提示：有 {n} 条信息的发布时间晚于今天，采集到的信息不可能如此；"
            "请检查文件中的日期和时区{span}：",
            plural(
                self.count,
                "note: {n} post is dated after today, as no collected post can be; "
                "check the file's dates and time zones{span}:",
                "note: {n} posts are dated after today, as no collected post can be; "
                "check the file's dates and time zones{span}:",
            ),
            n=self.count,
            span=span,
        )
        yield from self.shown
        if self.count > len(self.shown):
            more = self.count - len(self.shown)
            yield say("  ……另有 {n} 条", "  ... and {n} more", n=more)


# Posts this long before the next one of the stream are a stream of their own: detection
# starts its baselines over after a month without posts (``detection.terms.HISTORY_RESTART``).
_APART = timedelta(days=30)


@dataclass
class _Apart:
    """Stream posts dated a month or more before, or after, all the others: a wrong year,
    a time of 0 (1970-01-01) or a zone mistaken, most likely.

    Like a post dated after today, one such post stretches the stream (score.py counts
    its days from the first post to the last) and thins its false alarms per day to
    nothing; detection starts over after the gap, so the rest is detected as without it.
    Told, naming the lines. Only the stream's first and last halves are looked at from
    their ends: a stream whose larger part lies on one side of a month's gap is two
    streams, not a stray post. A post dated after today is left to ``_Ahead``'s note.
    """

    zone: tzinfo = UTC
    latest: datetime = field(default_factory=lambda: datetime.now(UTC) + _AHEAD)
    times: list[tuple[datetime, str]] = field(default_factory=list)

    def note(self, item: Located, raw: dict[str, Any]) -> None:
        moment = item.record.published_at
        if moment is None:  # an object kept for its labels alone: its time checked, not kept
            moment = parse_time(raw.get("published_at"), zone=self.zone)
        if moment is not None:
            self.times.append((moment, item.location))

    def report(self, score: EventScore | None) -> Iterator[str]:
        order = sorted(self.times, key=lambda pair: pair[0])
        half = len(order) // 2
        head = 0  # the posts before the last month's gap of the first half
        for index in range(half):
            if order[index + 1][0] - order[index][0] >= _APART:
                head = index + 1
        tail = len(order)  # the posts after the first month's gap of the last half
        for index in range(len(order) - 1, len(order) - 1 - half, -1):
            if order[index][0] - order[index - 1][0] >= _APART:
                tail = index
        after = [pair for pair in order[tail:] if pair[0] <= self.latest]
        span = _span_said(score)
        for posts, side in ((order[:head], "before"), (after, "after")):
            if not posts:
                continue
            yield say(
                "提示：有 {n} 条信息的发布时间比信息流中其余的信息{side} {apart} 天以上，"
                "很可能是日期或时区有误；评分按信息流从第一条到最后一条的天数折算日均误报"
                "{span}，请检查：",
                plural(
                    len(posts),
                    "note: {n} post is dated {apart} days or more {side} the rest of the "
                    "stream, most likely a wrong date or time zone; false alarms per day are "
                    "counted over the stream's days from its first post to its last{span}; "
                    "check:",
                    "note: {n} posts are dated {apart} days or more {side} the rest of the "
                    "stream, most likely a wrong date or time zone; false alarms per day are "
                    "counted over the stream's days from its first post to its last{span}; "
                    "check:",
                ),
                n=len(posts),
                side=say("早", "before") if side == "before" else say("晚", "after"),
                apart=_APART.days,
                span=span,
            )
            for moment, location in posts[:MAX_REJECTIONS_SHOWN]:
                yield say(
                    "  {location}：published_at 为 {moment}",
                    "  {location}: published_at {moment}",
                    location=location,
                    moment=moment.isoformat(),
                )
            if len(posts) > MAX_REJECTIONS_SHOWN:
                more = len(posts) - MAX_REJECTIONS_SHOWN
                yield say("  ……另有 {n} 条", "  ... and {n} more", n=more)


def score_event_files(
    stream: Path,
    assignments: Path,
    min_posts: int = 20,
    onset_posts: int = 5,
    field: str = "event",
    reject_untimed: bool = False,
    zone: tzinfo = UTC,
) -> EventFileScore:
    """Score an assignment file (``{"id", "event", "alerted_at"}``) against a labelled stream.

    A stream post without ``published_at`` is not scored: counted (``untimed``), or with
    ``reject_untimed`` rejected as a bad line, as ``yuqing eval events`` rejects it before
    detection.

    A time without an offset (a stream post's, an alert's) is read in ``zone``, where the
    run that wrote the assignments placed it: an import reads it in the deployment's. When
    no time of either file has an offset, they are set side by side as written, as the
    reference scorer does (``_zoned_where_mixed``).

    Raises ``YuqingError`` naming ``file:line`` for a record the scorer cannot use, and
    ``SourceError`` when a file cannot be read.
    """
    tally = _Tally()
    ahead = _Ahead(zone=zone)
    apart = _Apart(zone=zone, latest=ahead.latest)
    fields = _Fields(field)
    gold: list[dict[str, Any]] = []
    gold_at: list[str] = []
    untimed = 0
    labelled = labelled_untimed = False
    mixed = _Offsets(zone)
    for item in EvaluationLines(stream, zone=zone).read():
        if isinstance(item, Rejection):
            tally.reject(item)
            continue
        raw = item.record.raw
        fields.note(raw)
        # The checks eval events makes before detection (a line it rejects never reached
        # the pipeline): told, and left out of the score.
        key, problem = stream_line(raw, field)
        if key is None:
            tally.reject(Rejection(item.location, problem or NO_ID))
            continue
        label, _ = label_of(raw, field)
        if untimed_line(raw):
            labelled_untimed = labelled_untimed or label is not None
            if reject_untimed:
                tally.reject(Rejection(item.location, NO_TIME))
            else:
                untimed += 1
            continue
        tally.note_id(key, item.location, _source_of(raw))
        ahead.note(item, raw)
        apart.note(item, raw)
        mixed.note(item.location, raw["published_at"])
        labelled = labelled or label is not None
        gold.append({"id": key, "published_at": raw["published_at"], "event": label})
        gold_at.append(item.location)
    pred: list[dict[str, Any]] = []
    pred_at: list[str] = []
    for item in EvaluationLines(assignments).read():
        if isinstance(item, Rejection):
            tally.reject(item)
            continue
        pred.append(item.record.raw)
        pred_at.append(item.location)
    if not labelled:
        return EventFileScore(
            None,
            tally.rejections,
            tally.rejected,
            untimed,
            field,
            labelled_untimed,
            fields_hint=fields.hint(),
        )
    try:
        score = score_events(
            *_zoned_where_mixed(gold, pred, zone), min_posts=min_posts, onset_posts=onset_posts
        )
    except ScoringInputError as exc:
        where = (gold_at if exc.side == "gold" else pred_at)[exc.index]
        raise LineRefused(where, exc.problem) from None
    return EventFileScore(
        score,
        tally.rejections,
        tally.rejected,
        untimed,
        field,
        repeated=tally.repeated,
        repeat_notes=tuple(tally.repeat_report()),
        ahead_notes=tuple(ahead.report(score)),
        apart_notes=tuple(apart.report(score)),
        zone_notes=tuple(mixed.report()),
    )


@dataclass
class _Offsets:
    """Stream times without an offset beside times with one.

    score.py cannot score such a stream (it stops on comparing the two kinds), and a
    wrong zone moves the posts without one by hours: told, with where each kind begins.
    """

    zone: tzinfo
    zoneless: int = 0
    first_zoneless: str | None = None
    first_zoned: str | None = None

    def note(self, location: str, given: object) -> None:
        try:
            _, named = parse_time_and_zone(given, zone=self.zone)
        except InvalidRecord:
            return  # refused by the reader, or by the scorer naming its line
        if named:
            self.first_zoned = self.first_zoned or location
        else:
            self.zoneless += 1
            self.first_zoneless = self.first_zoneless or location

    def report(self) -> Iterator[str]:
        if self.first_zoned is None or self.first_zoneless is None:
            return
        yield say(
            "提示：信息流中有 {n} 条信息的 published_at 没有写时区（第一条在 {location}），"
            "另一些写了时区（第一条在 {zoned}）：没写的按 {zone} 读取；参考评分程序 score.py "
            "无法为这样的信息流评分（它无法比较这两种时间）；请为每个时间写明时区",
            plural(
                self.zoneless,
                "note: {n} stream post gives published_at without an offset (at {location}) "
                "beside others with one (the first at {zoned}): read in {zone}; score.py "
                "cannot score such a stream (it cannot compare the two kinds of time): "
                "give every time its offset",
                "note: {n} stream posts give published_at without an offset (the first at "
                "{location}) beside others with one (the first at {zoned}): read in {zone}; "
                "score.py cannot score such a stream (it cannot compare the two kinds of "
                "time): give every time its offset",
            ),
            n=self.zoneless,
            location=self.first_zoneless,
            zoned=self.first_zoned,
            zone=str(self.zone),
        )


def _zoned_where_mixed(
    gold: list[dict[str, Any]], pred: list[dict[str, Any]], zone: tzinfo
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records to score, with each time that has no offset given ``zone``'s when
    another time of either file has one.

    The scorer reads a time without an offset as UTC, and score.py as a time of the
    stream's own clock: when no time has an offset, these agree (the delays are
    differences of times as written), and the records are scored as they are. When some
    have one, score.py cannot set them side by side (it stops), and the ones without are
    placed where an import and the run placed them: a post written 09:05 beside one
    written 09:05+08:00 was 8 hours apart in the score of a stream read in China time.
    A time the scorer cannot read is left for it to refuse, naming its line.
    """
    readings: list[tuple[dict[str, Any], str, datetime]] = []
    zoned = False
    for rows, name in ((gold, "published_at"), (pred, "alerted_at")):
        for row in rows:
            given = row.get(name)
            if given is None or given == "":
                continue
            try:
                moment, named = parse_time_and_zone(given, name, zone)
            except InvalidRecord:
                continue
            zoned = zoned or named
            if not named and moment is not None:
                readings.append((row, name, moment))
    if not zoned or not readings:
        return gold, pred
    placed = {id(row): {**row} for row, _, _ in readings}
    for row, name, moment in readings:
        placed[id(row)][name] = moment.isoformat()
    return (
        [placed.get(id(row), row) for row in gold],
        [placed.get(id(row), row) for row in pred],
    )


# Why event detection left a post out (``yuqing.detection.model.SKIP_REASONS``), or
# handled it by a default, in words. An evaluation runs in stream time: "now" is the time
# the stream has reached.
_SKIPPED = {
    "no_text": ("没有文字", "no text"),
    "no_terms": (
        "没有可供分析的词（只有表情、链接或停用词）",
        "no words to weigh (only emoji, links or stop words)",
    ),
    "no_time": ("没有发布时间", "no publication time"),
    "future_time": (
        "发布时间晚于信息流当时的时间（请检查其日期和时区）",
        "published after the stream's time (check its date and time zone)",
    ),
    "too_old": (
        "发布时间远早于信息流当时的时间（请检查其日期和时区）",
        "published long before the stream's time (check its date and time zone)",
    ),
    "unknown_language": ("无法识别语言", "language unknown"),
}
_DEFAULTED = {
    "unknown_language_processed": (
        "语言无法识别或文本模型不支持，只按其中的词参与事件发现",
        "in a language the text models do not know: weighed on its words alone",
    ),
    "bare_repost_joined_story": (
        "不带评论的转发，归入所转发信息的事件",
        "bare reposts: joined the event of the post they repost",
    ),
    "no_time_arrival_used": (
        "没有发布时间，按到达时间处理",
        "no publication time: placed at its arrival",
    ),
}


def _detection_notes(skipped: dict[str, int], defaulted: dict[str, int]) -> Iterator[str]:
    """What event detection left out or handled by a default, one line per reason.

    The English keeps each reason's key (``no_terms``), as the detection stage and its
    README name it; a key without words here is shown as it is.
    """
    for why, n in sorted(skipped.items()):
        if n <= 0:
            continue
        zh, en = _SKIPPED.get(why, (why, why))
        yield say(
            "事件发现跳过了 {n} 条信息：{meaning}",
            "event detection left out {n} {posts}: {meaning} [{key}]",
            n=n,
            posts=plural(n, "post", "posts"),
            meaning=say(zh, en),
            key=why,
        )
    for why, n in sorted(defaulted.items()):
        if n <= 0:
            continue
        zh, en = _DEFAULTED.get(why, (why, why))
        yield say(
            "事件发现按默认方式处理了 {n} 条信息：{meaning}",
            "event detection handled {n} {posts} by a default: {meaning} [{key}]",
            n=n,
            posts=plural(n, "post", "posts"),
            meaning=say(zh, en),
            key=why,
        )


RAISED_SHOWN = 40
_TITLE_SHOWN = 48
_KIND_SHOWN = 16


def _kind_name(kind: str | None) -> str:
    """An event's kind as the console names it (事故灾难; "—" for none); the English in
    lower case, as the rest of the table. A kind the console has no name for is shown as
    it is."""
    from yuqing.web.i18n import translator

    key = f"kind_{kind or 'none'}"
    name = translator(language.current())(key)
    if name == key:
        return one_line(kind or "", _KIND_SHOWN)
    return name if language.current() == "zh" else name.lower()


def _show_raised(raised: Sequence[RaisedEvent]) -> None:
    """What the run raised, so that a person can see which happenings it took for events."""
    if not raised:
        return
    typer.echo(
        say(
            "已预警的事件（流时间、事件类型、信息数、标题）：",
            "raised (stream time, kind, posts, title):",
        )
    )
    for event in raised[:RAISED_SHOWN]:
        kind = _kind_name(event.kind)
        typer.echo(
            f"  {event.alerted_at:%Y-%m-%d %H:%M}  {_padded(kind, 16)} "
            f"{event.posts:>6}  {one_line(event.title, _TITLE_SHOWN)}"
        )
    if len(raised) > RAISED_SHOWN:
        more = len(raised) - RAISED_SHOWN
        typer.echo(say("  ……另有 {n} 起", "  ... and {n} more", n=more))


@eval_app.command(
    "events",
    help=say(
        "在全新的临时数据库上对信息流运行事件发现，为发现的事件和预警评分。",
        "Run detection over a stream on a fresh store and score its events and alerts.",
    ),
)
def events(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help=say(
                "带事件标注的信息流\n\n（JSON Lines）",
                "a stream of posts as JSON Lines, with event labels",
            ),
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            metavar=say("<路径>", "<PATH>"),
            help=say(
                '输出文件：每条信息写一行 {"id", "event", "alerted_at"}',
                'where to write {"id", "event", "alerted_at"} per post',
            ),
        ),
    ],
    min_posts: Annotated[
        int,
        typer.Option(
            min=1,
            help=say(
                "只为信息数不少于此值的\n\n标注事件评分",
                "score gold events with at least this many posts",
            ),
        ),
    ] = 20,
    onset_posts: Annotated[
        int,
        typer.Option(
            min=1,
            help=say(
                "事件的起始时刻：\n\n取事件第 N 条信息的时间",
                "an event's onset is the time of its N-th post",
            ),
        ),
    ] = 5,
    field: Annotated[
        str,
        typer.Option(
            "--field",
            help=say(
                "事件标注所在的字段\n\n（`yuqing demo generate` 生成的数据用 scenario_event）",
                "the gold event label's key (scenario_event for `yuqing demo generate`)",
            ),
        ),
    ] = "event",
) -> None:
    """Run detection over a stream on a fresh store and score its events and alerts."""
    field = _gold_key(field)
    output_path = _output_file(output)
    _check_paths(input_path, output_path)
    # The assignments are read back from the output to be scored, which a stream cannot
    # give (and stdout would give with the run's summary among them): told now, not after
    # a run that may take minutes.
    again = say(
        "eval events 要读回输出的归属结果才能评分，请指定普通文件",
        "eval events reads the assignments back to score them: name a regular file",
    )
    if (stream := _standard_stream(output_path)) is not None:
        raise _fail(
            say(
                "{output}：这是{stream}；{again}",
                "{output}: is {stream}; {again}",
                output=output_path,
                stream=say(*_STREAM_NAMES[stream]),
                again=again,
            )
        )
    if output_path.exists() and not output_path.is_file():
        raise _fail(
            say(
                "{output}：不是普通文件；{again}",
                "{output}: not a regular file; {again}",
                output=output_path,
                again=again,
            )
        )
    from yuqing.runtime.evaluate import run_event_stream
    from yuqing.settings import load_settings

    try:
        # A time without an offset is the deployment's, as an import reads it.
        zone = load_settings().display_zone
        with _output(output_path) as out:
            result = run_event_stream(input_path, out, field, zone)
        typer.echo(
            say(
                "{input}：{posts} 条信息（拒收 {rejected} 行），{written} 条归属结果已写入 "
                "{output}；事件 {events} 起，预警 {alerts} 次；用时 {seconds:.1f} 秒",
                "{input}: {posts} {posts_noun} ({rejected} {rejected_noun} rejected), "
                "{written} {written_noun} written to {output}; "
                "{events} {events_noun}, {alerts} {alerts_noun}; {seconds:.1f} s",
                input=input_path,
                posts=result.posts,
                posts_noun=plural(result.posts, "post", "posts"),
                rejected=result.rejected,
                rejected_noun=plural(result.rejected, "line", "lines"),
                written=result.written,
                written_noun=plural(result.written, "assignment", "assignments"),
                output=output_path,
                events=result.events,
                events_noun=plural(result.events, "event", "events"),
                alerts=result.alerts,
                alerts_noun=plural(result.alerts, "alert", "alerts"),
                seconds=result.seconds,
            )
        )
        _show_raised(result.raised)
        for line in _detection_notes(result.skipped, result.defaulted):
            typer.echo(line)
        if result.untimed:
            typer.echo(
                say(
                    "提示：{n} 条信息没有 published_at，已拒收，不参与事件发现和评分"
                    "（评测要按时间排列每条信息）",
                    plural(
                        result.untimed,
                        "note: {n} post has no published_at: rejected, left out of "
                        "detection and of the score (an evaluation places each post at its time)",
                        "note: {n} posts have no published_at: rejected, left out of "
                        "detection and of the score (an evaluation places each post at its time)",
                    ),
                    n=result.untimed,
                )
            )
        # The stream's lines are checked as the run checked them: the same lines rejected,
        # each told once.
        scored = score_event_files(
            input_path, output_path, min_posts, onset_posts, field, reject_untimed=True, zone=zone
        )
    except YuqingError as exc:
        raise _fail(_error_text(exc)) from None
    _show_rejections(scored.rejections, scored.rejected)
    for line in scored.report():
        typer.echo(line)
    raise typer.Exit(1 if scored.rejected or result.rejected else 0)


def _span_said(score: EventScore | None) -> str:
    """The stream's span, as a note about its odd times ends: " (the stream spans ...)"."""
    if score is None:
        return ""
    return say(
        "（信息流跨度 {days:,.1f} 天）",
        " (the stream spans {days:,.1f} days)",
        days=score.stream_days,
    )
