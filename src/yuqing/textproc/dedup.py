"""Near-duplicate posts: which story (set of copies and reposts) each post belongs to.

``NearDuplicateIndex.assign`` gives each post a story key: the story of a near-duplicate
already in the index (a repost, a copy with small edits), or the post's own key when it
starts a new story. Posts of one batch can match each other, in batch order.

How: MinHash over character shingles, with LSH banding to find candidates.

* A post's text is normalised (``normalise_batch``) and lower-cased; repost and reply
  markers (``//@u_xxx:``, ``RT @x:``, ``回复@x:``, ``转发微博``), @-handles, links and
  Weibo topic tags (``#武汉加油#``: shared by unrelated posts, it would make them look
  alike) are removed, and so is media and share-button boilerplate (``来源：…``,
  ``责任编辑：…``, ``原标题：``, copyright footers, ``点击链接查看``, ``我分享了…``);
  then only letters, digits and Han characters are kept: punctuation and spacing
  edits do not count. Texts shorter than ``min_chars`` after this are too short to tell a copy from
  a coincidence (加油加油): they always start their own story and are not indexed.
* The shingles are the character 3-grams of at most ``max_chars`` characters, hashed with a
  fixed numpy hash (murmur3's 64-bit finaliser), so stories are the same in every process;
  the ``num_perm`` MinHash values come from ``a * x + b`` permutations of those 32-bit
  hashes, with fixed seeds. All of it is numpy over the batch.
* LSH: ``bands`` bands of ``rows`` values; posts sharing any band are candidates. A
  candidate is a near-duplicate when the share of equal MinHash values (the estimated
  Jaccard similarity of the shingle sets) reaches ``threshold``; the most similar wins.
  Unless each of the two has at least two numbers the other lacks (a 64-bit mask of each
  post's digit runs is kept): that is one template filled in twice (two counties' weather
  warnings, one fire brigade's notices of two fires, a quake bot's two quakes), not a copy.
  A copy may add numbers, lose some, or correct one figure (7.9 -> 7.6) and still match.

The index holds only the active window: posts older than the newest time seen minus
``window`` are dropped (in bulk, at each ``assign``), so memory follows the window, not
the history (about 1.3-1.6 KB a post). A batch holding posts from before that keeps the
posts of their window for it, but at most a day more: an old post in every batch (a
feed's old item, an unsorted import) does not keep the history. A band bucket points at
its newest post, so a late post never hides a newer one. After a
restart, ``rebuild`` warms it from stored posts and their story keys.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from yuqing.core.privacy import HANDLE_CHARS
from yuqing.textproc.normalise import normalise_batch

__all__ = ["NearDuplicateIndex", "dedup_text"]

_U64 = npt.NDArray[np.uint64]
_U32 = npt.NDArray[np.uint32]

# Repost/reply markers and handles, links, and the default text of a bare repost, in
# lower case. The batch is worked joined by _SEP, which no pattern may cross; the
# lookahead lets the regex engine skip most positions at once.
_SEP = "\ue000"
# A handle ends where privacy's does (core/privacy.py): at a space or punctuation, so
# "@u_0123456789ab【北京…】" loses the handle, not the news after it. A topic tag holds no
# space: "#Boston #prayers" are two hashtags, not a topic spanning the tweet between them.
# Emoticon codes ([蜡烛], [doge]) are markup, not words.
_HANDLE = HANDLE_CHARS + "{1,30}"
_MARKERS = re.compile(
    r"(?=[/回r@＠hw转轉#\[])(?://\s*@[^\s:：\ue000]{1,30}\s*[:：]?|#[^#\s\ue000]{1,40}#"
    rf"|回复\s*@[^\s:：\ue000]{{1,30}}\s*[:：]?|\brt\s+@\w+\s*:?|[@＠]{_HANDLE}"
    r"|\[[^\[\]\s\ue000]{1,8}\]"
    r"|(?:https?://|www\.)[\x21-\x7e]+|转发微博|轉發微博|repost)"
)
# Boilerplate that media and share buttons put around a post, in lower case after
# normalisation: a source or editor line with its name, a copyright footer, "原标题:" (its
# title stays), share-button text. Two short news items under one outlet's footer (化工厂起火
# / 学校食物中毒, each followed by 来源:…客户端,责任编辑:…,版权归原作者所有,如有侵权请联系删除)
# were mostly footer, and one story; and "我分享了一个视频 点击链接查看" with two different
# links was nothing but this.
# The lookahead names the first character of every alternative: the engine skips other
# positions at once instead of trying each alternative there (it was four times slower
# than _MARKERS).
_BOILERPLATE = re.compile(
    r"(?=[本图视文来责编审转原版如点网展收阅我分的秒微])"
    r"(?:(?:本文|图片|视频|文章)?(?:来源|责任编辑|编辑|审核|转自|转载自)\s*[:：]\s*"
    r"[^\s,，.。;；!！?？)）】\]|｜/\ue000]{0,12}"
    r"|原标题\s*[:：]|本文(?:为|系)?转载|转载请注明出处|版权归原作者所有|如有侵权请?联系删除"
    r"|点击(?:链接|下方链接|阅读原文)?查看(?:更多|全文|详情)?|网页链接|展开全文|收起全文|阅读原文"
    r"|我(?:刚刚)?分享了(?:一个|一篇|一条)?|分享自|的微博视频|(?:秒拍|微博)视频)"
)
# Distinct shingles a text needs to be indexed: 哈哈哈哈哈哈哈哈哈哈, 已阅已阅已阅已阅 and
# 66666666666666 are long enough but say one thing over and over, and every such post
# would be a copy of every other (they merged four unrelated events' comments).
_MIN_DISTINCT_SHINGLES = 6
# The leading shingles of a text in which that many distinct ones are looked for first.
_HEAD_SHINGLES = 16
_SHINGLE = 3
# Shingles hashed per MinHash step; bounds the (shingles x num_perm) scratch matrix.
_CHUNK_SHINGLES = 1 << 15
# (post, candidate) pairs compared per numpy step; bounds the (pairs x num_perm) scratch.
_CHUNK_PAIRS = 1 << 14
# Numbers that each of two similar texts must have and the other lack for them to be one
# template filled in twice rather than copies (see ``assign``). One is too few: a copy
# corrects a figure (magnitude 7.9 -> 7.6, "8 dead" -> "1 dead") and is still the story.
_CLASHING_NUMBERS = 2
_KEY_MASK = np.uint64((1 << 60) - 1)
_MIN_CAPACITY = 1024  # 60-bit bucket keys: small Python ints
_MAX_AHEAD_S = 24 * 3600.0  # core.posts refuses posts dated more than a day ahead


def _fmix64(x: _U64) -> _U64:
    """Murmur3's 64-bit finaliser, in place on a uint64 array (wrapping arithmetic)."""
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


