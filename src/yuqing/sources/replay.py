"""Replay a recorded stream of posts with its original timing, sped up.

The ``Replayer`` releases posts in batches as *stream time* reaches their
``published_at``. Stream time is a ``ReplayClock`` (``Replayer.clock``) that reads the
first post's time until playing starts (the first batch is asked for) and then runs
``speed`` times faster than the wall clock, so the rest of the system can run on it: at
``speed=60`` a ten-minute stream plays in ten seconds, and timers, windows and deadlines
inside yuqing see ten minutes pass.

Re-dated to the present (``to_present=True``, ``yuqing replay --now``), the stream is
shifted as late as it can be while no post, and no reading of stream time while it
plays, is later than the wall clock: at speeds up to 1x its first post is now; faster,
stream time would outrun the wall clock, so the stream starts in the past and its last
post comes at the present (at 1,000x, an hour of stream starts an hour ago; its last
batch waits for no window after it). Its pace is kept at every speed.

Memory. ``Replayer.from_file`` reads the file twice. The first pass plans: it keeps each
timed post's time (8 bytes a post), the posts without a time and the rejections (up to
``max_held`` of them; more are read again when played), and checks the span, the speed
and stray dates. ``batches()`` then reads the file again and releases its posts as they
come due. A file in time order (recorded streams are) drops the times once planned and
plays with a batch in memory: a peak of ~9 bytes a post over the whole replay of 20,000
to 50,000 short posts, against ~1.1 KB a post held (measured; see the sources README). A
file out of order keeps each post's time and rank (12 bytes a post; 40 while planning) and
plays through a look-ahead that holds the posts read before their turn, at most
``max_held`` (default 50,000). When that is not enough, the posts beyond it are read in
further passes over the file (at most ``len / max_held``, each pausing the replay while it
reads), which ``order_note`` says. The file must not change meanwhile: its size,
modification time and inode are compared around every read, and the posts' times as they
are read again; a change raises ``SourceError`` naming the file (an edit of the text
alone that keeps the size and modification time goes unseen).

``Replayer(items, ...)`` over any other iterable holds the whole stream and sorts it
(input need not be in time order): roughly 2-3 KB per post of a short-post stream.
``max_items`` (default 5,000,000) stops an oversized stream, or plan, with a clear error.
"""

from __future__ import annotations

import os
import threading
import time
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from yuqing.core.clock import Clock, ScaledClock, SystemClock, utc
from yuqing.core.posts import MAX_AHEAD, future_reason
from yuqing.errors import SourceError
from yuqing.sources.base import Item, Located, Rejection, Source
from yuqing.sources.files import open_import
from yuqing.sources.reasons import FileRefused, SourceRefused, reason, record_reason

MAX_REPLAY_ITEMS = 5_000_000
MAX_BATCH = 10_000
# A file replay holds at most this many items at once (look-ahead, untimed items).
MAX_HELD = 50_000
# A stream longer than this has a wrong date in it (a drill replays days, not decades).
MAX_SPAN = timedelta(days=3660)
# ... and one that would take longer than this to play is a mistaken speed.
MAX_WALL = timedelta(days=30)
# Waits shorter than this (wall seconds) are not worth a sleep; it also ends the wait
# loop when float rounding leaves a sliver of time.
_MIN_SLEEP = 1e-6
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_Times = npt.NDArray[np.int64]


