"""Text normalisation: one canonical form of a post's text for every later stage.

``normalise`` gives, for any input:

1. Unicode NFKC, which folds full-width letters, digits and punctuation to their ASCII
   forms (``ＡＢＣ，１２３`` -> ``ABC,123``), ligatures, circled digits and the like; a
   folded number never runs into the digits beside it: ``10³`` -> ``10^3`` (not 103),
   ``①3人死亡②5人受伤`` -> ``1 3人死亡 2 5人受伤`` (not 13 dead and 25 injured), ``1½``
   -> ``1 1⁄2`` (``m²`` -> ``m2``, ``CO₂`` -> ``CO2`` as before);
2. no invisible characters: control characters other than whitespace, format characters
   (zero-width space and joiners, BOM, bidi marks), variation selectors, private-use
   characters, noncharacters and lone surrogates are dropped; so are the combining marks
   of a run beyond ``MAX_NON_STARTERS`` (30, UAX #15's stream-safe limit), which bounds
   the cost of NFKC;
3. Simplified Chinese: Traditional characters and phrases are converted with OpenCC
   (``tw2s``: as ``t2s``, and 著 read as 着 where Taiwan and Hong Kong write it so:
   大樓著火 -> 大楼着火, while 著名 stays; ``t2s`` left 著火 unfound by 着火), and the few
   county names the conversion would change are kept (乾县 is not 干县), as are the words
   where 著 means to write, which the conversion made 着 (土著, 原著, 专著, 编著 ...).
   Only a 乾 or 著 the text itself has in those words is kept: 若干安置点 stays as written
   (putting 乾安 back wherever the output read 干安 made it 若乾安置点). Simplified text
   stays as written where ``tw2s`` would change it: 么 (tw2s made 玩么 玩幺) and 著 in
   words that keep it in Traditional too (显著, 著称: a 著 is read with its neighbours
   converted to Traditional). A character whose Simplified form lies outside the BMP is
   kept (海南鳽, not 海南𫛚: most fonts show that form as a box);
4. tidy whitespace: a run of spaces/tabs becomes one space, a run that holds a line break
   becomes one ``\\n``, and the ends are stripped.

Latin case is kept (segmentation lower-cases its own tokens).

``normalise_batch`` is the fast path and the one to use on more than one text: the batch
is joined into one string and each step runs once over it (numpy over the code points for
folding, dropping and whitespace; NFKC only for the few texts still not normal after the
full-width fold, which is the slow part of NFKC on Chinese text; one OpenCC call). Inputs
longer than ``MAX_INPUT_CHARS`` are cut first, so an oversized text costs bounded time.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_INPUT_CHARS", "normalise", "normalise_batch", "surrogates_replaced"]

# Posts are bounded to 20,000 characters at the door (yuqing.core.posts); this bound only
# protects direct callers from pathological input.
MAX_INPUT_CHARS = 100_000

# Lone surrogates (a JSON "\\ud800" escape, a badly decoded file) are no text, and a
# library taking UTF-8 (jieba, lingua, CLD2) fails the whole batch on one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogates_replaced(text: str) -> str:
    """``text`` with each lone surrogate read as U+FFFD, as a decoder would: one character
    for one, so offsets hold. ``normalise`` drops them; this is for text read as given."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


# Joins a batch into one string. A private-use character: the drop step would remove it
# from any input, OpenCC leaves it alone, and it is not whitespace.
_SEP = "\ue000"
_SEP_CP = 0xE000

# ANSI/VT100 escape sequences (ECMA-48: CSI ... final byte, and ESC [intermediates] final).
_TERMINAL_CODES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[ -/]*[0-~])")

# Code point classes of the lookup table.
_KEEP, _DROP, _SPACE, _BREAK, _BOUNDARY = 0, 1, 2, 3, 4
# str.splitlines() boundaries; every other whitespace character is a space.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_U32 = npt.NDArray[np.uint32]


