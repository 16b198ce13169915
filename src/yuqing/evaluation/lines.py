"""Reading labelled files for evaluation: posts without words are kept, not rejected."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yuqing.core.posts import (
    MAX_SHORT_CHARS,
    PostRecord,
    json_type,
    parse_post_record,
    post_field,
)
from yuqing.core.reasons import Reason, reason
from yuqing.core.shown import cut
from yuqing.errors import InvalidRecord
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import JsonLinesFile

# parse_post_record's message for an object with neither text nor title.
_NO_TEXT = "text: missing or empty"


@dataclass(slots=True)
class LabelsOnly(Located):
    """An object kept for its labels alone: no text, so no post (``record.raw`` holds it)."""


# The problems below are ``Reason``s: the English sentence, with a code from which the
# command line says it in the reader's language (a post's own field problems take the
# codes ingestion gives them, ``record.*``; the evaluation's own are ``eval.*``).

# A line without an id: the scorer keys every post by its id.
NO_ID = reason("eval.no_id", "no id: cannot be scored")


def record_id(raw: dict[str, Any]) -> tuple[str | int | None, Reason | None]:
    """A record's id as given (so the scorer keys it alike), or the problem with it."""
    value = raw.get("id")
    # Blank is no id: the store strips it to nothing, so no line could carry its post.
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool) or not isinstance(value, str | int):
        got = type(value).__name__
        return None, reason(
            "record.expected_string", f"id: expected a string, got {got}", field="id", type=got
        )
    if len(str(value)) > MAX_SHORT_CHARS:
        return None, reason(
            "record.too_long",
            f"id: longer than {MAX_SHORT_CHARS} characters",
            field="id",
            limit=MAX_SHORT_CHARS,
        )
    return value, None


# A label's key is shown in a message this long at most.
_KEY_SHOWN = 40


def label_keys(raw: Mapping[str, Any], field: str) -> list[str]:
    """The keys of ``raw`` that are ``field`` in any case and with surrounding spaces."""
    wanted = field.strip().lower()
    return [key for key in raw if isinstance(key, str) and key.strip().lower() == wanted]


def label_of(raw: Mapping[str, Any], field: str) -> tuple[Any, Reason | None]:
    """The label under ``field`` in any case (``Sentiment`` is ``sentiment``), as the post
    fields are read; None when no key names it, or the problem of two keys that do.

    Files labelled by hand or by scripts of other languages write ``Sentiment`` and
    ``Event``: read only as written, every label was missed and the run said "nothing to
    score" with exit code 0.
    """
    keys = label_keys(raw, field)
    if not keys:
        return None, None
    if len(keys) > 1:
        first, second = (repr(cut(key, _KEY_SHOWN)) for key in keys[:2])
        return None, reason(
            "record.given_twice",
            f"{field}: given twice, as {first} and {second} "
            "(keys that differ only in case name the same field; keep one)",
            field=field,
            first=first,
            second=second,
        )
    return raw[keys[0]], None


# An evaluation stream's line without published_at: eval events rejects it (score.py cannot
# read such a stream at all, and detection could only place it at an arbitrary time).
NO_TIME = reason(
    "eval.no_time", "published_at: missing or empty: an evaluation places each post at its time"
)


def stream_line(raw: dict[str, Any], field: str) -> tuple[str | int | None, Reason | None]:
    """A labelled stream line's id as given, or the problem that keeps it out of the score.

    The checks of ``yuqing eval events`` on each stream line, the same before detection as
    in scoring: an id (``record_id``), and an event label under ``field`` that is an event
    id (a string or a whole number) or null. The time is checked apart (``untimed``).
    """
    key, problem = record_id(raw)
    if key is None:
        return None, problem or NO_ID
    label, twice = label_of(raw, field)
    if twice is not None:
        return None, twice
    if label == "":
        # Most likely "no event", as an export from a spreadsheet writes an empty cell; but
        # score.py scores it as an event named "" (all such posts one event), so taking it
        # as null would give figures the reference scorer does not: refused, saying how.
        return None, reason(
            "eval.empty_event",
            f"{field}: expected an event id or null, got an empty string",
            field=field,
        )
    if isinstance(label, str) and not label.strip():
        # The same, from a cell of spaces: not an event anyone named.
        return None, reason(
            "eval.blank_event",
            f"{field}: expected an event id or null, got only white space",
            field=field,
        )
    if label is not None and (isinstance(label, bool) or not isinstance(label, str | int)):
        # true, a list or an object would be scored as an event named "True" or "[...]".
        got = json_type(label)
        return None, reason(
            "eval.bad_event",
            f"{field}: expected an event id or null, got {got}",
            field=field,
            type=got,
        )
    return key, None