@functools.cache
def _word_chars() -> npt.NDArray[np.bool_]:
    """Which code points are letters or digits (what shingles are made of)."""
    table = np.zeros(0x110000, dtype=bool)
    table[[cp for cp in range(0x32400) if chr(cp).isalnum()]] = True
    return table


def _dedup_code_points(texts: Sequence[str]) -> tuple[_U32, npt.NDArray[np.int64]]:
    """The compared characters of all texts, concatenated, and each text's length."""
    joined = _SEP.join(t.replace(_SEP, "") for t in texts)
    joined = _BOILERPLATE.sub(" ", _MARKERS.sub(" ", joined.lower()))
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    boundary = cps == ord(_SEP)
    keep = _word_chars()[cps]
    owner = np.cumsum(boundary)[keep]
    return cps[keep], np.bincount(owner, minlength=len(texts)).astype(np.int64)


def _number_masks(cps: _U32, lengths: npt.NDArray[np.int64], max_chars: int) -> _U64:
    """Each text's numbers (runs of ASCII digits, leading zeros aside) as a 64-bit mask.

    Only the first ``max_chars`` compared characters count, as for the shingles.
    """
    n = len(lengths)
    masks = np.zeros(n, dtype=np.uint64)
    owner = np.repeat(np.arange(n), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    position = np.arange(len(cps)) - starts[owner]
    digit = (cps >= ord("0")) & (cps <= ord("9")) & (position < max_chars)
    at = np.flatnonzero(digit)
    if not len(at):
        return masks
    # A run ends where the next character is no digit or belongs to another text.
    last = np.ones(len(at), dtype=bool)
    last[:-1] = (at[1:] != at[:-1] + 1) | (owner[at[1:]] != owner[at[:-1]])
    ends = np.flatnonzero(last)
    run = np.repeat(np.arange(len(ends)), np.diff(np.concatenate([[-1], ends])))
    # Place value from the run's end, so that 07 and 7 are one number.
    place = ends[run] - np.arange(len(at))
    power = np.cumprod(np.full(int(place.max()) + 1, 0x100000001B3, dtype=np.uint64))
    power = np.concatenate([np.ones(1, dtype=np.uint64), power[:-1]])
    terms = (cps[at].astype(np.uint64) - np.uint64(ord("0"))) * power[place]
    value = np.add.reduceat(terms, np.concatenate([[0], ends[:-1] + 1]))
    bits = np.left_shift(np.uint64(1), _fmix64(value) & np.uint64(63))
    np.bitwise_or.at(masks, owner[at[ends]], bits)
    return masks


def _distinct_per_text(
    owner: npt.NDArray[np.int64], shingles: _U32, n: int
) -> npt.NDArray[np.int64]:
    """How many distinct shingles each of ``n`` texts has among those given."""
    # Sorted and compared with the neighbour: numpy 2's np.unique took 15 times as long.
    pairs = np.sort((owner.astype(np.uint64) << np.uint64(32)) | shingles)
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:] != pairs[:-1]
    return np.bincount((pairs[first] >> np.uint64(32)).astype(np.int64), minlength=n)