class Replayer:
    """Plays a stream of posts in stream time; see the module docstring.

    Batching: when the next post is due, the replayer waits until ``batch_window`` of
    stream time after it and then releases every post due by then, so no post is ever
    released before its own ``published_at`` in stream time and a post is late by at
    most ``batch_window`` (plus whatever the consumer's processing delays). A batch
    holds at most ``max_batch`` items; a consumer that falls behind gets full batches
    back to back until it has caught up.

    Items without a time (posts lacking ``published_at``, and rejections) are released
    in the first batch, at once, while stream time is at its start; their records are
    left as they are, so whoever stores them stamps them with the clock's time then.
    Posts with the same time come in input order.

    ``start_at`` shifts the whole stream so its first post happens at ``start_at``.
    ``to_present`` shifts it to the present instead (see the module docstring), read from
    ``wall_clock`` when the ``Replayer`` is made. Released records then carry the
    shifted ``published_at`` and keep the original one, ISO-8601, in
    ``record.extra["original_published_at"]``.

    ``max_held`` bounds the items a file replay holds at once (``from_file``); a replay of
    another iterable holds them all.

    Stream time starts running when the first batch is asked for, or before, when the
    caller starts ``clock`` itself; until then it reads the stream's start.
    """

    def __init__(
        self,
        items: Iterable[Item],
        speed: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        batch_window: timedelta = timedelta(seconds=1),
        start_at: datetime | None = None,
        to_present: bool = False,
        wall_clock: Clock | None = None,
        max_items: int = MAX_REPLAY_ITEMS,
        max_batch: int = MAX_BATCH,
        max_held: int = MAX_HELD,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        if batch_window < timedelta(0):
            raise ValueError("batch_window must not be negative")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if max_held < 1:
            raise ValueError("max_held must be at least 1")
        if to_present and start_at is not None:
            raise ValueError("give start_at or to_present, not both")
        self._sleep = sleep
        self._window = batch_window
        self._max_batch = max_batch
        wall_now = utc((wall_clock or SystemClock()).now())
        timeline: _Timeline
        if isinstance(items, ReplayFile):
            # A recording's posts are all in the past: one dated after the wall clock (a
            # typo'd year) is refused as an import refuses it, by its line, not left to
            # stretch the stream over decades and refuse the whole file.
            timeline = _FileTimeline(items, max_items, max_held, wall_now)
        else:
            timeline = _HeldTimeline(items, max_items)
        self._timeline = timeline
        times = timeline.sorted_times()  # only while planning: a file replay drops them
        present: datetime | None = None
        if to_present:
            present = wall_now
            start_at = present - _lead(times, speed)
        if len(times):
            first = _moment(int(times[0]))
            self._shift = utc(start_at) - first if start_at is not None else timedelta(0)
            stream_start = first + self._shift
        elif start_at is not None:
            self._shift = timedelta(0)
            stream_start = utc(start_at)
        else:
            raise _untimed(timeline)
        # Said of posts far from all the others (see _stray_posts), for the caller to show.
        self.stray_note: str | None = None
        # Said of a file too far from time order to replay in one pass, likewise.
        self.order_note: str | None = timeline.order_note
        self._stream_end = stream_start
        if len(times):
            first, last = _moment(int(times[0])), _moment(int(times[-1]))
            span = last - first
            if span > MAX_SPAN:
                days, since, until = f"{span.days:,}", str(first.date()), str(last.date())
                # Named by their lines: one wrong date among thousands is found at once.
                said = {
                    "first_at": timeline.location_at(0),
                    "last_at": timeline.location_at(len(times) - 1),
                }
                raise SourceRefused(
                    reason(
                        "replay.too_long",
                        f"replay stream spans {days} days, from {since} ({said['first_at']}) "
                        f"to {until} ({said['last_at']}): check its dates",
                        days=days,
                        first=since,
                        last=until,
                        **said,
                    )
                )
            self.stray_note = _stray_posts(times, span, timeline.location_at)
            # In float seconds: a tiny speed overflows timedelta arithmetic. The last
            # batch waits one window more than the span.
            wall = (span + batch_window).total_seconds() / speed
            if not wall <= MAX_WALL.total_seconds():
                said = {"days": f"{span.days:,}", "speed": f"{speed:g}"}
                if wall < 1e6 * 86400:
                    took = f"{wall / 86400:,.1f}"
                    english = f"{took} days"
                    code, said["took"] = "replay.too_slow", took
                else:
                    english, code = "for ever", "replay.too_slow_for_ever"
                raise SourceRefused(
                    reason(
                        code,
                        f"replaying {said['days']} days of stream at {said['speed']}x would "
                        f"take {english}; raise the speed",
                        **said,
                    )
                )
            self._stream_end = last + self._shift
        del times
        timeline.planned()
        self._shifted = start_at is not None
        # Re-dated to the present, the last batch waits for the last post, not a window
        # more: the stream would have to start that window earlier (a day, at 100,000x).
        self._last_due = self._stream_end if to_present else None
        self._stream_start = stream_start
        self._clock = ReplayClock(stream_start, speed, monotonic, present=present)

    @classmethod
    def from_file(
        cls,
        path: Path,
        speed: float,
        *,
        default_source: str | None = None,
        zone: tzinfo = UTC,
        **options: Any,
    ) -> Replayer:
        """A replayer for a JSON Lines or CSV file; bad lines come out as rejections, first.

        Times without a zone are read in ``zone`` (the command line gives the deployment's);
        a post dated more than ``MAX_AHEAD`` after the wall clock is a rejection too. The
        file is read twice and must not change meanwhile (see the module docstring).
        """
        return cls(ReplayFile(Path(path), default_source, zone), speed, **options)

    @property
    def clock(self) -> ReplayClock:
        """Stream time: the first post's (shifted) time until playing starts, then running
        ``speed``× fast."""
        return self._clock

    @property
    def stream_start(self) -> datetime:
        return self._stream_start

    @property
    def stream_end(self) -> datetime:
        """When the last post is due (the start, for a stream without timed posts)."""
        return self._stream_end

    def __len__(self) -> int:
        """Every item of the stream: its posts and its rejected lines."""
        return self._timeline.count

    @property
    def rejected(self) -> int:
        """The stream's lines refused when it was planned (they are not played)."""
        return self._timeline.rejected

    @property
    def short_rows(self) -> int:
        """A CSV file's rows with fewer cells than its header has columns, played with the
        missing cells empty (``CsvFile.short_rows``): told as an import tells them."""
        return self._timeline.short_rows

    @property
    def first_short_row(self) -> tuple[str, int, int] | None:
        """The first of ``short_rows``: its location, cells and the header's columns."""
        return self._timeline.first_short_row

    def batches(self) -> Generator[list[Item], None, None]:
        """Release the stream in time order, sleeping (via ``sleep``) between batches.

        Stream time starts running when the first batch is asked for (if the caller has
        not started it already).
        """
        self._clock.start()
        yield from self._timeline.untimed_batches(self._max_batch)
        timed = self._timeline.timed_items()
        with closing(timed):
            pending = next(timed, None)
            while pending is not None:
                target = self._due(pending) + self._window
                if self._last_due is not None:
                    target = min(target, self._last_due)
                while (wait := self._clock.wall_seconds_until(target)) > _MIN_SLEEP:
                    self._sleep(wait)
                cutoff = max(target, self._clock.now())
                batch: list[Item] = []
                while (
                    pending is not None
                    and len(batch) < self._max_batch
                    and self._due(pending) <= cutoff
                ):
                    batch.append(self._release(pending))
                    pending = next(timed, None)
                yield batch

    def _due(self, item: Located) -> datetime:
        return _published(item) + self._shift

    def _release(self, item: Located) -> Located:
        if not self._shifted:
            return item
        original = _published(item)
        record = replace(
            item.record,
            published_at=original + self._shift,
            extra={**item.record.extra, "original_published_at": original.isoformat()},
        )
        return Located(record, item.location)


class ReplayClock:
    """Stream time of a replay: its start until ``start()``, then ``speed``× the wall clock.

    The replay is made before the store is opened and the text models are loaded; a clock
    running from then made those seconds stream time (at 100,000x, hours of it, all
    released in the first batch). So it stands still until the replay starts it, when its
    first batch is asked for, or a caller that shares it (the demo) starts it first.
    Starting it again changes nothing; it never goes back.

    ``present`` (the wall clock's time when it is made) is given for a stream re-dated to
    the present: stream time then never reads later than the wall clock (measured from
    ``present`` on ``monotonic``). The replay is shifted so that this holds while it
    plays; afterwards stream time goes on at the wall clock's pace, so what is stamped
    while the last batch is stored is not dated in the future either.
    """

    def __init__(
        self,
        start: datetime,
        speed: float,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        present: datetime | None = None,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self._start = start
        self._speed = speed
        self._mono = monotonic
        self._running: ScaledClock | None = None
        self._starting = threading.Lock()
        self._present = None if present is None else (utc(present), monotonic())

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def started(self) -> bool:
        return self._running is not None

    def start(self) -> None:
        """Let stream time run from now on (once; later calls change nothing)."""
        with self._starting:
            if self._running is None:
                self._running = ScaledClock(self._start, self._speed, self._mono)

    def now(self) -> datetime:
        running = self._running
        moment = self._start if running is None else running.now()
        wall = self._wall_now()
        return moment if wall is None else min(moment, wall)

    def wall_seconds_until(self, moment: datetime) -> float:
        """Real seconds to wait until stream time reaches ``moment`` (0 if past), counted
        from now, or from the start for a clock not started yet."""
        running = self._running
        if running is None:
            wait = max(0.0, (moment - self._start).total_seconds() / self._speed)
        else:
            wait = running.wall_seconds_until(moment)
        wall = self._wall_now()
        if wall is not None and (ahead := (moment - wall).total_seconds()) > 0:
            # A sliver more: a wait too short to sleep must not leave it a microsecond ahead.
            wait = max(wait, ahead + _MIN_SLEEP)
        return wait

    def _wall_now(self) -> datetime | None:
        if self._present is None:
            return None
        present, then = self._present
        return present + timedelta(seconds=self._mono() - then)


def _lead(times: _Times, speed: float) -> timedelta:
    """How long before the present a stream re-dated to it starts (see ``ReplayClock``).

    Stream time gains ``1 - 1/speed`` of a second on the wall clock every stream second;
    over the stream's span (its last batch waits for no more) it must not gain more than
    it starts behind.
    """
    if speed <= 1 or not len(times):  # untimed items come at once, at the start
        return timedelta(0)
    span = _moment(int(times[-1])) - _moment(int(times[0]))
    if span > MAX_SPAN:
        return timedelta(0)  # refused below, with the reason
    return span * (1 - 1 / speed)


@dataclass(frozen=True, slots=True)
class ReplayFile:
    """A JSON Lines or CSV file to replay: ``Replayer(ReplayFile(path), speed)`` is
    ``Replayer.from_file(path, speed)``. Iterating it reads the file once, in file order.
    """

    path: Path
    default_source: str | None = None
    zone: tzinfo = UTC

    def __iter__(self) -> Iterator[Item]:
        return iter(open_import(self.path, self.default_source, self.zone).read())


class _Timeline(Protocol):
    """Where a replay's items come from: held in memory, or read from a file."""

    count: int  # every item, timed or not
    rejected: int
    first_rejection: Rejection | None
    order_note: str | None
    # A CSV file's rows shorter than its header, kept with the missing cells empty
    # (``CsvFile.short_rows``, ``first_short_row``), as planning read them.
    short_rows: int
    first_short_row: tuple[str, int, int] | None

    def sorted_times(self) -> _Times:
        """The timed posts' times (µs since 1970) in replay order; for planning only."""
        ...

    def location_at(self, index: int) -> str:
        """The location of the timed post at ``index`` of ``sorted_times()``."""
        ...

    def planned(self) -> None:
        """Planning is over: drop what only it needed."""
        ...

    def untimed_batches(self, size: int) -> Iterator[list[Item]]: ...

    def timed_items(self) -> Generator[Located, None, None]:
        """The timed posts in time order, posts of the same time in input order."""
        ...

    def nothing(self) -> SourceError:
        """The refusal of a stream without a single item."""
        ...


def _too_many(max_items: int, held: bool) -> SourceRefused:
    limit = f"{max_items:,}"
    why = " (the whole stream is held in memory)" if held else ""
    return SourceRefused(
        reason(
            "replay.too_many_held" if held else "replay.too_many",
            f"replay stream has more than {limit} items; split it or raise max_items{why}",
            limit=limit,
        )
    )


def _untimed(timeline: _Timeline) -> SourceError:
    """The refusal of a stream without a single time to play it by.

    A stream of nothing, and one whose every line was refused (a GBK file: not UTF-8), is
    told as such: replaying it with --now would not help.
    """
    rejected, first = timeline.rejected, timeline.first_rejection
    if timeline.count == 0:
        return timeline.nothing()
    if first is not None and rejected == timeline.count:
        count = f"{rejected:,}"
        if rejected > 1:
            which = f"all {count} lines were rejected, the first: {first}"
        else:
            which = f"its one line was rejected: {first}"
        return SourceRefused(
            reason(
                "replay.all_rejected",
                f"replay stream has no post with a valid published_at: {which}",
                count=count,
                location=first.location,
                problem=record_reason(first.problem),
            )
        )
    tail = "so it has no stream time; to replay it anyway, start it now (yuqing replay --now)"
    if not rejected or first is None:
        english = f"replay stream has no post with a valid published_at, {tail}"
        return SourceRefused(reason("replay.no_times", english))
    count = f"{rejected:,}"
    english = (
        f"replay stream has no post with a valid published_at ({count} lines rejected, the "
        f"first: {first}), {tail}"
    )
    return SourceRefused(
        reason(
            "replay.no_times_rejected",
            english,
            count=count,
            location=first.location,
            # Said in the reader's language too (an import's refusal has its code).
            problem=record_reason(first.problem),
        )
    )


class _HeldTimeline:
    """Every item in memory, the timed ones sorted (a replay of an iterable)."""

    def __init__(self, items: Iterable[Item], max_items: int) -> None:
        self._untimed: list[Item] = []
        self._timed: list[Located] = []
        self.rejected = 0
        self.first_rejection: Rejection | None = None
        self.order_note: str | None = None
        self.short_rows = 0
        self.first_short_row: tuple[str, int, int] | None = None
        self.count = 0
        for count, item in enumerate(items, start=1):
            if count > max_items:
                raise _too_many(max_items, held=True)
            if isinstance(item, Located) and item.record.published_at is not None:
                self._timed.append(item)
            else:
                self._untimed.append(item)
                if isinstance(item, Rejection):
                    self.rejected += 1
                    self.first_rejection = self.first_rejection or item
            self.count = count
        # Stable: posts with the same time keep their input order.
        self._timed.sort(key=_published)

    def sorted_times(self) -> _Times:
        return np.fromiter(
            (_micros(item) for item in self._timed), dtype=np.int64, count=len(self._timed)
        )

    def location_at(self, index: int) -> str:
        return self._timed[index].location

    def planned(self) -> None:
        pass

    def untimed_batches(self, size: int) -> Iterator[list[Item]]:
        for start in range(0, len(self._untimed), size):
            yield self._untimed[start : start + size]

    def timed_items(self) -> Generator[Located, None, None]:
        yield from self._timed

    def nothing(self) -> SourceError:
        return SourceRefused(reason("replay.no_posts", "replay stream holds no posts"))


@dataclass(frozen=True, slots=True)
class _Stamp:
    size: int
    mtime_ns: int
    inode: int


class _FileTimeline:
    """A file read once to plan and again to play, holding at most ``max_held`` items.

    Planning keeps each timed post's time in file order. When they are in order (the
    usual recording) that is all, and only until planning ends: playing streams the file.
    Otherwise it keeps each timed post's rank in time order too (its *ordinal* is its
    place among the file's timed posts), and playing reads the file holding the posts
    read before their turn: at most ``lookahead`` of them, which planning computes. When
    that is more than ``max_held``, only posts whose rank is within ``max_held`` of the
    next one due are held, and the file is read again for the others, as often as needed.
    """

    def __init__(self, file: ReplayFile, max_items: int, max_held: int, now: datetime) -> None:
        self._file = file
        self._path = file.path
        # The plan's wall clock: every read refuses the same posts as dated in the future.
        self._now = now
        source = open_import(file.path, file.default_source, file.zone)  # names a bad path
        self._stamp = self._stat()
        self._max_held = max_held
        self.count = 0
        self.rejected = 0
        self.first_rejection: Rejection | None = None
        self.order_note: str | None = None
        times = array("q")
        untimed: list[Item] | None = []
        in_order = True
        previous = lowest = 0
        # In file order: the widest gap between consecutive posts, and the post after it.
        widest, after_widest = -1, ""
        first_location = last_location = ""
        highest = 0
        digest = 0
        with closing(_items_of(source, now)) as items:
            for count, item in enumerate(items, start=1):
                if count > max_items:
                    raise _too_many(max_items, held=False)
                self.count = count
                if isinstance(item, Located) and item.record.published_at is not None:
                    moment = _micros(item)
                    if not times:
                        lowest, first_location = moment, item.location
                        highest, last_location = moment, item.location
                    else:
                        if moment < previous:
                            in_order = False
                        elif moment - previous > widest:
                            widest, after_widest = moment - previous, item.location
                        if moment < lowest:
                            lowest, first_location = moment, item.location
                        if moment >= highest:  # of equal times, the last in file order
                            highest, last_location = moment, item.location
                    times.append(moment)
                    previous = moment
                    digest = _digest(digest, moment)
                    continue
                if isinstance(item, Rejection):
                    self.rejected += 1
                    self.first_rejection = self.first_rejection or item
                if untimed is not None:
                    untimed = untimed if len(untimed) < max_held else None
                    if untimed is not None:
                        untimed.append(item)
        self._check_unchanged()
        # Counted by the reader once it has read the file through (playing reads it again).
        self.short_rows: int = getattr(source, "short_rows", 0)
        self.first_short_row: tuple[str, int, int] | None = getattr(source, "first_short_row", None)
        self._untimed = untimed
        self._digest = digest
        self._timed_count = len(times)
        self._first_location = first_location
        self._last_location = last_location
        self._after_widest = after_widest if in_order else None
        file_order: _Times = np.frombuffer(times, dtype=np.int64) if times else _empty()
        self._file_order: _Times | None = file_order
        self._rank: npt.NDArray[Any] | None = None
        self._sorted: _Times = file_order
        self._window = self._timed_count  # no limit: the look-ahead fits
        if in_order:
            return
        order = np.argsort(file_order, kind="stable")
        self._sorted = file_order[order]
        # Rank k is released after reading the file up to the last of ranks 0..k; held
        # meanwhile: the posts read before it that come after it.
        ahead = np.maximum.accumulate(order)
        ahead -= np.arange(len(order))
        lookahead = int(ahead.max())
        del ahead
        rank_type = np.int32 if len(order) < 2**31 else np.int64
        rank = np.empty(len(order), dtype=rank_type)
        rank[order] = np.arange(len(order), dtype=rank_type)
        self._rank = rank
        del order
        if lookahead >= max_held:
            self._window = max_held
            passes = -(-self._timed_count // max_held)
            said = {
                "file": str(self._path),
                "lookahead": f"{lookahead:,}",
                "held": f"{max_held:,}",
                "passes": f"{passes:,}",
            }
            self.order_note = reason(
                "replay.out_of_order",
                f"{said['file']} is far from time order: replaying it in one pass would hold "
                f"up to {said['lookahead']} posts read before their turn, more than the "
                f"{said['held']} a replay holds (max_held); it reads the file again for them "
                f"instead, up to {said['passes']} times, pausing the replay while it reads; "
                "sort the file by published_at to replay it in one pass",
                **said,
            )

    # -- planning
    def sorted_times(self) -> _Times:
        return self._sorted

    def location_at(self, index: int) -> str:
        if index == 0:
            return self._first_location
        if index == self._timed_count - 1:
            return self._last_location
        if self._after_widest is not None:
            return self._after_widest  # in file order, the stray is after the widest gap
        # Rare (a stray date in a file out of order): read up to the post.
        ordinal = index if self._rank is None else int(np.flatnonzero(self._rank == index)[0])
        with closing(self._timed_in_file_order()) as posts:
            for position, item in enumerate(posts):
                if position == ordinal:
                    return item.location
        raise self._changed()

    def planned(self) -> None:
        self._sorted = _empty()
        if self._rank is None:
            self._file_order = None  # in order: checked as read, not against a copy

    # -- playing
    def untimed_batches(self, size: int) -> Iterator[list[Item]]:
        if self._untimed is not None:
            for start in range(0, len(self._untimed), size):
                yield self._untimed[start : start + size]
            return
        # More than max_held of them: read them again, a batch at a time.
        batch: list[Item] = []
        with closing(self._read()) as items:
            for item in items:
                if not (isinstance(item, Located) and item.record.published_at is not None):
                    batch.append(item)
                    if len(batch) == size:
                        yield batch
                        batch = []
        if batch:
            yield batch

    def timed_items(self) -> Generator[Located, None, None]:
        total = self._timed_count
        rank = self._rank
        window = self._window
        due = 0  # the rank of the next post to release
        held: dict[int, Located] = {}
        while due < total:
            before = due
            with closing(self._timed_in_file_order()) as posts:
                for ordinal, item in enumerate(posts):
                    place = ordinal if rank is None else int(rank[ordinal])
                    if place == due:
                        yield item
                        due += 1
                        while due in held:
                            yield held.pop(due)
                            due += 1
                    elif due < place < due + window:
                        held[place] = item
            if due == before:  # each pass releases at least the post due: unless...
                raise self._changed()
        self._check_unchanged()

    def _timed_in_file_order(self) -> Generator[Located, None, None]:
        """One more read of the file's timed posts, checked against the plan."""
        expected = self._file_order
        total = self._timed_count
        ordinal = 0
        previous: int | None = None
        digest = 0
        for item in self._read():
            if not (isinstance(item, Located) and item.record.published_at is not None):
                continue
            moment = _micros(item)
            if ordinal >= total:
                raise self._changed()
            if expected is not None:
                if int(expected[ordinal]) != moment:
                    raise self._changed()
            elif previous is not None and moment < previous:
                raise self._changed()  # planned as in time order
            previous = moment
            digest = _digest(digest, moment)
            ordinal += 1
            yield item
        if ordinal != total or digest != self._digest:
            raise self._changed()

    def _read(self) -> Generator[Item, None, None]:
        """The file's items once more, after checking it is the file planned."""
        self._check_unchanged()
        count = 0
        again = open_import(self._path, self._file.default_source, self._file.zone)
        with closing(_items_of(again, self._now)) as items:
            for item in items:
                count += 1
                if count > self.count:
                    raise self._changed()
                yield item
        if count != self.count:
            raise self._changed()
        self._check_unchanged()

    def _stat(self) -> _Stamp:
        try:
            status = os.stat(self._path)
        except OSError:
            raise self._changed() from None
        return _Stamp(status.st_size, status.st_mtime_ns, status.st_ino)

    def _check_unchanged(self) -> None:
        if self._stat() != self._stamp:
            raise self._changed()

    def nothing(self) -> SourceError:
        if self._stamp.size == 0:
            said = reason("replay.empty_file", "the file is empty: it holds no posts to replay")
        else:
            said = reason(
                "replay.no_posts_in_file",
                "the file holds no posts to replay (only a header, or blank lines)",
            )
        return FileRefused(self._path, said)

    def _changed(self) -> SourceRefused:
        return SourceRefused(
            reason(
                "replay.changed",
                f"{self._path}: the file changed during the replay, which reads it again to "
                "play it; replay a copy that nothing writes to",
                file=str(self._path),
            )
        )


def _items_of(source: Source, now: datetime) -> Generator[Item, None, None]:
    """The source's items, closing its file when closed (``yield from`` passes it on);
    a post dated more than ``MAX_AHEAD`` after ``now`` comes as a rejection, as an import
    would refuse it."""
    latest = now + MAX_AHEAD
    items = source.read()
    try:
        for item in items:
            if isinstance(item, Located):
                published = item.record.published_at
                if published is not None and published > latest:
                    yield Rejection(item.location, future_reason(published, now))
                    continue
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # the reader's file, at once


def _digest(digest: int, moment: int) -> int:
    """A running hash of the times read (a file in order is checked with it, not a copy)."""
    return (digest * 1_000_003 + moment) & 0xFFFF_FFFF_FFFF_FFFF


def _empty() -> _Times:
    return np.empty(0, dtype=np.int64)


# A gap that is this share of a stream's whole span, in a stream longer than STRAY_SPAN,
# sets a few posts apart from all the others: a wrong date, not a quiet spell.
STRAY_GAP_SHARE = 0.9
STRAY_SPAN = timedelta(days=2)
STRAY_MIN_REST = 10


def _stray_posts(times: _Times, span: timedelta, location_at: Callable[[int], str]) -> str | None:
    """A note on the few first or last posts that lie far from all the others, if any.

    ``times`` are the posts' times in order; ``location_at(i)`` names the post at ``i``.
    One post dated half a year late stretched a four-hour stream over that half year: at
    1,000x the replay then waits hours in silence for it. It may be a wrong date, or a
    lone post long before a burst (streams have those), so it is told, not refused.
    """
    count = len(times)
    if span <= STRAY_SPAN or count < STRAY_MIN_REST:
        return None
    gaps = np.diff(times)
    cut = int(np.argmax(gaps)) + 1  # the first of the widest
    widest = int(gaps[cut - 1]) * _MICROSECOND
    if widest < span * STRAY_GAP_SHARE:
        return None
    # The smaller side of the widest gap holds the strays, if it is a few posts against
    # many (two bursts a month apart are two bursts).
    before = cut <= count - cut
    strays = cut if before else count - cut
    if count - strays < STRAY_MIN_REST or strays > max(3, count // 100):
        return None
    first = 0 if before else cut
    others = f"{strays - 1:,}"
    more = reason("replay.more", f" and {others} more", count=others) if strays > 1 else ""
    side = "before" if before else "after"
    said = {
        "location": location_at(first),
        "time": _moment(int(times[first])).isoformat(),
        "days": f"{widest.days:,}",
    }
    return reason(
        f"replay.stray_{side}",
        f"{said['location']}{more}: published_at {said['time']} lies {said['days']} days "
        f"{side} the rest of the stream; the replay waits that long (scaled by the speed) "
        "for it; check its date if that is not meant",
        more=more,
        **said,
    )


def _published(item: Located) -> datetime:
    moment = item.record.published_at
    assert moment is not None  # only timed items are sorted and scheduled
    return utc(moment)


def _micros(item: Located) -> int:
    """A timed post's time as whole microseconds since 1970 (exact, and orders alike)."""
    return (_published(item) - _EPOCH) // _MICROSECOND


def _moment(micros: int) -> datetime:
    return _EPOCH + micros * _MICROSECOND
