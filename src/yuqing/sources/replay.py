"""Replay a recorded stream of posts with its original timing, sped up.

The ``Replayer`` releases posts in batches as *stream time* reaches their
``published_at``. Stream time is a ``ScaledClock`` (``Replayer.clock``) that starts at the
first post's time and runs ``speed`` times faster than the wall clock, so the rest of
the system can run on it: at ``speed=60`` a ten-minute stream plays in ten seconds, and
timers, windows and deadlines inside yuqing see ten minutes pass.

Memory: the whole stream is loaded and sorted before the first batch (input need not
be in time order). That costs roughly 2-3 KB per post of a short-post stream (see the
sources README for the measurement); ``max_items`` (default 5,000,000) stops an
oversized stream with a clear error instead of exhausting memory.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.core.clock import ScaledClock, utc
from yuqing.errors import SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import open_import

MAX_REPLAY_ITEMS = 5_000_000
MAX_BATCH = 10_000
# A stream longer than this has a wrong date in it (a drill replays days, not decades).
MAX_SPAN = timedelta(days=3660)
# ... and one that would take longer than this to play is a mistaken speed.
MAX_WALL = timedelta(days=30)
# Waits shorter than this (wall seconds) are not worth a sleep; it also ends the wait
# loop when float rounding leaves a sliver of time.
_MIN_SLEEP = 1e-6


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

    ``start_at`` shifts the whole stream so its first post happens at ``start_at``
    (e.g. "now" for a demo). Released records then carry the shifted ``published_at``
    and keep the original one, ISO-8601, in ``record.extra["original_published_at"]``.

    Stream time starts running when the ``Replayer`` is made.
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
        max_items: int = MAX_REPLAY_ITEMS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        if batch_window < timedelta(0):
            raise ValueError("batch_window must not be negative")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._sleep = sleep
        self._window = batch_window
        self._max_batch = max_batch
        self._untimed: list[Item] = []
        self._timed: list[Located] = []
        rejected: list[Rejection] = []
        for count, item in enumerate(items, start=1):
            if count > max_items:
                raise SourceError(
                    f"replay stream has more than {max_items:,} items; "
                    "split it or raise max_items (the whole stream is held in memory)"
                )
            if isinstance(item, Located) and item.record.published_at is not None:
                self._timed.append(item)
            else:
                self._untimed.append(item)
                if isinstance(item, Rejection):
                    rejected.append(item)
        # Stable: posts with the same time keep their input order.
        self._timed.sort(key=_published)
        if self._timed:
            first = _published(self._timed[0])
            self._shift = utc(start_at) - first if start_at is not None else timedelta(0)
            stream_start = first + self._shift
        elif start_at is not None:
            self._shift = timedelta(0)
            stream_start = utc(start_at)
        else:
            why = ""
            if rejected:
                why = f" ({len(rejected):,} lines rejected, the first: {rejected[0]})"
            raise SourceError(
                f"replay stream has no post with a valid published_at{why}, so it has no "
                "stream time; to replay it anyway, start it now (yuqing replay --now)"
            )
        # Said of posts far from all the others (see _stray_posts), for the caller to show.
        self.stray_note: str | None = None
        if self._timed:
            span = _published(self._timed[-1]) - _published(self._timed[0])
            if span > MAX_SPAN:
                raise SourceError(
                    f"replay stream spans {span.days:,} days, from "
                    f"{_published(self._timed[0]).date()} to "
                    f"{_published(self._timed[-1]).date()}: check its dates"
                )
            self.stray_note = _stray_posts(self._timed, span)
            # In float seconds: a tiny speed overflows timedelta arithmetic. The last
            # batch waits one window more than the span.
            wall = (span + batch_window).total_seconds() / speed
            if not wall <= MAX_WALL.total_seconds():
                took = f"{wall / 86400:,.1f} days" if wall < 1e6 * 86400 else "for ever"
                raise SourceError(
                    f"replaying {span.days:,} days of stream at {speed:g}x would take "
                    f"{took}; raise the speed"
                )
        self._shifted = start_at is not None
        self._stream_start = stream_start
        self._clock = ScaledClock(stream_start, speed, monotonic)

    @classmethod
    def from_file(
        cls, path: Path, speed: float, *, default_source: str | None = None, **options: Any
    ) -> Replayer:
        """A replayer for a JSON Lines or CSV file; bad lines come out as rejections, first."""
        return cls(open_import(path, default_source).read(), speed, **options)

    @property
    def clock(self) -> ScaledClock:
        """Stream time: starts at the first post's (shifted) time, runs ``speed``× fast."""
        return self._clock

    @property
    def stream_start(self) -> datetime:
        return self._stream_start

    @property
    def stream_end(self) -> datetime:
        """When the last post is due (the start, for a stream without timed posts)."""
        return self._due(self._timed[-1]) if self._timed else self._stream_start

    def __len__(self) -> int:
        return len(self._timed) + len(self._untimed)

    def batches(self) -> Iterator[list[Item]]:
        """Release the stream in time order, sleeping (via ``sleep``) between batches."""
        for start in range(0, len(self._untimed), self._max_batch):
            yield self._untimed[start : start + self._max_batch]
        timed = self._timed
        position = 0
        while position < len(timed):
            target = self._due(timed[position]) + self._window
            while (wait := self._clock.wall_seconds_until(target)) > _MIN_SLEEP:
                self._sleep(wait)
            cutoff = max(target, self._clock.now())
            batch: list[Item] = []
            while (
                position < len(timed)
                and len(batch) < self._max_batch
                and self._due(timed[position]) <= cutoff
            ):
                batch.append(self._release(timed[position]))
                position += 1
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


# A gap that is this share of a stream's whole span, in a stream longer than STRAY_SPAN,
# sets a few posts apart from all the others: a wrong date, not a quiet spell.
STRAY_GAP_SHARE = 0.9
STRAY_SPAN = timedelta(days=2)
STRAY_MIN_REST = 10


def _stray_posts(timed: list[Located], span: timedelta) -> str | None:
    """A note on the few first or last posts that lie far from all the others, if any.

    One post dated half a year late stretched a four-hour stream over that half year: at
    1,000x the replay then waits hours in silence for it. It may be a wrong date, or a
    lone post long before a burst (streams have those), so it is told, not refused.
    """
    if span <= STRAY_SPAN or len(timed) < STRAY_MIN_REST:
        return None
    gaps = [
        (_published(b) - _published(a), i)
        for i, (a, b) in enumerate(itertools.pairwise(timed), start=1)
    ]
    widest, cut = max(gaps, key=lambda g: g[0])
    if widest < span * STRAY_GAP_SHARE:
        return None
    # The smaller side of the widest gap holds the strays, if it is a few posts against
    # many (two bursts a month apart are two bursts).
    strays = timed[:cut] if cut <= len(timed) - cut else timed[cut:]
    if len(timed) - len(strays) < STRAY_MIN_REST or len(strays) > max(3, len(timed) // 100):
        return None
    first = strays[0]
    more = f" and {len(strays) - 1:,} more" if len(strays) > 1 else ""
    side = "before" if strays[0] is timed[0] else "after"
    return (
        f"{first.location}{more}: published_at {_published(first).isoformat()} lies "
        f"{widest.days:,} days {side} the rest of the stream; the replay waits that long "
        "(scaled by the speed) for it; check its date if that is not meant"
    )


def _published(item: Located) -> datetime:
    moment = item.record.published_at
    assert moment is not None  # only timed items are sorted and scheduled
    return utc(moment)
