"""Language of posts: ``"zh"``, ``"en"`` or ``"other"``, decided mostly by script.

The fast path counts, per text, Han characters, kana, Latin letters and other letters
(numpy over the code points of the whole batch, after links and @-handles are removed):

* no letters at all (empty, numbers, emoji only) -> ``"other"``;
* kana make up a fifth or more of the Han + kana -> ``"other"`` (Japanese; Chinese posts
  use a stray の at most);
* Hangul syllables at least as many as the Han characters -> ``"other"`` (Korean: a
  Hangul syllable is a unit like a Han character, not a letter like a Latin one, so a
  Korean headline with a Hanja or two, 美 대통령 방한, 中 반발, is not Chinese, while a
  Chinese post naming a Korean singer in Hangul still is);
* Han characters at least a fifth as many as the other letters -> ``"zh"`` (a Han
  character carries about as much as a Latin word, so a Chinese post quoting an English
  name stays Chinese, while an English tweet with one Chinese place name does not);
* mostly Latin letters -> CLD2 (``pycld2``, Google's compact language detector in C++,
  its tables inside the wheel) says which language, ``"en"`` for English, else
  ``"other"``. Where CLD2 cannot tell (a few words, names, hashtags: 7% of the Latin
  tweets of ``en-crisislex-dev``), text with enough English function words and none of
  the other languages' is English, and the rest goes to lingua
  (``lingua-language-detector``, low accuracy mode, restricted to the Latin-script
  languages seen in public streams). CLD2 first because it is both faster and closer to
  the posts' own language tags there: lingua alone took about 190 us a tweet and called
  1,201 of 26,139 English-tagged tweets something else (Tagalog, German ...), CLD2 with
  this fallback about 20 us and 160, for 277 instead of 183 other-tagged tweets called
  English;
* anything else (Cyrillic, Arabic, Hangul, Thai ...) -> ``"other"``.

The detector is built once, lazily, on the first Latin-script text.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pycld2

from yuqing.textproc.normalise import surrogates_replaced

__all__ = ["LANGUAGES", "LINK_PATTERN", "detect_batch"]

LANGUAGES: tuple[str, ...] = ("zh", "en", "other")

# Only the first characters of a text decide its language; long news texts cost no more.
_SAMPLE_CHARS = 1_000
_CHUNK_CHARS = 1_000_000
_LINGUA_CHARS = 300

_NONE, _HAN, _KANA, _LATIN, _OTHER_LETTER, _BOUNDARY, _HANGUL = 0, 1, 2, 3, 4, 5, 6
_CLASSES = 7
_SEP = "\ue000"

# A link, in lower case (compile it with re.IGNORECASE for any case): with a scheme or
# www., or a host name with a path and no scheme (t.cn/A6xYz9Qk, m.weibo.cn/status/4567:
# how Weibo and WeChat posts often carry them), which had made a Chinese post "other" and
# its keywords t.cn and a6xyz9qk. A host without a scheme ends in a common top-level domain, so that
# Node.js/React and report.pdf/ stay words. A link ends at the first character outside
# printable ASCII. The host's labels are possessive and a link starts where no host
# character is before it, so a long run of letters costs linear time.
_TOP_LEVEL = (
    "com|cn|net|org|gov|edu|int|mil|info|biz|io|co|me|tv|cc|ly|gl|gd|to|be|so|la|im|fm"
    "|ai|app|xyz|top|vip|site|club|online|live|news|hk|mo|tw|jp|kr|sg|in|au|ca|uk|us"
    "|de|fr|ru"
)
LINK_PATTERN = (
    r"(?:https?://|ftps?://|www\.)[\x21-\x7e]+"
    rf"|(?<![a-z0-9._@-])(?:[a-z0-9-]++\.)++(?:{_TOP_LEVEL})(?::[0-9]++)?/[\x21-\x7e]*+"
)
# Links, handles and Latin hashtags are Latin letters that say nothing about the language
# of the post. A link glued to Chinese text (http://t.cn/a9689L我不是故意的…) had taken
# the whole post with it; and "武汉加油 #StayStrong #COVID19" is a Chinese post.
# Every alternative starts with one of the characters of the lookahead: the regex engine
# skips other positions at once instead of trying each alternative there (four times
# faster on Chinese text, where most characters are Han).
_NOISE = re.compile(
    r"(?=[-0-9a-z@#])(?:" + LINK_PATTERN + r"|@[\w.-]+|#[A-Za-z0-9_]+|\bRT\b|\bvia\b)",
    re.ASCII | re.IGNORECASE,
)
_WORD = re.compile(r"[a-z']+")
# Lone surrogates (a JSON "\\udc80" escape) cannot be handed to lingua or CLD2, which take
# UTF-8: they are read as U+FFFD, which is no letter, instead of failing the batch
# (normalise.surrogates_replaced). CLD2 also refuses control characters, which say nothing
# about the language either.
_UNSAFE_FOR_CLD2 = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Words that are frequent in English text and are not words of the other languages the
# detector knows; and frequent words of those languages that English text lacks.
_ENGLISH_ONLY = frozenset(
    {
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "was",
        "were",
        "for",
        "with",
        "this",
        "that",
        "it",
        "you",
        "have",
        "has",
        "be",
        "from",
        "at",
        "by",
        "not",
        "what",
        "will",
        "just",
        "they",
        "we",
        "our",
        "my",
        "your",
        "he",
        "she",
        "his",
        "her",
        "their",
        "about",
        "who",
        "all",
        "been",
        "would",
        "there",
        "after",
        "when",
        "can",
        "if",
        "how",
        "more",
        "out",
        "up",
        "so",
        "do",
        "does",
        "did",
        "being",
        "which",
        "them",
        "than",
    }
)
_NOT_ENGLISH = frozenset(
    {
        "el",
        "la",
        "los",
        "las",
        "que",
        "del",
        "por",
        "para",
        "una",
        "con",
        "es",
        "muy",
        "pero",
        "como",
        "il",
        "della",
        "per",
        "che",
        "non",
        "sono",
        "gli",
        "le",
        "les",
        "des",
        "est",
        "pour",
        "une",
        "qui",
        "dans",
        "sur",
        "pas",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ein",
        "eine",
        "ang",
        "ng",
        "mga",
        "sa",
        "na",
        "yang",
        "dan",
        "di",
        "ini",
        "itu",
        "untuk",
        "dengan",
        "não",
        "uma",
        "em",
        "os",
        "as",
        "da",
        "do",
        "dos",
        "ao",
        "é",
        "de",
        "en",
        "het",
        "een",
        "van",
        "ya",
    }
)


@functools.cache
def _scripts() -> npt.NDArray[np.uint8]:
    """The script class of every code point, built once on first use."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for cp in range(0x20000):
        if chr(cp).isalpha():
            table[cp] = _OTHER_LETTER
    for lo, hi in ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF)):
        span = table[lo : hi + 1]
        span[span == _OTHER_LETTER] = _LATIN
    for lo, hi in (
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0x20000, 0x2FA1F),
        (0x30000, 0x323AF),
    ):
        table[lo : hi + 1] = _HAN
    table[0x3007] = _HAN  # 〇
    for lo, hi in ((0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)):
        table[lo : hi + 1] = _KANA
    table[0x30FC] = _KANA  # ー, the long vowel mark
    for lo, hi in ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF)):
        span = table[lo : hi + 1]
        span[span != _NONE] = _HANGUL
    table[0x3005] = _NONE  # 々, iteration mark, shared by both scripts
    table[ord(_SEP)] = _BOUNDARY
    return table


