"""Posts written to be costly or odd: long numeral runs, line after line of marks, the
dotted capital I, lone surrogates. The same cues, found without seconds of work a post."""

from __future__ import annotations

import random
import re

import pytest

from yuqing.textproc import severity
from yuqing.textproc.places import default_finder
from yuqing.textproc.severity import extract_cues_batch


def _cues(texts: list[str]) -> list[list[tuple[str, int | None, str]]]:
    return [[(c.kind, c.value, c.text) for c in cues] for cues in extract_cues_batch(texts)]


def test_long_numeral_runs_give_the_cues_they_gave_when_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chooser = random.Random(5)
    numerals = ["几", "十", "二〇二四", "三四十", "百十", "数", "1", "两千", "亿"]
    counts = ["3人死亡", "十余人受伤", "中毒5人", "2人失联", "，", "。", "食堂", "被困"]
    texts = []
    for _ in range(40):
        parts = []
        for _ in range(chooser.randint(1, 4)):
            parts.append(chooser.choice(numerals) * chooser.randint(1, 120))
            parts.append(chooser.choice(counts))
        texts.append("".join(parts))
    texts.append("几" * 200 + "十人死亡")
    shortened = _cues(texts)
    never = re.compile("(?!)")
    monkeypatch.setattr(severity, "_LONG_NUMERAL_RUN", never)
    assert _cues(texts) == shortened
    assert sum(map(len, shortened)) > 15


def test_a_post_of_five_thousand_numerals_is_read() -> None:
    # It took 5.6 seconds (the count patterns tried every split of the run at each of its
    # characters); the count beside it is found as before.
    assert _cues(["中毒3人死亡" + "几" * 4994]) == [[("deaths", 3, "3人死亡")]]


# The digest head as it was written, which ran from every line start to the end of the
# text and back.
_OLD_DIGEST_HEAD = re.compile(
    severity._DIGEST_HEAD.pattern.replace(
        r"^(?:[^\S\n]|[#【\[《「(（])*", r"^[\s#【\[《「(（]*"
    ).replace(r"|^[^\w\n]*", r"|^\W*"),
    severity._DIGEST_HEAD.flags,
)


def test_the_digest_head_is_found_where_it_was_without_running_over_lines() -> None:
    assert _OLD_DIGEST_HEAD.pattern != severity._DIGEST_HEAD.pattern
    assert r"^[\s#" in _OLD_DIGEST_HEAD.pattern and r"|^\W*" in _OLD_DIGEST_HEAD.pattern
    chooser = random.Random(9)
    pieces = [
        "\n", " ", "\u3000", "#", "【", "《", "(", "，", "-", "早报", "今日要闻", "12月3日",
        "】", ":", "news digest", "Top stories", " ", "3人死亡", "text", "\n\n", "📢",
    ]  # fmt: skip
    texts = [
        "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 14))) for _ in range(5000)
    ]
    found = [bool(severity._DIGEST_HEAD.search(t)) for t in texts]
    assert found == [bool(_OLD_DIGEST_HEAD.search(t)) for t in texts]
    assert 200 < sum(found) < 4800
    assert _cues(["3人死亡" + "\n#" * 2498]) == [[("deaths", 3, "3人死亡")]]


def test_capitals_with_a_dotted_i_keep_their_counts_and_words() -> None:
    assert _cues(["BREAKING: 12 KILLED IN İSTANBUL BLAST"]) == [[("deaths", 12, "12 KILLED")]]
    assert _cues(["3 KİLLED, 5 İNJURED"]) == [
        [("deaths", 3, "3 KİLLED"), ("injuries", 5, "5 İNJURED")]
    ]
    assert _cues(["EXPLOSION İN İZMIR"]) == [[("escalation", None, "EXPLOSION")]]


def test_a_lone_surrogate_fails_neither_the_places_nor_the_batch() -> None:
    places = default_finder().find_batch(["岳阳\ud800", "北京"])
    assert [p.name for p in places[0]] == ["岳阳市"]
    assert places[1]
    cues = _cues(["岳阳地震3人死亡\ud800", "3人死亡"])
    assert cues[1] == [("deaths", 3, "3人死亡")]
