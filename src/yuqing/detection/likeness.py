"""Recent posts by their weighted words, to find the event an unnamed comment is most like.

Most comments on a hot topic never name it ("一路走好", "太可怕了", "支持严查"): their words
give the event's anchors no evidence, so membership (``EventDetector._best_owner``) leaves
them out. What they do share is wording with the event's *other* comments. This index keeps
the idf-weighted words of recent posts, those that joined events (members, up to
``members_per_event`` per event within ``member_window``) and those that joined none
(background, up to ``background_posts`` within ``background_window``), and tells how close a
new post comes to each: the mean cosine of its five closest posts of each event, and of the
background. The detector attaches a post to an event only when it is closer to that event's
posts than to the background's, so chatter that resembles chatter stays out.

Only the most recent ``postings`` posts holding a word are read for it, which bounds the
cost of a look whatever the stream's volume. Entries are kept in insertion order; ties and
truncation depend on that order, so ``to_state``/``from_state`` keep it exactly.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from typing import Any

__all__ = ["Likeness", "LikenessIndex"]


def _seq(entry: Likeness) -> int:
    return entry.seq


_CLOSEST = 5  # posts averaged per event: one copy alone does not make a resemblance


class Likeness:
    """One post's weighted words, held for an event (``owner``) or for the background."""

    __slots__ = ("alive", "owner", "post_id", "seq", "weights", "when")

    def __init__(
        self,
        owner: Hashable | None,
        when: float,
        weights: dict[str, float],
        post_id: str,
        seq: int,
    ) -> None:
        self.seq = seq  # insertion order, which settles merges
        self.owner = owner
        self.when = when
        self.weights = weights
        self.post_id = post_id
        self.alive = True


class LikenessIndex:
    """An inverted index (word -> recent posts holding it) over members and background."""

    def __init__(
        self,
        *,
        member_window: float,
        background_window: float,
        members_per_event: int,
        background_posts: int,
        postings: int,
    ) -> None:
        self._member_window = member_window
        self._background_window = background_window
        self._members_per_event = members_per_event
        self._background_posts = background_posts
        self._postings = postings
        self._horizon = max(member_window, background_window)
        self._order: deque[Likeness] = deque()  # insertion order, for expiry
        self._dead = 0  # entries of _order no longer indexed
        self._seq = 0
        self._index: dict[str, dict[Likeness, float]] = {}
        self._by_owner: dict[Hashable | None, deque[Likeness]] = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_owner.values())

    def retained(self) -> int:
        """Entries kept in memory, live or waiting to be forgotten (bounded; for tests)."""
        return len(self._order)

    def add(
        self, owner: Hashable | None, when: float, weights: dict[str, float], post_id: str
    ) -> Likeness:
        """Hold a post's words for ``owner`` (an event), or for the background (None)."""
        entry = Likeness(owner, when, weights, post_id, self._seq)
        self._seq += 1
        self._order.append(entry)
        index = self._index
        for term, weight in weights.items():
            holders = index.get(term)
            if holders is None:
                index[term] = {entry: weight}
            else:
                holders[entry] = weight
        held = self._by_owner.get(owner)
        if held is None:
            held = self._by_owner[owner] = deque()
        held.append(entry)
        cap = self._background_posts if owner is None else self._members_per_event
        while len(held) > cap:
            self._unindex(held.popleft())
        return entry

    def drop(self, entry: Likeness) -> None:
        """Forget one post (a background post that an event took in after all)."""
        if not entry.alive:
            return
        held = self._by_owner[entry.owner]  # a live entry is always held by its owner
        held.remove(entry)
        if not held:
            del self._by_owner[entry.owner]
        self._unindex(entry)

    def expire(self, now: float) -> None:
        """Forget posts older than the longer window (the shorter one is applied on reading)."""
        order = self._order
        horizon = now - self._horizon
        while order and (not order[0].alive or order[0].when < horizon):
            entry = order.popleft()
            if entry.alive:
                # Posts come in time order except a new event's first posts, which are a
                # little older: the owner's oldest held post is this one or already gone.
                held = self._by_owner[entry.owner]
                held.remove(entry)
                if not held:
                    del self._by_owner[entry.owner]
                self._unindex(entry)
            self._dead -= 1
        if self._dead > 1000 and self._dead > len(order) - self._dead:
            # Evicted and dropped posts wait behind an old live one: keep the live ones.
            self._order = deque(entry for entry in order if entry.alive)
            self._dead = 0

    def reassign(self, gone: Hashable, keep: Hashable) -> None:
        """Event ``gone`` merged into ``keep``: its posts count for ``keep`` now."""
        moved = self._by_owner.pop(gone, None)
        if not moved:
            return
        for entry in moved:
            entry.owner = keep
        held = self._by_owner.get(keep)
        merged = list(moved) if held is None else sorted([*held, *moved], key=_seq)
        held = self._by_owner[keep] = deque(merged)
        while len(held) > self._members_per_event:
            self._unindex(held.popleft())

    def forget(self, owner: Hashable) -> None:
        """An event retired: its posts resemble nothing any more."""
        for entry in self._by_owner.pop(owner, ()):
            self._unindex(entry)

    def closest(
        self, weights: Mapping[str, float], now: float
    ) -> tuple[dict[Hashable, float], float]:
        """Per event, the mean cosine of the post's closest posts, and the background's."""
        member_from = now - self._member_window
        background_from = now - self._background_window
        scores: dict[Likeness, float] = {}
        index = self._index
        for term, weight in weights.items():
            holders = index.get(term)
            if holders is None:
                continue
            for entry, held in itertools.islice(reversed(holders.items()), self._postings):
                scores[entry] = scores.get(entry, 0.0) + weight * held
        by_owner: dict[Hashable | None, list[float]] = {}
        for entry, score in scores.items():
            since = background_from if entry.owner is None else member_from
            if entry.when < since:
                continue
            found = by_owner.get(entry.owner)
            if found is None:
                by_owner[entry.owner] = [score]
            else:
                found.append(score)
        background = by_owner.pop(None, [])
        closest = {
            owner: sum(heapq.nlargest(_CLOSEST, values)) / _CLOSEST
            for owner, values in by_owner.items()
            if owner is not None
        }
        return closest, sum(heapq.nlargest(_CLOSEST, background)) / _CLOSEST

    def _unindex(self, entry: Likeness) -> None:
        if not entry.alive:
            return
        entry.alive = False
        self._dead += 1
        index = self._index
        for term in entry.weights:
            holders = index.get(term)
            if holders is not None:
                holders.pop(entry, None)
                if not holders:
                    del index[term]
        entry.weights = {}

    # --- state ----------------------------------------------------------------------------

    def to_state(self, owner_id: Callable[[Hashable], str]) -> list[Any]:
        """The held posts in insertion order: ``[event id or None, time, post id, words]``."""
        return [
            [
                None if entry.owner is None else owner_id(entry.owner),
                entry.when,
                entry.post_id,
                [[term, weight] for term, weight in entry.weights.items()],
            ]
            for entry in self._order
            if entry.alive
        ]

    def restore(
        self, items: list[tuple[Hashable | None, float, str, dict[str, float]]]
    ) -> list[Likeness]:
        """Re-add saved posts (already checked) in their order; returns the new entries."""
        return [self.add(owner, when, weights, post_id) for owner, when, post_id, weights in items]
