"""A detector's state as plain JSON data, and back: what survives a restart.

``EventDetector.to_state()`` returns only JSON types (str, int, float, bool, None, lists,
dicts with str keys) and ``EventDetector.from_state(state, config)`` rebuilds a detector
that goes on exactly as the saved one would have: same assignments, occurrences and
summaries for the posts that follow. ``TermModel`` and ``MonitorBurstTracker`` have the
same pair. Nothing here performs I/O; the runtime stores the data (compressed) in the
``detector_state`` table.

What is kept, and why (everything that influences later results):

* the term model: every term's record (recent buckets, decayed history), the stream's
  total, its first bucket and the hour-of-day profile (the keep-term cache is a pure
  function of the token and is rebuilt as posts come); and, while the baselines are
  short, the short-window model that judges bursts in their place, the same way (absent
  from older states, or saved under other ``cold_bucket``/``cold_recent_buckets``: made
  afresh from the next post, as for a new stream);
* every event object still reachable: the active ones in their order, and any retired one
  that a recent post or the "hot" list still points to (a post of the window that joined
  an event is never a seed of a new one, even after that event retired);
* the two inverted indexes (term -> events) with their holders in order: ties between
  candidates break by that order, and it depends on history, so it is saved, not rebuilt;
* the story -> event map (entries of retired events are left out: they act as absent);
* the likeness index's posts (event or background, time, post id, weighted words) in the
  order they came, which settles ties and which posts a word reads; a state saved before
  the index existed restores with an empty one;
* the posts of the birth window, with what a newborn event reads of them (ids, time,
  story, first 280 characters, source, reach, places, sentiment, kind, cue names, terms)
  and the event a second look chose for them;
* the burst and birth-attempt caches, the retirement heap as it is laid out, retired
  summaries, the next event id, the batch counter, stats and the stream clock;
* the monitors' volume baselines and cool-downs, and the hour-by-hour volume of the
  terms that raised events (their daily rhythm; absent from older states: empty) with
  the times of their posts not yet counted into it (absent: none), and the events held
  back as that rhythm (counted once each; absent: none).

Floats are written as they are (JSON floats round-trip exactly in Python); the few
"never" times (``-inf``) are written as ``null``. Sets are written sorted (they are only
ever read sorted or tested for membership). A ``layout`` records the settings the saved
numbers depend on (bucket and bin sizes, the recent window, the half-life): restoring
under different ones is refused rather than silently misread. Other thresholds may change
between runs.

A state of another ``version``, or malformed in any way, raises ``ConfigError`` naming
the problem (the field's path), never an error from deep inside.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

from yuqing.detection.burst import MonitorBurstTracker, VolumeBaseline
from yuqing.detection.model import DetectionConfig, DetectionPost, EventSummary
from yuqing.detection.terms import TermModel
from yuqing.errors import ConfigError

if TYPE_CHECKING:
    from yuqing.detection.detector import EventDetector, _Event, _Recent

__all__ = [
    "STATE_VERSION",
    "detector_state",
    "monitors_state",
    "restore_detector",
    "restore_monitors",
    "restore_term_model",
    "summary_from_state",
    "summary_state",
    "term_model_state",
]

STATE_VERSION = 1
_KIND = "yuqing.event_detector"


class _Malformed(Exception):
    """Internal: a field of a state is not what it must be (converted to ConfigError)."""


def _fail(path: str, problem: str) -> NoReturn:
    raise _Malformed(f"{path}: {problem}")


def _guarded(what: str, restore: Callable[[], Any]) -> Any:
    """Run ``restore``; any problem with the data becomes one ConfigError naming it."""
    try:
        return restore()
    except ConfigError:
        raise
    except _Malformed as exc:
        raise ConfigError(f"{what} is malformed: {exc}") from None
    # OSError: a time the platform cannot make a date of (``datetime.fromtimestamp``).
    except (
        KeyError,
        TypeError,
        ValueError,
        IndexError,
        AttributeError,
        OverflowError,
        OSError,
    ) as exc:
        raise ConfigError(f"{what} is malformed: {type(exc).__name__}: {exc}") from None


# --- reading checked values --------------------------------------------------------------


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, "expected an object")
    return value


def _arr(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, "expected a list")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "expected a string")
    return value


def _opt_str(value: Any, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _int(value: Any, path: str) -> int:
    if type(value) is not int:
        _fail(path, "expected an integer")
    return value


def _opt_int(value: Any, path: str) -> int | None:
    return None if value is None else _int(value, path)


def _bool(value: Any, path: str) -> bool:
    if type(value) is not bool:
        _fail(path, "expected true or false")
    return value


def _num(value: Any, path: str) -> float:
    kind = type(value)
    if kind is float:
        if math.isnan(value) or math.isinf(value):
            _fail(path, "expected a finite number")
        return float(value)
    if kind is int:
        return float(value)
    _fail(path, "expected a number")


def _opt_num(value: Any, path: str) -> float | None:
    return None if value is None else _num(value, path)


def _amount(value: Any, path: str) -> float:
    """A count or a level (decayed counts, volumes): a finite number, not below 0.

    The detector takes square roots and logarithms of these: a negative one restored
    failed later, in the middle of ingestion, with a math domain error.
    """
    found = _num(value, path)
    if found < 0:
        _fail(path, "expected a number not below 0")
    return found


def _count(value: Any, path: str) -> int:
    found = _int(value, path)
    if found < 0:
        _fail(path, "expected a count (an integer not below 0)")
    return found


# The times a datetime can hold (years 1 to 9999), in epoch seconds.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LATEST = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def _moment(seconds: float, path: str) -> float:
    """Epoch seconds that make a date (a curve's bin start): no later failure making it."""
    if not _EARLIEST <= seconds <= _LATEST:
        _fail(path, f"{seconds!r} seconds is no time a date can hold")
    return seconds


def _never_num(value: Any, path: str) -> float:
    """A time that may be "never yet" (``-inf`` in memory, ``null`` in the state)."""
    return -math.inf if value is None else _num(value, path)


def _finite(value: float) -> float | None:
    return None if math.isinf(value) else value


def _nums(
    value: Any, path: str, length: int | None = None, *, amounts: bool = False
) -> list[float]:
    items = _arr(value, path)
    if length is not None and len(items) != length:
        _fail(path, f"expected {length} numbers, found {len(items)}")
    read = _amount if amounts else _num
    return [read(x, f"{path}[{i}]") for i, x in enumerate(items)]


def _strs(value: Any, path: str) -> list[str]:
    return [_str(x, f"{path}[{i}]") for i, x in enumerate(_arr(value, path))]


def _float_map(value: Any, path: str, *, amounts: bool = False) -> dict[str, float]:
    items = _obj(value, path)
    # Quick check first (these maps are large); the precise one names the bad entry.
    if (
        set(map(type, items)) <= {str}
        and set(map(type, items.values())) <= {float}
        and math.isfinite(sum(items.values()))
        and not (amounts and items and min(items.values()) < 0)
    ):
        return dict(items)
    read = _amount if amounts else _num
    return {_str(k, path): read(v, f"{path}.{k}") for k, v in items.items()}


def _int_map(value: Any, path: str) -> dict[str, int]:
    items = _obj(value, path)
    if set(map(type, items)) <= {str} and set(map(type, items.values())) <= {int}:
        return dict(items)
    return {_str(k, path): _int(v, f"{path}.{k}") for k, v in items.items()}


def _time_text(moment: datetime) -> str:
    return moment.isoformat()


def _time(value: Any, path: str) -> datetime:
    try:
        return datetime.fromisoformat(_str(value, path))
    except ValueError:
        _fail(path, "expected an ISO 8601 time")


def _opt_time(value: Any, path: str) -> datetime | None:
    return None if value is None else _time(value, path)


def _pair(value: Any, path: str) -> list[Any]:
    items = _arr(value, path)
    if len(items) != 2:
        _fail(path, "expected a pair")
    return items


# --- the settings the saved numbers depend on ------------------------------------------------


def _layout(config: DetectionConfig) -> dict[str, Any]:
    return {
        "term_bucket": config.term_bucket.total_seconds(),
        "recent_buckets": max(1, config.recent_buckets),
        "df_half_life": config.df_half_life.total_seconds(),
        "bin_size": config.bin_size.total_seconds(),
    }


def _check_layout(saved: Any, config: DetectionConfig, path: str) -> None:
    saved = _obj(saved, path)
    for name, current in _layout(config).items():
        if name not in saved:
            _fail(f"{path}.{name}", "missing")
        if saved[name] != current:
            raise ConfigError(
                f"the detector state was saved with detection.{name} = {saved[name]!r} and the "
                f"settings now say {current!r}: it cannot be restored under these settings"
            )


def _check_version(state: Any, what: str) -> dict[str, Any]:
    if not isinstance(state, dict):
        raise ConfigError(f"{what} is malformed: expected an object")
    if "version" not in state:
        raise ConfigError(f"{what} is malformed: it has no version")
    version = state["version"]
    if version != STATE_VERSION or type(version) is not int:
        raise ConfigError(
            f"{what} has version {version!r}; this yuqing reads version {STATE_VERSION} only"
        )
    return state


# --- term model --------------------------------------------------------------------------------


def term_model_state(model: TermModel) -> dict[str, Any]:
    """The term model as JSON data (see ``TermModel.to_state``)."""
    daily = model.daily
    return {
        "version": STATE_VERSION,
        "layout": _layout(model._config),
        # Records keep their own (lazily rolled) bucket: written as they are, in order.
        "terms": {term: list(record) for term, record in model._terms.items()},
        "total": list(model._total),
        "first_bucket": model._first_bucket,
        "daily": {
            "slots": list(daily._slots),
            "counts": daily._counts,
            "first": daily._first,
            "last_hour": daily._last_hour,
        },
    }


def restore_term_model(state: Any, config: DetectionConfig | None = None) -> TermModel:
    """A term model from ``term_model_state`` data; ConfigError when it does not fit."""
    what = "the term model state"
    state = _check_version(state, what)
    cfg = config or DetectionConfig()
    return _guarded(what, lambda: _term_model(state, cfg, "terms"))  # type: ignore[no-any-return]


def _record(value: Any, path: str, width: int) -> list[float]:
    """A term record: its bucket (-1 before any, or before 1970), then counts (not below 0)."""
    record = _nums(value, path, width)
    for i in range(1, width):
        _amount(record[i], f"{path}[{i}]")
    return record


def _term_model(state: dict[str, Any], config: DetectionConfig, path: str) -> TermModel:
    _check_layout(state.get("layout"), config, f"{path}.layout")
    model = TermModel(config)
    width = model._recent + 3
    records: dict[str, list[float]] = {}
    floats = {float}
    for term, record in _obj(state["terms"], f"{path}.terms").items():
        # The bulk of a state: a quick check per record (all floats, finite: a sum of
        # finite numbers is finite), a precise one only on failure.
        # Its bucket, then counts: none below 0 (the burst test takes their logarithms).
        if (
            type(record) is list
            and len(record) == width
            and set(map(type, record)) <= floats
            and math.isfinite(sum(record))
            and min(record) >= 0
        ):
            records[term] = record.copy()  # the caller's data is never shared
        else:
            records[term] = _record(record, f"{path}.terms.{term}", width)
    model._terms = records
    model._total = _record(state["total"], f"{path}.total", width)
    model._first_bucket = _opt_int(state["first_bucket"], f"{path}.first_bucket")
    daily = _obj(state["daily"], f"{path}.daily")
    model.daily._slots = _nums(daily["slots"], f"{path}.daily.slots", 24, amounts=True)
    model.daily._counts = _amount(daily["counts"], f"{path}.daily.counts")
    model.daily._first = _opt_num(daily["first"], f"{path}.daily.first")
    model.daily._last_hour = _int(daily["last_hour"], f"{path}.daily.last_hour")
    return model


# --- monitors ----------------------------------------------------------------------------------


def monitors_state(tracker: MonitorBurstTracker) -> dict[str, Any]:
    """The monitors' baselines as JSON data (see ``MonitorBurstTracker.to_state``)."""
    return {
        "version": STATE_VERSION,
        "bin_size": tracker._bin,
        # Monitor ids are integers: pairs, not an object with text keys.
        "baselines": [
            [monitor_id, _baseline_state(b)] for monitor_id, b in tracker._baselines.items()
        ],
        "quiet_until": [[monitor_id, t] for monitor_id, t in tracker._quiet_until.items()],
    }


def _baseline_state(b: VolumeBaseline) -> dict[str, Any]:
    return {
        "level": b.level,
        "deviation": b.deviation,
        "hour_level": list(b._hour_level),
        "hour_seen": list(b._hour_seen),
        "current_bin": b._current_bin,
        "current": b._current,
        "previous": list(b._previous),
        "closed": b._closed,
        "settled": b.settled,
        "settled_usual": b.settled_usual,
        "settled_bins": b.settled_bins,
    }


def restore_monitors(state: Any, config: DetectionConfig | None = None) -> MonitorBurstTracker:
    """Monitor baselines from ``monitors_state`` data; ConfigError when it does not fit."""
    what = "the monitor baselines state"
    state = _check_version(state, what)
    cfg = config or DetectionConfig()
    return _guarded(what, lambda: _monitors(state, cfg, "monitors"))  # type: ignore[no-any-return]


def _monitors(state: dict[str, Any], config: DetectionConfig, path: str) -> MonitorBurstTracker:
    tracker = MonitorBurstTracker(config)
    if _num(state["bin_size"], f"{path}.bin_size") != tracker._bin:
        raise ConfigError(
            f"the monitor baselines were saved with detection.bin_size = {state['bin_size']!r} "
            f"and the settings now say {tracker._bin!r}: they cannot be restored"
        )
    for i, item in enumerate(_arr(state["baselines"], f"{path}.baselines")):
        where = f"{path}.baselines[{i}]"
        monitor_id, data = _pair(item, where)
        tracker._baselines[_int(monitor_id, where)] = _baseline(
            data, tracker._bin, tracker._half_life, where
        )
    for i, item in enumerate(_arr(state["quiet_until"], f"{path}.quiet_until")):
        where = f"{path}.quiet_until[{i}]"
        monitor_id, until = _pair(item, where)
        tracker._quiet_until[_int(monitor_id, where)] = _num(until, where)
    return tracker


def _baseline(data: Any, bin_seconds: float, half_life: float, path: str) -> VolumeBaseline:
    data = _obj(data, path)
    b = VolumeBaseline(bin_seconds, half_life)
    # Volumes and counts of posts: none below 0 (a square root is taken of the level).
    b.level = _amount(data["level"], f"{path}.level")
    b.deviation = _amount(data["deviation"], f"{path}.deviation")
    b._hour_level = _nums(data["hour_level"], f"{path}.hour_level", 24, amounts=True)
    seen = _arr(data["hour_seen"], f"{path}.hour_seen")
    if len(seen) != 24:
        _fail(f"{path}.hour_seen", "expected 24 counts")
    b._hour_seen = [_count(x, f"{path}.hour_seen[{i}]") for i, x in enumerate(seen)]
    b._current_bin = _opt_int(data["current_bin"], f"{path}.current_bin")
    if b._current_bin is not None:
        _moment(b._current_bin * bin_seconds, f"{path}.current_bin")
    b._current = _count(data["current"], f"{path}.current")
    b._previous = [
        _count(x, f"{path}.previous[{i}]")
        for i, x in enumerate(_arr(data["previous"], f"{path}.previous"))
    ]
    b._closed = _count(data["closed"], f"{path}.closed")
    if "settled" in data:  # saved before the settled level: it starts afresh
        b.settled = _amount(data["settled"], f"{path}.settled")
        b.settled_usual = _amount(data["settled_usual"], f"{path}.settled_usual")
        b.settled_bins = _count(data["settled_bins"], f"{path}.settled_bins")
    return b


# --- summaries ---------------------------------------------------------------------------------


def summary_state(s: EventSummary) -> dict[str, Any]:
    """An event summary as JSON data that ``summary_from_state`` turns back into an equal one."""
    return {
        "event_id": s.event_id,
        "active": s.active,
        "as_of": _time_text(s.as_of),
        "first_post_id": s.first_post_id,
        "first_seen": _time_text(s.first_seen),
        "last_seen": _time_text(s.last_seen),
        "alerted_at": None if s.alerted_at is None else _time_text(s.alerted_at),
        "post_count": s.post_count,
        "story_count": s.story_count,
        # Curve bins are UTC bin starts made from epoch seconds: written as those seconds.
        "curve": [[moment.timestamp(), n] for moment, n in s.curve],
        "growth_rate": s.growth_rate,
        "reach": s.reach,
        "sources": s.sources,
        "categories": dict(s.categories),
        "outlets": dict(s.outlets),
        "place_names": list(s.place_names),
        "places": [[name, n] for name, n in s.places],
        "kind": s.kind,
        "kind_share": s.kind_share,
        "negative_share": s.negative_share,
        "keywords": list(s.keywords),
        "representative_post_id": s.representative_post_id,
        "representative_text": s.representative_text,
        "cues": [[name, n] for name, n in s.cues],
        "merged_from": list(s.merged_from),
    }


def summary_from_state(data: Any, path: str = "summary") -> EventSummary:
    """The summary ``summary_state`` wrote (raises ``_Malformed`` inside a restore)."""
    d = _obj(data, path)

    def counted(name: str) -> list[tuple[str, int]]:
        found = []
        for i, item in enumerate(_arr(d[name], f"{path}.{name}")):
            key, n = _pair(item, f"{path}.{name}[{i}]")
            found.append((_str(key, f"{path}.{name}[{i}]"), _int(n, f"{path}.{name}[{i}]")))
        return found

    curve = []
    for i, item in enumerate(_arr(d["curve"], f"{path}.curve")):
        at, n = _pair(item, f"{path}.curve[{i}]")
        seconds = _moment(_num(at, f"{path}.curve[{i}]"), f"{path}.curve[{i}]")
        moment = datetime.fromtimestamp(seconds, UTC)
        curve.append((moment, _int(n, f"{path}.curve[{i}]")))
    return EventSummary(
        event_id=_str(d["event_id"], f"{path}.event_id"),
        active=_bool(d["active"], f"{path}.active"),
        as_of=_time(d["as_of"], f"{path}.as_of"),
        first_post_id=_str(d["first_post_id"], f"{path}.first_post_id"),
        first_seen=_time(d["first_seen"], f"{path}.first_seen"),
        last_seen=_time(d["last_seen"], f"{path}.last_seen"),
        alerted_at=_opt_time(d["alerted_at"], f"{path}.alerted_at"),
        post_count=_int(d["post_count"], f"{path}.post_count"),
        story_count=_int(d["story_count"], f"{path}.story_count"),
        curve=curve,
        growth_rate=_num(d["growth_rate"], f"{path}.growth_rate"),
        reach=_int(d["reach"], f"{path}.reach"),
        sources=_int(d["sources"], f"{path}.sources"),
        categories=_int_map(d["categories"], f"{path}.categories"),
        # Absent from states saved before outlets were kept.
        outlets=_int_map(d.get("outlets", {}), f"{path}.outlets"),
        place_names=_strs(d.get("place_names", []), f"{path}.place_names"),
        places=counted("places"),
        kind=_opt_str(d["kind"], f"{path}.kind"),
        kind_share=_num(d["kind_share"], f"{path}.kind_share"),
        negative_share=_opt_num(d["negative_share"], f"{path}.negative_share"),
        keywords=_strs(d["keywords"], f"{path}.keywords"),
        representative_post_id=_str(d["representative_post_id"], f"{path}.representative_post_id"),
        representative_text=_str(d["representative_text"], f"{path}.representative_text"),
        cues=counted("cues"),
        merged_from=_strs(d["merged_from"], f"{path}.merged_from"),
    )


# --- the detector ------------------------------------------------------------------------------

# Every attribute of the detector, and how the state handles it: saved, or made again
# from the config. The unit tests compare this with the class (and the saved fields of
# an event and of a recent post with theirs), so a field added later cannot be dropped.
DETECTOR_FIELDS = frozenset(
    {
        "_batch",
        "_burst_state",
        "_clock",
        "_clock_dt",
        "_described",
        "_events",
        "_expiry",
        "_hot",
        "_hot_until",
        "_keys",
        "_kind_counts",
        "_kind_landmark",
        "_kind_total",
        "_likeness",
        "_monitors",
        "_next_id",
        "_recent",
        "_retired",
        "_rhythm",
        "_rhythm_pending",
        "_held_for_rhythm",
        "_story_event",
        "_story_words",
        "_terms",
        "_cold",
        "_tried",
        "stats",
        # derived from the config
        "config",
        "_cold_config",
        "_second_look_on",
        "_hashtags_on",
        "_bin",
        "_tau",
        "_window",
        "_birth_window",
        "_check_every",
        "_idle_small",
        "_idle_large",
        "_warmup_hours",
        "_rhythm_bins",
    }
)


def _event_state(e: _Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "landmark": e.landmark,
        "counts": dict(e.counts),
        "mass": e.mass,
        "keys": sorted(e.keys),
        "anchors": sorted(e.anchors),
        "main_anchors": list(e.main_anchors),
        "descriptors": dict(e.descriptors),
        "posts": e.posts,
        "first_post_id": e.first_post_id,
        "first_seen": _time_text(e.first_seen),
        "first_t": e.first_t,
        "last_seen": _time_text(e.last_seen),
        "last_t": e.last_t,
        # bin index -> count: integer keys, so pairs (in the dict's order)
        "bins": [[b, c] for b, c in e.bins.items()],
        "stories": dict(e.stories),
        "rep_count": e.rep_count,
        "rep_post_id": e.rep_post_id,
        "rep_story": e.rep_story,
        "rep_text": e.rep_text,
        "rep_text_story": e.rep_text_story,
        "heads": [[story, post_id, text] for story, (post_id, text) in e.heads.items()],
        "recent": None if e.recent is None else [[t, story] for t, story in e.recent],
        "reach": e.reach,
        "sources": sorted(e.sources),
        "categories": dict(e.categories),
        "outlets": {category: sorted(found) for category, found in e.outlets.items()},
        "places": dict(e.places),
        "kinds": dict(e.kinds),
        "cues": dict(e.cues),
        "negative": e.negative,
        "sentiments": e.sentiments,
        "alerted_at": None if e.alerted_at is None else _time_text(e.alerted_at),
        "next_check_t": _finite(e.next_check_t),
        "prior": e.prior,
        "prior_until": _finite(e.prior_until),
        "next_review": e.next_review,
        "last_update_t": _finite(e.last_update_t),
        "updated_posts": e.updated_posts,
        "merged_from": list(e.merged_from),
    }


def _event(data: Any, path: str) -> _Event:
    from yuqing.detection.detector import _Event

    d = _obj(data, path)
    e = _Event.__new__(_Event)
    e.id = _str(d["id"], f"{path}.id")
    e.landmark = _num(d["landmark"], f"{path}.landmark")
    # Decayed counts of its posts: none below 0 (their logarithms weigh a post).
    e.counts = _float_map(d["counts"], f"{path}.counts", amounts=True)
    e.mass = _amount(d["mass"], f"{path}.mass")
    e.keys = set(_strs(d["keys"], f"{path}.keys"))
    e.anchors = set(_strs(d["anchors"], f"{path}.anchors"))
    e.main_anchors = _strs(d["main_anchors"], f"{path}.main_anchors")
    e.descriptors = _float_map(d["descriptors"], f"{path}.descriptors")
    e.posts = _int(d["posts"], f"{path}.posts")
    e.first_post_id = _str(d["first_post_id"], f"{path}.first_post_id")
    e.first_seen = _time(d["first_seen"], f"{path}.first_seen")
    e.first_t = _num(d["first_t"], f"{path}.first_t")
    e.last_seen = _time(d["last_seen"], f"{path}.last_seen")
    e.last_t = _num(d["last_t"], f"{path}.last_t")
    bins: dict[int, int] = {}
    for i, item in enumerate(_arr(d["bins"], f"{path}.bins")):
        b, c = _pair(item, f"{path}.bins[{i}]")
        bins[_int(b, f"{path}.bins[{i}]")] = _int(c, f"{path}.bins[{i}]")
    e.bins = bins
    e.stories = _int_map(d["stories"], f"{path}.stories")
    e.rep_count = _int(d["rep_count"], f"{path}.rep_count")
    e.rep_post_id = _str(d["rep_post_id"], f"{path}.rep_post_id")
    e.rep_story = _str(d["rep_story"], f"{path}.rep_story")
    e.rep_text = _str(d["rep_text"], f"{path}.rep_text")
    # Absent from states saved before titles preferred original posts: the title is
    # taken as its top story's.
    e.rep_text_story = _str(d.get("rep_text_story", e.rep_story), f"{path}.rep_text_story")
    e.heads = {}
    for i, item in enumerate(_arr(d.get("heads", []), f"{path}.heads")):
        head = _strs(item, f"{path}.heads[{i}]")
        if len(head) != 3:
            _fail(f"{path}.heads[{i}]", "expected story, post id and text")
        e.heads[head[0]] = (head[1], head[2])
    if d["recent"] is None:
        e.recent = None
    else:
        recent: deque[tuple[float, str]] = deque()
        for i, item in enumerate(_arr(d["recent"], f"{path}.recent")):
            t, story = _pair(item, f"{path}.recent[{i}]")
            recent.append((_num(t, f"{path}.recent[{i}]"), _str(story, f"{path}.recent[{i}]")))
        e.recent = recent
    e.reach = _int(d["reach"], f"{path}.reach")
    e.sources = set(_strs(d["sources"], f"{path}.sources"))
    e.categories = Counter(_int_map(d["categories"], f"{path}.categories"))
    e.outlets = {
        category: set(_strs(found, f"{path}.outlets.{category}"))
        for category, found in _obj(d.get("outlets", {}), f"{path}.outlets").items()
    }
    e.places = Counter(_int_map(d["places"], f"{path}.places"))
    e.kinds = Counter(_int_map(d["kinds"], f"{path}.kinds"))
    e.cues = Counter(_int_map(d["cues"], f"{path}.cues"))
    e.negative = _int(d["negative"], f"{path}.negative")
    e.sentiments = _int(d["sentiments"], f"{path}.sentiments")
    e.alerted_at = _opt_time(d["alerted_at"], f"{path}.alerted_at")
    e.next_check_t = _never_num(d["next_check_t"], f"{path}.next_check_t")
    e.prior = _num(d["prior"], f"{path}.prior")
    e.prior_until = _never_num(d["prior_until"], f"{path}.prior_until")
    e.next_review = _int(d["next_review"], f"{path}.next_review")
    e.last_update_t = _never_num(d["last_update_t"], f"{path}.last_update_t")
    e.updated_posts = _int(d["updated_posts"], f"{path}.updated_posts")
    e.merged_from = _strs(d["merged_from"], f"{path}.merged_from")
    return e


def _post_state(post: DetectionPost, text_chars: int, cue_key: Callable[[Any], str]) -> Any:
    assert post.time is not None
    # Only what a newborn event reads of a post of the window (``_new_event`` and ``_add``):
    # its text up to the representative length, its cues by name, the first ten places.
    return {
        "id": post.post_id,
        "time": _time_text(post.time),
        "story": post.story_key,
        "text": post.text[:text_chars],
        "lang": post.lang,
        "source": post.source,
        "category": post.source_category,
        "author_kind": post.author_kind,
        "reach": post.reach,
        "places": list(post.places[:10]),
        "sentiment": post.sentiment,
        "kind": post.kind,
        "cues": [cue_key(cue) for cue in post.cues[:10]],
        "original": post.original,
        # A reaction weighs repeat_weight in the event that takes it in (absent: True).
        "starts_story": post.starts_story,
    }


def _post(data: Any, path: str) -> DetectionPost:
    d = _obj(data, path)
    return DetectionPost(
        post_id=_str(d["id"], f"{path}.id"),
        time=_time(d["time"], f"{path}.time"),
        story_key=_str(d["story"], f"{path}.story"),
        text=_str(d["text"], f"{path}.text"),
        tokens=[],
        keywords=[],
        lang=_str(d["lang"], f"{path}.lang"),
        source=_str(d["source"], f"{path}.source"),
        source_category=_str(d["category"], f"{path}.category"),
        author_kind=_str(d["author_kind"], f"{path}.author_kind"),
        reach=_int(d["reach"], f"{path}.reach"),
        places=_strs(d["places"], f"{path}.places"),
        sentiment=_opt_str(d["sentiment"], f"{path}.sentiment"),
        kind=_opt_str(d["kind"], f"{path}.kind"),
        cues=list(_strs(d["cues"], f"{path}.cues")),
        original=_bool(d.get("original", True), f"{path}.original"),
        starts_story=_bool(d.get("starts_story", True), f"{path}.starts_story"),
    )


def detector_state(detector: EventDetector) -> dict[str, Any]:
    """The detector as JSON data (see ``EventDetector.to_state``)."""

    d = detector
    active = d._events
    # Every event object something still points to: the active ones, and retired ones still
    # in the hot list or held by a post of the birth window (see the module docstring).
    reachable: dict[str, _Event] = dict(active)
    for event in d._hot:
        reachable.setdefault(event.id, event)
    for recent in d._recent:
        if recent.event is not None:
            reachable.setdefault(recent.event.id, recent.event)
    return {
        "version": STATE_VERSION,
        "kind": _KIND,
        "layout": _layout(d.config),
        "clock": d._clock,
        "clock_time": None if d._clock_dt is None else _time_text(d._clock_dt),
        "next_id": d._next_id,
        "batch": d._batch,
        "stats": dict(d.stats),
        "terms": term_model_state(d._terms),
        # The short-window model of the warm-up: None once the baselines count.
        "cold": None if d._cold is None else term_model_state(d._cold),
        "monitors": monitors_state(d._monitors),
        # The hour-by-hour volume of the terms that raised events (their daily rhythm).
        "rhythm": [[term, _baseline_state(b)] for term, b in d._rhythm.items()],
        # The posts of those terms not yet counted into them, in the order they came
        # (saved as they wait: counting them now would close every bin since each
        # term's last post); absent from older states: none.
        "rhythm_pending": [[term, list(times)] for term, times in d._rhythm_pending.items()],
        # Events held back as that rhythm (counted once each); absent from older states.
        "held_for_rhythm": sorted(d._held_for_rhythm),
        "events": [_event_state(e) for e in reachable.values()],
        "active": list(active),
        "keys_index": {term: [e.id for e in holders] for term, holders in d._keys.items()},
        "described_index": {
            term: [e.id for e in holders] for term, holders in d._described.items()
        },
        "hot": [e.id for e in d._hot],
        "hot_until": _finite(d._hot_until),
        # Entries of retired events act as absent ones everywhere: left out.
        "story_event": {
            story: e.id for story, e in d._story_event.items() if active.get(e.id) is e
        },
        # The first words of the latest stories, oldest first (absent from older states:
        # their reposts and comments then add no words until new stories begin).
        "story_words": [[story, list(words)] for story, words in d._story_words.items()],
        "recent": [_recent_state(r) for r in d._recent],
        "likeness": d._likeness.to_state(lambda e: e.id),  # type: ignore[attr-defined]
        "kinds": {
            "counts": dict(d._kind_counts),
            "total": d._kind_total,
            "landmark": d._kind_landmark,
        },
        "tried": {term: [count, when] for term, (count, when) in d._tried.items()},
        "burst_state": {
            term: [until, bursting, specific]
            for term, (until, bursting, specific) in d._burst_state.items()
        },
        # The retirement heap exactly as laid out (it may name events retired since).
        "expiry": [[deadline, event_id] for deadline, event_id in d._expiry],
        "retired": [summary_state(s) for s in d._retired],
    }


def _recent_state(r: _Recent) -> dict[str, Any]:
    """A post of the birth window (its ``term_set`` is made again from ``terms``)."""
    from yuqing.detection.detector import _REPRESENTATIVE_CHARS, _cue_key

    return {
        "post": _post_state(r.post, _REPRESENTATIVE_CHARS, _cue_key),
        "when": r.when,
        "terms": list(r.terms),
        "batch": r.batch,
        "index": r.index,
        "event": None if r.event is None else r.event.id,
        "provisional": None if r.provisional is None else r.provisional.id,
        # A background entry the cap has since forgotten is no link any more.
        "likeness": r.likeness is not None and r.likeness.alive,
    }


def _restore_likeness(
    d: EventDetector,
    data: Any,
    recents: deque[_Recent],
    known: Callable[[Any, str], _Event],
) -> None:
    """The likeness index in its saved order, linked to the window's background posts."""
    items = []
    for i, item in enumerate(_arr(data, "likeness")):
        where = f"likeness[{i}]"
        values = _arr(item, where)
        if len(values) != 4:
            _fail(where, "expected [event id or null, time, post id, words]")
        owner = None if values[0] is None else known(values[0], f"{where}[0]")
        weights = {}
        for j, pair in enumerate(_arr(values[3], f"{where}[3]")):
            term, weight = _pair(pair, f"{where}[3][{j}]")
            weights[_str(term, f"{where}[3][{j}]")] = _num(weight, f"{where}[3][{j}]")
        items.append((owner, _num(values[1], f"{where}[1]"), _str(values[2], where), weights))
    if not d._second_look_on:
        return  # restored under settings without the second look: nothing reads it
    entries = d._likeness.restore(items)  # type: ignore[arg-type]
    background = {(e.post_id, e.when): e for e in entries if e.owner is None}
    for recent in recents:
        entry = background.get((recent.post.post_id, recent.when))
        if entry is not None:
            recent.likeness = entry


def restore_detector(state: Any, config: DetectionConfig | None = None) -> EventDetector:
    """A detector from ``detector_state`` data; ConfigError when it does not fit."""
    what = "the detector state"
    state = _check_version(state, what)
    if state.get("kind") != _KIND:
        raise ConfigError(f"{what} is malformed: it is not an event detector's state")
    return _guarded(what, lambda: _detector(state, config))  # type: ignore[no-any-return]


def _detector(state: dict[str, Any], config: DetectionConfig | None) -> EventDetector:
    from yuqing.detection.detector import EventDetector, _Recent

    # A fresh detector: everything made from the config is made the usual way.
    d = EventDetector(config)
    _check_layout(state.get("layout"), d.config, "layout")
    d._terms = _term_model(_obj(state["terms"], "terms"), d.config, "terms")
    # The short-window model of the warm-up, if the state has one and the settings keep
    # one of its layout; otherwise none until the next post makes one afresh (while the
    # baselines are still short): it only matters for a new stream's first hours.
    cold = state.get("cold")
    d._cold = None
    if cold is not None:
        cold = _obj(cold, "cold")
        layout = _obj(cold.get("layout"), "cold.layout")
        if d.config.cold_recent_buckets > 0 and layout == _layout(d._cold_config):
            d._cold = _term_model(cold, d._cold_config, "cold")
    d._monitors = _monitors(_obj(state["monitors"], "monitors"), d.config, "monitors")
    # States saved before the daily rhythm of raising terms was followed have none: it is
    # learned again from the next raised events (until then nothing is held as rhythm).
    half_life = d.config.monitor_half_life.total_seconds()
    for i, item in enumerate(_arr(state.get("rhythm", []), "rhythm")):
        term, data = _pair(item, f"rhythm[{i}]")
        d._rhythm[_str(term, f"rhythm[{i}]")] = _baseline(data, d._bin, half_life, f"rhythm[{i}]")
    for i, item in enumerate(_arr(state.get("rhythm_pending", []), "rhythm_pending")):
        term, times = _pair(item, f"rhythm_pending[{i}]")
        where = f"rhythm_pending[{i}]"
        if _str(term, where) not in d._rhythm:
            _fail(where, "posts waiting for a term that is not followed")
        d._rhythm_pending[term] = _nums(times, where)
    d._held_for_rhythm = {
        _str(item, f"held_for_rhythm[{i}]")
        for i, item in enumerate(_arr(state.get("held_for_rhythm", []), "held_for_rhythm"))
    }
    events: dict[str, _Event] = {}
    for i, data in enumerate(_arr(state["events"], "events")):
        event = _event(data, f"events[{i}]")
        if event.id in events:
            _fail(f"events[{i}].id", f"{event.id!r} appears twice")
        events[event.id] = event

    def known(event_id: Any, path: str) -> _Event:
        found = events.get(_str(event_id, path))
        if found is None:
            _fail(path, f"no event {event_id!r} in the state")
        return found

    d._events = {e.id: e for e in (known(x, f"active[{i}]") for i, x in enumerate(state["active"]))}
    for name in ("keys_index", "described_index"):
        index = {
            _str(term, name): {
                known(x, f"{name}.{term}[{i}]"): None
                for i, x in enumerate(_arr(ids, f"{name}.{term}"))
            }
            for term, ids in _obj(state[name], name).items()
        }
        if name == "keys_index":
            d._keys = index
        else:
            d._described = index
    d._hot = [known(x, f"hot[{i}]") for i, x in enumerate(_arr(state["hot"], "hot"))]
    d._hot_until = _never_num(state["hot_until"], "hot_until")
    d._story_event = {
        _str(story, "story_event"): known(x, f"story_event.{story}")
        for story, x in _obj(state["story_event"], "story_event").items()
    }
    d._story_words = {}
    for i, item in enumerate(_arr(state.get("story_words", []), "story_words")):
        story, words = _pair(item, f"story_words[{i}]")
        d._story_words[_str(story, f"story_words[{i}]")] = tuple(_strs(words, f"story_words[{i}]"))
    while len(d._story_words) > d.config.story_words_kept:  # saved under a larger cap
        del d._story_words[next(iter(d._story_words))]
    recents: deque[_Recent] = deque()
    for i, data in enumerate(_arr(state["recent"], "recent")):
        where = f"recent[{i}]"
        r = _obj(data, where)
        recent = _Recent(
            _post(r["post"], f"{where}.post"),
            _num(r["when"], f"{where}.when"),
            _strs(r["terms"], f"{where}.terms"),
            _int(r["batch"], f"{where}.batch"),
            _int(r["index"], f"{where}.index"),
        )
        if r["event"] is not None:
            recent.event = known(r["event"], f"{where}.event")
        # States saved before the second look existed have neither key.
        if r.get("provisional") is not None:
            recent.provisional = known(r["provisional"], f"{where}.provisional")
        recents.append(recent)
    d._recent = recents
    _restore_likeness(d, state.get("likeness", []), recents, known)
    # States saved before kinds were counted have none: the counts start afresh.
    kinds = _obj(state.get("kinds", {"counts": {}, "total": 0.0, "landmark": None}), "kinds")
    d._kind_counts = _float_map(kinds["counts"], "kinds.counts")
    d._kind_total = _num(kinds["total"], "kinds.total")
    d._kind_landmark = _opt_num(kinds["landmark"], "kinds.landmark")
    d._tried = {}
    for term, pair in _obj(state["tried"], "tried").items():
        count, when = _pair(pair, f"tried.{term}")
        d._tried[term] = (_num(count, f"tried.{term}"), _num(when, f"tried.{term}"))
    d._burst_state = {}
    for term, item in _obj(state["burst_state"], "burst_state").items():
        values = _arr(item, f"burst_state.{term}")
        if len(values) != 3:
            _fail(f"burst_state.{term}", "expected [until, bursting, specific]")
        d._burst_state[term] = (
            _num(values[0], f"burst_state.{term}"),
            _bool(values[1], f"burst_state.{term}"),
            _bool(values[2], f"burst_state.{term}"),
        )
    expiry = []
    for i, item in enumerate(_arr(state["expiry"], "expiry")):
        deadline, event_id = _pair(item, f"expiry[{i}]")
        expiry.append((_num(deadline, f"expiry[{i}]"), _str(event_id, f"expiry[{i}]")))
    # Written as laid out; a hand-edited list is made a heap again rather than misread.
    if any(expiry[(i - 1) // 2] > expiry[i] for i in range(1, len(expiry))):
        heapq.heapify(expiry)
    d._expiry = expiry
    d._retired.extend(
        summary_from_state(s, f"retired[{i}]")
        for i, s in enumerate(_arr(state["retired"], "retired"))
    )
    d._clock = _opt_num(state["clock"], "clock")
    d._clock_dt = _opt_time(state["clock_time"], "clock_time")
    d._next_id = _int(state["next_id"], "next_id")
    d._batch = _int(state["batch"], "batch")
    d.stats = Counter(_int_map(state["stats"], "stats"))
    _check_consistent(d, events, expiry)
    return d


def _id_number(event_id: str) -> int:
    """The number of an id ``ev-<n>`` the detector gave (0 for any other text)."""
    digits = event_id[3:]
    return int(digits) if event_id.startswith("ev-") and digits.isdigit() else 0


def _check_consistent(
    d: EventDetector, events: dict[str, _Event], expiry: list[tuple[float, str]]
) -> None:
    """What the fields must agree on, or the restored detector fails (or errs) later."""
    # New events are numbered from next_id. An id the state holds (an event's, one merged
    # into it, a retired summary's) given again replaced an active event in the set and
    # put two happenings under one stored key: as after a crash (``reserve_ids``), new
    # events are numbered after every one the state holds.
    if d._next_id < 1:
        _fail("next_id", f"{d._next_id} is below 1")
    given = [*events, *(x for e in events.values() for x in e.merged_from)]
    given += [x for s in d._retired for x in (s.event_id, *s.merged_from)]
    given += [event_id for _, event_id in expiry]
    if given:
        d.reserve_ids(max(map(_id_number, given)) + 1)
    # Forward-decay landmarks are stream times already passed: one after the clock
    # overflowed an exponential at the next post.
    clock = d._clock
    for i, event in enumerate(events.values()):
        if clock is None:
            _fail("clock", "no stream time, yet the state holds events")
        if event.landmark > clock:
            _fail(f"events[{i}].landmark", f"{event.landmark!r} is after the stream clock")
        for j, b in enumerate(event.bins):
            # A curve's bin start becomes a date in every summary.
            _moment(b * d._bin, f"events[{i}].bins[{j}]")
    if d._kind_landmark is not None and (clock is None or d._kind_landmark > clock):
        _fail("kinds.landmark", f"{d._kind_landmark!r} is after the stream clock")
    # Every active event waits in the retirement heap; one missing never retired.
    waiting = {event_id for _, event_id in expiry}
    for event_id in d._events:
        if event_id not in waiting:
            _fail("expiry", f"the active event {event_id!r} has no retirement deadline")