_detector: Any = None
_detector_lock = threading.Lock()


def _lingua() -> Any:
    """The lingua detector for Latin-script text, built once on first use."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(
                        Language.ENGLISH,
                        Language.SPANISH,
                        Language.FRENCH,
                        Language.ITALIAN,
                        Language.PORTUGUESE,
                        Language.GERMAN,
                        Language.TAGALOG,
                        Language.INDONESIAN,
                    )
                    .with_low_accuracy_mode()
                    .build()
                )
    return _detector


@functools.cache
def _english() -> Any:
    from lingua import Language

    return Language.ENGLISH


def _script_counts(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Per text, the number of characters of each script class (rows follow ``texts``),
    and each text's sample with links, handles and hashtags blanked (``_sample``).

    Counted in parts of at most ``_CHUNK_CHARS`` characters (about 30 bytes each), so that
    memory stays bounded whatever the batch size.
    """
    parts: list[npt.NDArray[np.int64]] = []
    samples: list[str] = []
    start = size = 0
    for end, text in enumerate(texts):
        size += min(len(text), _SAMPLE_CHARS) + 1
        if size > _CHUNK_CHARS and end > start:
            counts, cleaned = _counts_of(texts[start:end])
            parts.append(counts)
            samples += cleaned
            start, size = end, min(len(text), _SAMPLE_CHARS) + 1
    if start == 0:
        return _counts_of(texts)
    counts, cleaned = _counts_of(texts[start:])
    parts.append(counts)
    samples += cleaned
    return np.concatenate(parts), samples