@functools.cache
def _classes() -> npt.NDArray[np.uint8]:
    """The class of every code point (a 1.1 MB table, built once on first use)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    # Control and format characters all live below U+20000, apart from the tag block.
    for cp in (*range(0x20000), *range(0xE0000, 0xE0080)):
        ch = chr(cp)
        if ch.isspace():
            table[cp] = _BREAK if ch in _LINE_BREAKS else _SPACE
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            table[cp] = _DROP
    table[0xFE00:0xFE10] = _DROP  # variation selectors
    table[0xE0100:0xE01F0] = _DROP  # ideographic variation selectors (邓\U000E0100州)
    table[0xE000:0xF900] = _DROP  # private use, BMP
    table[0xF0000:] = _DROP  # private use, planes 15-16
    table[0xD800:0xE000] = _DROP  # surrogates (possible in str via surrogateescape)
    # Noncharacters (U+FDD0..U+FDEF and the last two code points of every plane) are no
    # text: Unicode reserves them for a program's internal use.
    table[0xFDD0:0xFDF0] = _DROP
    table[0xFFFE::0x10000] = _DROP
    table[0xFFFF::0x10000] = _DROP
    table[_SEP_CP] = _BOUNDARY
    return table


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_converter: _Converter | None = None
_converter_lock = threading.Lock()


def _t2s() -> _Converter:
    """The OpenCC Traditional -> Simplified converter, built once on first use."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("tw2s")
    return _converter


# Words where 著 means to write (and is 著 in Simplified too), which tw2s turns into 着;
# 著名, 著作, 显著, 巨著 ... it keeps of itself. Left out as ambiguous: 论著 (讨论着),
# 新著 (重新着手), 大著 (大着胆子), 著有 (穿着有), 所著 (所着眼).
_KEPT_ZHU = ("土著", "原著", "专著", "遗著", "译著", "编著", "撰著", "拙著", "卓著")

# Stand-ins for a kept character while OpenCC runs (private use: OpenCC leaves them
# alone, and the drop step has removed any the input carried).
_KEEP_MARKS = {"乾": "\ue001", "著": "\ue002"}


