"""Text normalisation: one canonical form of a post's text for every later stage.

``normalise`` gives, for any input:

1. Unicode NFKC, which folds full-width letters, digits and punctuation to their ASCII
   forms (``ＡＢＣ，１２３`` -> ``ABC,123``), ligatures, circled digits and the like; a
   folded number never runs into the digits beside it: ``10³`` -> ``10^3`` (not 103),
   ``①3人死亡②5人受伤`` -> ``1 3人死亡 2 5人受伤`` (not 13 dead and 25 injured), ``1½``
   -> ``1 1⁄2`` (``m²`` -> ``m2``, ``CO₂`` -> ``CO2`` as before);
2. no invisible characters: control characters other than whitespace, format characters
   (zero-width space and joiners, BOM, bidi marks), variation selectors, private-use
   characters and lone surrogates are dropped;
3. Simplified Chinese: Traditional characters and phrases are converted with OpenCC
   (``tw2s``: as ``t2s``, and 著 read as 着 where Taiwan and Hong Kong write it so:
   大樓著火 -> 大楼着火, while 著名 stays; ``t2s`` left 著火 unfound by 着火), and the few
   county names the conversion would change are kept (乾县 is not 干县), as are the words
   where 著 means to write, which the conversion made 着 (土著, 原著, 专著, 编著 ...).
   Only a 乾 or 著 the text itself has in those words is kept: 若干安置点 stays as written
   (putting 乾安 back wherever the output read 干安 made it 若乾安置点);
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

__all__ = ["MAX_INPUT_CHARS", "normalise", "normalise_batch"]

# Posts are bounded to 20,000 characters at the door (yuqing.core.posts); this bound only
# protects direct callers from pathological input.
MAX_INPUT_CHARS = 100_000

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


def _keep_marked(text: str) -> str:
    """Mark the characters of ``text`` that the conversion must keep (see _kept_names)."""
    pattern, marked = _kept_names()
    if pattern is None or not any(mark in text for mark in _KEEP_MARKS):
        return text
    return pattern.sub(lambda m: marked[m.group()], text)


def _unmark(text: str) -> str:
    for char, mark in _KEEP_MARKS.items():
        text = text.replace(mark, char)
    return text


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


def _code_points(text: str) -> _U32:
    cps: _U32 = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps


def _from_code_points(cps: _U32) -> str:
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _fold_and_drop(cps: _U32) -> _U32:
    """Fold full-width ASCII variants and the ideographic space; drop invisibles."""
    cls = _classes()[cps]
    cps = cps[cls != _DROP]
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