def _counts_of(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    joined = _SEP.join([t[:_SAMPLE_CHARS].replace(_SEP, "") for t in texts])
    joined = _NOISE.sub(" ", joined)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _scripts()[cps]
    boundary = classes == _BOUNDARY
    text_id = np.cumsum(boundary)
    counts = np.bincount(text_id * _CLASSES + classes, minlength=len(texts) * _CLASSES)
    return counts.reshape(len(texts), _CLASSES), joined.split(_SEP)


def _sample(text: str, cleaned: str) -> str:
    """The first characters of ``text`` with links, handles and hashtags blanked.

    ``cleaned`` is that sample as cut from the batch joined by ``_SEP``: no match of
    ``_NOISE`` crosses ``_SEP``, and its look-behind and ``\\b`` see ``_SEP`` as they see
    a text's ends, so it is the same string, unless the text held ``_SEP`` itself (which
    the join dropped).
    """
    if _SEP in text:
        return _NOISE.sub(" ", text[:_SAMPLE_CHARS])
    return cleaned


def _looks_english(text: str) -> bool:
    """Whether the words alone settle that a Latin-script text is English."""
    words = _WORD.findall(text.lower())
    english = sum(1 for w in words if w in _ENGLISH_ONLY)
    if english < 3 or english * 5 < len(words):
        return False
    return not any(w in _NOT_ENGLISH for w in words)


def detect_batch(texts: Sequence[str]) -> list[str]:
    """Return ``"zh"``, ``"en"`` or ``"other"`` for each text (``"other"`` for empty)."""
    if not texts:
        return []
    counts, samples = _script_counts(texts)
    han, kana, latin, other, hangul = (
        counts[:, c] for c in (_HAN, _KANA, _LATIN, _OTHER_LETTER, _HANGUL)
    )
    letters = han + kana + latin + other + hangul
    japanese = (kana > 0) & (kana * 5 >= han + kana)
    korean = (hangul > 0) & (hangul >= han)
    chinese = (han > 0) & ~japanese & ~korean & (han * 5 >= latin + other + hangul)
    latin_script = ~chinese & ~japanese & (latin * 2 > letters)
    result = np.where(chinese, "zh", "other").tolist()
    for i in np.flatnonzero(latin_script & (letters > 0)).tolist():
        text = _sample(texts[i], samples[i])
        said = _cld2(text)
        if said is not None:
            if said == "en":
                result[i] = "en"
            continue
        if _looks_english(text):
            result[i] = "en"
            continue
        text = surrogates_replaced(text)
        if _lingua().detect_language_of(text[:_LINGUA_CHARS]) == _english():
            result[i] = "en"
    return [str(r) for r in result]


def _cld2(text: str) -> str | None:
    """CLD2's language code for a text, or None where it cannot tell."""
    sample = _UNSAFE_FOR_CLD2.sub(" ", text[:_LINGUA_CHARS])
    try:
        reliable, _, details = pycld2.detect(sample)
    except pycld2.error:  # bytes it still refuses: let the fallback decide
        return None
    code = str(details[0][1])
    if not reliable or code == "un":
        return None
    return code