@functools.cache
def _kept_names() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Where the conversion must keep a character: a pattern of the words (as written in
    Simplified or Traditional) and, for each such word, the word with the characters to
    keep replaced by their stand-ins (乾县 -> \ue001县; 乾县 would become 干县)."""
    import opencc

    from yuqing.textproc.places import builtin_places, short_name

    converter = _t2s()
    to_traditional = opencc.OpenCC("s2t")
    names = {p.name for p in builtin_places()}
    names |= {short for name in list(names) if (short := short_name(name))}
    words = [name for name in names if converter.convert(name) != name]
    words += [word for word in _KEPT_ZHU if converter.convert(word) != word]
    marked: dict[str, str] = {}
    for word in words:
        converted = converter.convert(word)
        for form in {word, to_traditional.convert(word)}:
            if len(form) != len(word) or len(converted) != len(word):
                continue
            marked[form] = "".join(
                _KEEP_MARKS.get(w, f) if c != w else f
                for f, w, c in zip(form, word, converted, strict=True)
            )
    marked = {form: mark for form, mark in marked.items() if mark != form}
    if not marked:
        return None, marked
    pattern = re.compile("|".join(sorted(map(re.escape, marked), key=len, reverse=True)))
    return pattern, marked


# 么 is the Simplified form of 麼 (什么, 怎么, 玩么); tw2s reads it as Taiwan's variant of
# 幺 and wrote 你还出去玩幺 (258 of 37,000 posts of the Chinese streams). Always kept.
_MO, _MO_MARK = "么", "\ue003"
# Joins the windows around each 著 for one conversion (see _zhu_read_as_written).
_WINDOW_SEP = "\ue004"
# A 著 is read with this many characters either side (臭名昭著, 著称于世: phrases of 4).
_ZHU_CONTEXT = 3
_ZHU = re.compile("著+")
_ZHU_ONE = re.compile("著")
# Stand-ins for the characters whose Simplified form lies outside the BMP, from here on.
_OFF_PLANE_FIRST_MARK = 0xE100


def _keep_marked(text: str) -> str:
    """Mark the characters of ``text`` that the conversion must keep: in county names and
    words where 著 means to write (see _kept_names), 么, a 著 that the text's words keep
    when read as Traditional (_zhu_read_as_written), and the characters whose Simplified
    form lies outside the BMP (_off_plane)."""
    pattern, marked = _kept_names()
    if pattern is not None and any(mark in text for mark in _KEEP_MARKS):
        text = pattern.sub(lambda m: marked[m.group()], text)
    if _MO in text:
        text = text.replace(_MO, _MO_MARK)
    if "著" in text:
        text = _zhu_read_as_written(text)
    off_plane, off_marks = _off_plane()
    if off_plane.search(text):
        text = off_plane.sub(lambda m: off_marks[m.group()], text)
    return text


def _unmark(text: str) -> str:
    for char, mark in _KEEP_MARKS.items():
        text = text.replace(mark, char)
    text = text.replace(_MO_MARK, _MO)
    marks = _off_plane_marks()
    if marks.search(text):
        chars = _off_plane_chars()
        text = marks.sub(lambda m: chars[m.group()], text)
    return text


@functools.cache
def _s2t() -> _Converter:
    import opencc

    converter: _Converter = opencc.OpenCC("s2t")
    return converter


def _zhu_read_as_written(text: str) -> str:
    """Mark each 著 that the conversion of its words, written in Traditional, keeps.

    tw2s turns a lone 著 into 着, as Taiwan writes 著 for both; only Traditional phrases
    (顯著, 著稱) keep it. In Simplified text 著 is already 著 (显著, 著称), which came out
    显着, 着称. Each 著 is decided with the characters around it converted to Traditional
    first (显著 -> 顯著 -> 显著; 赶著回家 -> 趕著回家 -> 赶着回家; 大樓著火 -> 大楼着火);
    a stretch whose conversion changes its length is left to tw2s.
    """
    # Stretches of text around the 著, merged where they overlap: each is converted once.
    spans: list[list[int]] = []
    for m in _ZHU.finditer(text):
        a, b = max(0, m.start() - _ZHU_CONTEXT), m.end() + _ZHU_CONTEXT
        if spans and a <= spans[-1][1]:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    stretches = [text[a:b] for a, b in spans]
    converted = _t2s().convert(_s2t().convert(_WINDOW_SEP.join(stretches)))
    read = converted.split(_WINDOW_SEP)
    if len(read) != len(stretches):
        return text
    out: list[str] = []
    done = 0
    for (a, _), stretch, simplified in zip(spans, stretches, read, strict=True):
        if len(simplified) != len(stretch):
            continue
        out += (text[done:a], _mark_kept_zhu(stretch, simplified))
        done = a + len(stretch)
    out.append(text[done:])
    return "".join(out)


def _mark_kept_zhu(stretch: str, simplified: str) -> str:
    """``stretch`` with each 著 that ``simplified`` (its conversion) keeps marked."""
    mark = _KEEP_MARKS["著"]
    return _ZHU_ONE.sub(lambda m: mark if simplified[m.start()] == "著" else "著", stretch)


@functools.cache
def _off_plane_table() -> dict[str, str]:
    """Each BMP character that the conversion turns into one outside the BMP, with its
    stand-in (海南鳽 became 海南𫛚, Cantonese 嗰 and 餸 became 𠮶 and 𩠌: forms that most
    fonts and input methods lack, shown as boxes in story titles, and typed by no one)."""
    chars = [chr(cp) for cp in range(0x3400, 0xA000)]
    converted = _t2s().convert(_WINDOW_SEP.join(chars)).split(_WINDOW_SEP)
    if len(converted) != len(chars):
        converted = [_t2s().convert(ch) for ch in chars]
    kept = [
        ch
        for ch, out in zip(chars, converted, strict=True)
        if not out.isascii() and max(out) > "\uffff"
    ]
    return {ch: chr(_OFF_PLANE_FIRST_MARK + n) for n, ch in enumerate(kept)}


@functools.cache
def _off_plane() -> tuple[re.Pattern[str], dict[str, str]]:
    table = _off_plane_table()
    return re.compile("[" + "".join(table) + "]"), table


@functools.cache
def _off_plane_marks() -> re.Pattern[str]:
    last = _OFF_PLANE_FIRST_MARK + max(len(_off_plane_table()) - 1, 0)
    return re.compile(f"[{chr(_OFF_PLANE_FIRST_MARK)}-{chr(last)}]")


@functools.cache
def _off_plane_chars() -> dict[str, str]:
    return {mark: ch for ch, mark in _off_plane_table().items()}


@functools.cache
def _number_parts() -> dict[str, tuple[str, str]]:
    """Characters NFKC folds into digits of their own (circled, parenthesised, fractions,
    superscripts ...): each with its NFKC form and its kind (``super``, ``sub``, other).

    Styled digits (full-width, mathematical bold ...) are digits as written and are left
    out: they join the digits beside them, as they should."""
    found: dict[str, tuple[str, str]] = {}
    for cp in (*range(0xA0, 0x3400), *range(0x1F100, 0x1F200)):
        ch = chr(cp)
        tag = unicodedata.decomposition(ch).split(" ")[0]
        if tag not in ("<circle>", "<compat>", "<fraction>", "<square>", "<super>", "<sub>"):
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if any("0" <= f <= "9" for f in folded):
            found[ch] = (folded, tag.strip("<>"))
    return found


@functools.cache
def _number_pattern() -> re.Pattern[str]:
    return re.compile("[" + "".join(map(re.escape, _number_parts())) + "]")


def _apart_from_digits(text: str) -> str:
    """Keep what NFKC folds into digits from running into the digits beside it.

    A superscript after a digit is an exponent (``10³`` -> ``10^3``); a run of
    superscripts (or subscripts) is one number; anything else is set apart by a space
    (``①3`` -> ``1 3``, ``1½`` -> ``1 1⁄2``, ``⒈5`` -> ``1. 5``)."""
    parts = _number_parts()

    def ends_in_digit(ch: str) -> bool:
        return "0" <= ch <= "9" or (ch in parts and "0" <= parts[ch][0][-1] <= "9")

    def apart(m: re.Match[str]) -> str:
        ch = m.group()
        folded, kind = parts[ch]
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        out = ch
        if "0" <= folded[0] <= "9" and before and ends_in_digit(before):
            same_run = kind in ("super", "sub") and parts.get(before, ("", ""))[1] == kind
            if not same_run:
                out = ("^" if kind == "super" else " ") + out
        if (folded[-1] == "." or "0" <= folded[-1] <= "9") and "0" <= after <= "9":
            out += " "
        return out

    return _number_pattern().sub(apart, text)


# UAX #15's stream-safe limit: at most this many non-starters (combining marks) in a row;
# the rest of a run is dropped. NFKC puts a run of marks in canonical order by insertion
# sort, so a long run of mixed marks cost time quadratic in its length (20,000 of them:
# 0.4 s; 100,000: 10 s), and no script needs more than a handful on one letter.
MAX_NON_STARTERS = 30


@functools.cache
def _non_starters() -> npt.NDArray[np.bool_]:
    """Whether each code point's decomposition starts with a non-starter: the combining
    marks, and the few characters that decompose into them (Tibetan vowel signs such as
    U+0F73, the half-width kana voicing marks)."""
    table = np.zeros(0x110000, dtype=bool)
    for cp in range(0x300, 0x20000):
        ch = chr(cp)
        if unicodedata.combining(ch):
            table[cp] = True
        elif unicodedata.decomposition(ch):
            table[cp] = bool(unicodedata.combining(unicodedata.normalize("NFKD", ch)[0]))
    return table


def _cap_mark_runs(cps: _U32) -> _U32:
    """Drop the marks of a run beyond its first ``MAX_NON_STARTERS``."""
    marks = _non_starters()[cps]
    if np.count_nonzero(marks) <= MAX_NON_STARTERS:
        return cps
    index = np.arange(len(cps))
    # Each position's distance from the start of the run of marks it is in.
    run_start = np.maximum.accumulate(np.where(marks, 0, index + 1))
    kept: _U32 = cps[~marks | (index - run_start < MAX_NON_STARTERS)]
    return kept


def _code_points(text: str) -> _U32:
    cps: _U32 = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps


def _from_code_points(cps: _U32) -> str:
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _fold_and_drop(cps: _U32) -> _U32:
    """Fold full-width ASCII variants and the ideographic space; drop invisibles and the
    marks of a run beyond ``MAX_NON_STARTERS``."""
    cls = _classes()[cps]
    cps = _cap_mark_runs(cps[cls != _DROP])
    fullwidth = (cps >= 0xFF01) & (cps <= 0xFF5E)
    if fullwidth.any():
        cps = cps.copy()
        cps[fullwidth] -= 0xFEE0
    return cps


def _tidy_whitespace(cps: _U32) -> _U32:
    """Collapse whitespace runs (one space, or one line break) and strip every text's ends."""
    cls = _classes()[cps]
    space = (cls == _SPACE) | (cls == _BREAK)
    if not space.any():
        return cps
    n = len(cps)
    prev_space = np.empty(n, dtype=bool)
    prev_space[0] = False
    prev_space[1:] = space[:-1]
    run_start = space & ~prev_space
    starts = np.flatnonzero(run_start)
    # A run becomes a line break when any of its characters is one.
    run_id = np.cumsum(run_start) - 1
    has_break = np.zeros(len(starts), dtype=bool)
    has_break[run_id[cls == _BREAK]] = True
    out = cps.copy()
    out[starts] = np.where(has_break, 0x0A, 0x20).astype(np.uint32)
    keep = ~(space & prev_space)
    # Runs that touch a text's start or end (the batch ends or a separator) are stripped.
    boundary = np.zeros(n + 2, dtype=bool)
    boundary[0] = boundary[-1] = True
    boundary[1:-1] = cls == _BOUNDARY
    run_end = np.empty(n, dtype=bool)
    run_end[:-1] = space[:-1] & ~space[1:]
    run_end[-1] = space[-1]
    ends = np.flatnonzero(run_end)
    touching = boundary[starts] | boundary[ends + 2]
    keep[starts[touching]] = False
    kept: _U32 = out[keep]
    return kept