def dedup_text(text: str) -> str:
    """The part of a (normalised) text that near-duplicate detection compares."""
    cps, _lengths = _dedup_code_points([text])
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


class NearDuplicateIndex:
    """Assign posts to stories of near-duplicates, over a sliding time window."""

    def __init__(
        self,
        window: timedelta = timedelta(hours=72),
        *,
        num_perm: int = 64,
        bands: int = 12,
        rows: int = 3,
        threshold: float = 0.6,
        min_chars: int = 10,
        max_chars: int = 2_000,
        seed: int = 20261129,
    ) -> None:
        if window <= timedelta(0):
            raise ValueError(f"window must be positive, got {window}")
        if bands * rows > num_perm or bands < 1 or rows < 1:
            raise ValueError(
                f"bands x rows ({bands} x {rows}) must be at least 1 and fit in num_perm "
                f"({num_perm})"
            )
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if min_chars < _SHINGLE or max_chars < min_chars:
            raise ValueError(
                f"need {_SHINGLE} <= min_chars <= max_chars, got {min_chars}, {max_chars}"
            )
        self.window = window
        self._window_s = window.total_seconds()
        self._num_perm, self._bands, self._rows = num_perm, bands, rows
        self._threshold = threshold
        self._min_chars, self._max_chars = min_chars, max_chars
        rng = np.random.default_rng(seed)
        self._mul = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint32) | np.uint32(1)
        self._add = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint32)
        self._band_salt = rng.integers(1, 1 << 63, size=(bands, rows), dtype=np.uint64)
        self._clear(_MIN_CAPACITY)

    # -- state ---------------------------------------------------------------------------

    def _clear(self, capacity: int) -> None:
        # Per slot: the MinHash values (low 16 bits suffice to estimate similarity), the
        # bucket keys (to remove them on eviction), the time and the story key.
        self._sig = np.zeros((capacity, self._num_perm), dtype=np.uint16)
        self._bucket_keys = np.zeros((capacity, self._bands), dtype=np.uint64)
        self._numbers = np.zeros(capacity, dtype=np.uint64)
        self._time = np.full(capacity, np.inf)
        self._story: list[str | None] = [None] * capacity
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        # Band bucket -> the slot of the latest post in it.
        self._buckets: dict[int, int] = {}
        self._newest = -np.inf
        self._last_slots: list[int] = []

    def __len__(self) -> int:
        """Number of posts held (those in the window that were long enough to index)."""
        return len(self._story) - len(self._free)

    def _grow(self) -> None:
        old = len(self._story)
        new = old * 2
        self._sig = np.concatenate([self._sig, np.zeros_like(self._sig)])
        self._bucket_keys = np.concatenate([self._bucket_keys, np.zeros_like(self._bucket_keys)])
        self._numbers = np.concatenate([self._numbers, np.zeros_like(self._numbers)])
        self._time = np.concatenate([self._time, np.full(old, np.inf)])
        self._story.extend([None] * old)
        self._free.extend(range(new - 1, old - 1, -1))

    def _evict(self, cutoff: float) -> None:
        """Drop every post older than ``cutoff``, in one sweep."""
        expired = np.flatnonzero(self._time < cutoff)
        if not len(expired):
            return
        buckets = self._buckets
        for slot, keys in zip(expired.tolist(), self._bucket_keys[expired].tolist(), strict=True):
            for key in keys:
                if buckets.get(key) == slot:
                    del buckets[key]
            self._story[slot] = None
        self._time[expired] = np.inf
        self._free.extend(expired.tolist())
        if len(self) * 4 < len(self._story) and len(self._story) > _MIN_CAPACITY:
            self._compact()

    def _compact(self) -> None:
        """Move the live posts into right-sized arrays and a fresh bucket dict.

        Neither numpy arrays nor dicts give memory back as they empty; after a burst has
        left the window this returns it.
        """
        live = np.flatnonzero(np.isfinite(self._time))
        capacity = max(_MIN_CAPACITY, 1 << int(2 * max(len(live), 1) - 1).bit_length())
        new_slot = {old: new for new, old in enumerate(live.tolist())}
        sig, bucket_keys, time = self._sig[live], self._bucket_keys[live], self._time[live]
        numbers = self._numbers[live]
        story = [self._story[i] for i in live.tolist()]
        buckets = {key: new_slot[slot] for key, slot in self._buckets.items() if slot in new_slot}
        newest = self._newest
        self._clear(capacity)
        n = len(live)
        self._sig[:n], self._bucket_keys[:n], self._time[:n] = sig, bucket_keys, time
        self._numbers[:n] = numbers
        self._story[:n] = story
        self._free = list(range(capacity - 1, n - 1, -1))
        self._buckets, self._newest = buckets, newest

    # -- hashing -------------------------------------------------------------------------

    def _signatures(
        self, texts: Sequence[str], normalised: bool = False
    ) -> tuple[_U32, npt.NDArray[np.bool_], _U64]:
        """MinHash signatures of the texts, which texts are long enough to have one, and
        the texts' numbers (``_number_masks``)."""
        cps, lengths = _dedup_code_points(texts if normalised else normalise_batch(texts))
        numbers = _number_masks(cps, lengths, self._max_chars)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        lengths = np.minimum(lengths, self._max_chars)
        usable = lengths >= self._min_chars
        sigs = np.zeros((len(texts), self._num_perm), dtype=np.uint32)
        if not usable.any():
            return sigs, usable, numbers
        counts = np.where(usable, lengths - _SHINGLE + 1, 0)
        # Start of every shingle of the usable texts, text by text.
        owner = np.repeat(np.arange(len(texts)), counts)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        offset = np.arange(int(counts.sum())) - np.repeat(first, counts)
        at = starts[owner] + offset
        c = cps.astype(np.uint64)
        x = c[at] * np.uint64(0x9E3779B97F4A7C15)
        x += c[at + 1] * np.uint64(0xBF58476D1CE4E5B9)
        x += c[at + 2]
        shingles = (_fmix64(x) >> np.uint64(32)).astype(np.uint32)
        # Texts of too few distinct shingles are left out (see _MIN_DISTINCT_SHINGLES).
        # Their first shingles tell for nearly all: enough distinct ones there are enough
        # in all; only the others are counted whole. Sorting every shingle of the batch
        # cost about a sixth of deduplication.
        head = offset < _HEAD_SHINGLES
        distinct = _distinct_per_text(owner[head], shingles[head], len(texts))
        unsure = usable & (distinct < _MIN_DISTINCT_SHINGLES)
        if unsure.any():
            whole = unsure[owner]
            distinct = np.where(
                unsure, _distinct_per_text(owner[whole], shingles[whole], len(texts)), distinct
            )
        repetitive = usable & (distinct < _MIN_DISTINCT_SHINGLES)
        if repetitive.any():
            usable = usable & ~repetitive
            keep_shingles = ~repetitive[owner]
            shingles, owner = shingles[keep_shingles], owner[keep_shingles]
            counts = np.where(usable, counts, 0)
            if not usable.any():
                return sigs, usable, numbers
        # Per text and permutation, the min over its shingles of a * x + b (mod 2^32; x is
        # already a well-mixed hash, and an odd a makes this a permutation). Laid out
        # permutation-major so that the per-text min runs along contiguous memory.
        rows_with = np.flatnonzero(usable)
        bounds = np.concatenate([[0], np.cumsum(counts[rows_with])])
        i = 0
        while i < len(rows_with):
            # As many texts as fit in one chunk of shingles, and at least one.
            j = int(np.searchsorted(bounds, bounds[i] + _CHUNK_SHINGLES, side="right")) - 1
            j = min(max(j, i + 1), len(rows_with))
            part = self._mul[:, None] * shingles[None, bounds[i] : bounds[j]]
            part += self._add[:, None]
            seg = bounds[i:j] - bounds[i]
            sigs[rows_with[i:j]] = np.minimum.reduceat(part, seg, axis=1).T
            i = j
        return sigs, usable, numbers

    def _bucket_keys_of(self, sigs: _U32) -> _U64:
        """Each signature's band bucket keys (one per band), as 60-bit integers."""
        banded = sigs[:, : self._bands * self._rows].astype(np.uint64)
        banded = banded.reshape(len(sigs), self._bands, self._rows)
        mixed = (banded * self._band_salt[None, :, :]).sum(axis=2, dtype=np.uint64)
        mixed += np.arange(self._bands, dtype=np.uint64)[None, :]
        return _fmix64(mixed) & _KEY_MASK

    # -- public --------------------------------------------------------------------------

    def assign(
        self,
        keys: Sequence[str],
        texts: Sequence[str],
        times: Sequence[datetime],
        *,
        normalised: bool = False,
    ) -> list[str]:
        """Return each post's story key, indexing the posts as they are assigned.

        ``normalised=True`` says the texts are ``normalise_batch`` output already (the
        ingest worker's ``TextFeatures.norm_text``), which spares normalising them again.
        """
        stamps = _check(keys, texts, times)
        if not len(keys):
            self._last_slots = []
            return []
        # Evicted: what is out of the window of the batch's oldest post, which may run at
        # most a day (what ingestion lets a post be dated ahead) beyond the newest time
        # seen before. A post dated ahead, alone in its batch or not, must not push out
        # what the posts of now are copies of; pairs are checked against the window one
        # by one below, so a late post is indexed and goes at a later batch. Nor may a
        # post dated long before the newest seen (an old item of a feed, an unsorted
        # import) hold the window open: one such post in every batch had kept the whole
        # history. The newest seen may itself be a day ahead of now, so what is kept runs
        # at most a day beyond the window.
        horizon = min(float(stamps.min()), self._newest + _MAX_AHEAD_S)
        horizon = max(horizon, self._newest - _MAX_AHEAD_S)
        self._evict(horizon - self._window_s)
        self._newest = max(self._newest, float(stamps.max()))
        sigs, usable, numbers = self._signatures(texts, normalised)
        bucket_keys = self._bucket_keys_of(sigs)
        small = sigs.astype(np.uint16)
        kept = usable
        # In three passes, so that numpy runs once per batch rather than once per post:
        # 1. in batch order, each post's candidates (the latest slot of each of its
        #    buckets, posts of this batch included) and the slot it takes;
        # 2. the similarity of every (post, candidate) pair at once;
        # 3. in batch order, each post's story: its most similar candidate's, when
        #    similar enough (the first of equals, as candidates are in slot order).
        rows = np.flatnonzero(kept)
        slot_of = np.full(len(keys), -1, dtype=np.int64)
        buckets = self._buckets
        candidates: list[list[int]] = [[]] * len(keys)
        keys_of = bucket_keys.tolist()
        window = self._window_s
        # The slots' times as Python floats, kept up to date in the loop and written back
        # to the array after it: reading the array slot by slot cost more than the rest
        # of the loop. The same doubles, so the same comparisons.
        held_time = self._time.tolist()
        for i, post_keys, ok, insert, stamp in zip(
            range(len(keys)), keys_of, usable.tolist(), kept.tolist(), stamps.tolist(), strict=True
        ):
            if not ok:
                continue
            near = {buckets[k] for k in post_keys if k in buckets}
            # Copies are of the same days: a candidate more than the window away in
            # either direction is not one (a late post, a post dated ahead).
            near = {slot for slot in near if abs(held_time[slot] - stamp) <= window}
            if near:
                candidates[i] = sorted(near)
            if insert:
                if not self._free:
                    self._grow()
                    held_time.extend([np.inf] * (len(self._story) - len(held_time)))
                slot = self._free.pop()
                slot_of[i] = slot
                held_time[slot] = stamp
                # A bucket points at its newest post: a late post taking it from a newer
                # one would, once evicted, take the bucket with it, and leave the newer
                # post (still in the window) out of reach of its copies.
                for k in post_keys:
                    held = buckets.get(k)
                    if held is None or held_time[held] <= stamp:
                        buckets[k] = slot
        slots = slot_of[rows]
        self._time[slots] = stamps[rows]
        self._sig[slots] = small[rows]
        self._bucket_keys[slots] = bucket_keys[rows]
        self._numbers[slots] = numbers[rows]
        owner = [i for i, found in enumerate(candidates) for _ in found]
        pairs = [slot for found in candidates for slot in found]
        agree: list[int] = []
        for start in range(0, len(pairs), _CHUNK_PAIRS):
            part = slice(start, start + _CHUNK_PAIRS)
            same = self._sig[pairs[part]] == small[owner[part]]
            score = same.sum(axis=1)
            # Numbers each side has and the other lacks: one template filled in twice
            # (two county warnings, two fire notices, M 4.9 and M 6.9 in one region), not a
            # copy. A copy may add numbers (a comment, a sentence) or lose some (a cut).
            theirs, mine = self._numbers[pairs[part]], numbers[owner[part]]
            clash = (np.bitwise_count(theirs & ~mine) >= _CLASHING_NUMBERS) & (
                np.bitwise_count(mine & ~theirs) >= _CLASHING_NUMBERS
            )
            score[clash] = -1
            agree += score.tolist()
        need = self._threshold * self._num_perm
        story_of = self._story
        stories: list[str] = []
        at = 0
        for key, found, slot in zip(keys, candidates, slot_of.tolist(), strict=True):
            story = key
            if found:
                scores = agree[at : at + len(found)]
                at += len(found)
                best = max(scores)
                if best >= need:
                    story = story_of[found[scores.index(best)]] or key
            stories.append(story)
            if slot >= 0:
                story_of[slot] = story
        self._last_slots = slot_of.tolist()
        return stories

    def follow(self, stories: Sequence[str]) -> None:
        """Give the posts of the last ``assign`` the stories ingestion settled on.

        A reply or repost takes its parent's story (``Ingestor._follow_reposts``); the
        index must hold that too, or a later copy of the reply would join a story that
        holds neither it nor its parent, and a different one after a restart (which
        rebuilds from the stored stories).
        """
        if len(stories) != len(self._last_slots):
            raise ValueError(
                f"got {len(stories)} stories for the last batch of {len(self._last_slots)}"
            )
        for slot, story in zip(self._last_slots, stories, strict=True):
            if slot >= 0:
                self._story[slot] = story

    def rebuild(
        self,
        keys: Sequence[str],
        texts: Sequence[str],
        times: Sequence[datetime],
        story_keys: Sequence[str],
        *,
        normalised: bool = False,
    ) -> None:
        """Refill the index from stored posts and their story keys (e.g. after a restart).

        What the index held before is dropped; posts outside the window of the newest
        given time are skipped. ``normalised`` is as for ``assign``.
        """
        stamps = _check(keys, texts, times)
        if len(story_keys) != len(keys):
            raise ValueError(f"got {len(story_keys)} story keys for {len(keys)} posts")
        self._clear(_MIN_CAPACITY)
        if not len(keys):
            return
        self._newest = float(stamps.max())
        cutoff = self._newest - self._window_s
        sigs, usable, numbers = self._signatures(texts, normalised)
        bucket_keys = self._bucket_keys_of(sigs)
        small = sigs.astype(np.uint16)
        for i in np.argsort(stamps, kind="stable").tolist():
            if usable[i] and stamps[i] >= cutoff:
                self._insert(
                    small[i],
                    bucket_keys[i],
                    bucket_keys[i].tolist(),
                    numbers[i],
                    float(stamps[i]),
                    story_keys[i],
                )

    def _insert(
        self,
        sig: npt.NDArray[np.uint16],
        bucket_keys: _U64,
        post_keys: list[int],
        numbers: np.uint64,
        stamp: float,
        story: str,
    ) -> None:
        if not self._free:
            self._grow()
        slot = self._free.pop()
        self._sig[slot] = sig
        self._bucket_keys[slot] = bucket_keys
        self._numbers[slot] = numbers
        self._time[slot] = stamp
        self._story[slot] = story
        buckets = self._buckets
        for k in post_keys:
            buckets[k] = slot


def _check(
    keys: Sequence[str], texts: Sequence[str], times: Sequence[datetime]
) -> npt.NDArray[np.float64]:
    """Validate the parallel inputs; return the times as POSIX seconds."""
    if not len(keys) == len(texts) == len(times):
        raise ValueError(
            f"keys, texts and times must have the same length, got {len(keys)}, "
            f"{len(texts)} and {len(times)}"
        )
    stamps = np.empty(len(times), dtype=np.float64)
    for i, t in enumerate(times):
        if not isinstance(t, datetime) or t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"times[{i}] must be a timezone-aware datetime, got {t!r}")
        stamps[i] = t.timestamp()
    return stamps