def untimed(raw: dict[str, Any]) -> bool:
    """Whether a stream line gives no published_at (null or an empty string)."""
    return raw.get("published_at") in (None, "")


class EvaluationLines(JsonLinesFile):
    """A JSON Lines file read as an import is, keeping objects that have no text.

    Evaluation sets label posts that have no words of their own, and assignment files
    carry no text at all: such an object comes back as ``LabelsOnly`` (a ``Located``
    record with empty text and the object in ``raw``), once its other fields have passed
    the checks a post's do (a bad ``published_at`` is a rejection with or without text).
    Every other problem is a ``Rejection`` as on import.
    """

    def _parse(self, text: str, location: str) -> Item:
        item = super()._parse(text, location)
        if isinstance(item, Rejection) and item.problem == _NO_TEXT:
            # The line decoded once already, to an object that only lacks text.
            raw = json.loads(text)
            # Its text key as written ("Text" or "正文": "" is the text too: keys of post
            # fields are read in any case or by their Chinese names), replaced by a
            # stand-in to check the rest.
            texts = [k for k in raw if post_field(k) == "text"]
            others = {k: v for k, v in raw.items() if k not in texts}
            try:
                record = parse_post_record(
                    {**others, "text": "-"}, default_source=self.default_source
                )
            except InvalidRecord as exc:
                return Rejection(location, str(exc))
            # The object with its post fields under their own names (Published_At is
            # published_at), as a post's raw copy has them.
            kept = {k: v for k, v in record.raw.items() if k != "text"}
            if texts:
                kept["text"] = raw[texts[0]]
            return LabelsOnly(PostRecord(text="", raw=kept), location)
        return item


# The post fields ``yuqing eval labels`` reads: the id it keys the label by and the words
# it labels. The others (published_at, counts, author ...) play no part in a label.
LABEL_FIELDS = frozenset({"id", "title", "text", "lang"})


def _outside_labels(problem: str) -> bool:
    """Whether ``problem`` is that of a post field the labelling does not read."""
    if not isinstance(problem, Reason):
        return False
    name = post_field(problem.params.get("field"))
    return name is not None and name not in LABEL_FIELDS


class LabelLines(EvaluationLines):
    """An evaluation file read for ``eval labels``: a post whose only problems are in
    fields the labelling never reads is labelled all the same, read without them.

    Rejected, a post with a published_at of "yesterday" or a count of -1 got no label and
    left the score short of the reference scorer's, which reads the id and the label
    alone. Such lines are counted in ``relaxed``, the first one kept in ``first_relaxed``
    (its location and its first problem), for the command to tell.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relaxed = 0
        self.first_relaxed: Rejection | None = None

    def _parse(self, text: str, location: str) -> Item:
        item = super()._parse(text, location)
        if not isinstance(item, Rejection) or not _outside_labels(item.problem):
            return item
        try:
            raw = json.loads(text)  # a field's problem: the line decoded, to an object
        except ValueError:
            return item
        if not isinstance(raw, dict):
            return item
        # Every post field the labelling does not read goes, whichever had the problem:
        # a line may have several.
        kept = {k: v for k, v in raw.items() if post_field(k) in (None, *LABEL_FIELDS)}
        again = super()._parse(json.dumps(kept, ensure_ascii=False), location)
        if isinstance(again, Rejection):
            return again  # a problem of the id or the words: the line cannot be labelled
        self.relaxed += 1
        if self.first_relaxed is None:
            self.first_relaxed = item
        return again