def normalise(text: str) -> str:
    """Return the canonical form of one text (NFKC, invisibles dropped, tw2s, whitespace)."""
    return normalise_batch([text])[0]


def normalise_batch(texts: Sequence[str]) -> list[str]:
    """Return the canonical form of every text; the batch is worked as one string."""
    if not texts:
        return []
    bounded = [t if len(t) <= MAX_INPUT_CHARS else t[:MAX_INPUT_CHARS] for t in texts]
    joined = _SEP.join(bounded)
    if joined.count(_SEP) != len(bounded) - 1:
        # The input itself carried the separator (a private-use character we drop anyway).
        joined = _SEP.join([t.replace(_SEP, "") for t in bounded])
    if "\x1b" in joined:
        # Terminal colour codes pasted with a post: dropping ESC alone left "[31m" words.
        joined = _TERMINAL_CODES.sub("", joined)
    cps = _fold_and_drop(_code_points(joined))
    # Only the texts that the fold did not already make NFKC pay for NFKC. The check is
    # per text: on the joined batch one combining mark anywhere sends it to a full pass.
    parts = _from_code_points(cps).split(_SEP)
    unfolded = [i for i, part in enumerate(parts) if not unicodedata.is_normalized("NFKC", part)]
    if unfolded:
        for i in unfolded:
            parts[i] = unicodedata.normalize("NFKC", _apart_from_digits(parts[i]))
        cps = _fold_and_drop(_code_points(_SEP.join(parts)))
    if len(cps):
        cps = _tidy_whitespace(cps)
    joined = _unmark(_t2s().convert(_keep_marked(_from_code_points(cps))))
    return joined.split(_SEP)
