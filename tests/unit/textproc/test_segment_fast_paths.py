"""The fast paths of segmentation and pseudonymisation give what the plain code gave.

``segment._junk_to_spaces`` replaces ``_JUNK.sub`` on large batches (a code point table);
``segment_batch`` runs ``_NOISE`` only over texts that can hold a match; search terms come
from a per-token table. None of it may change a token or a term.
"""

from __future__ import annotations

import random

from yuqing.core.privacy import Pseudonymiser
from yuqing.textproc import segment
from yuqing.textproc.segment import expand_search_terms, segment_batch

_PIECES = [
    "@alice",
    "＠江州发布",
    "http://t.cn/a9689L",
    "www.example.com",
    "example.com/a/b",
    "[蜡烛]",
    "[doge]",
    "covid-19",
    "3.5",
    "...",
    "--",
    "_",
    "__x__",
    "Café",
    "ไฟไหม้",
    "пожар",
    "😀",
    "e\u0301",
    "\ue000",
    "化工厂爆炸",
    "湖南岳阳",
    "flooding",
    " ",
    "\n",
    "，",
    "。",
    "x" * 70,
]


def _texts(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 12))) for _ in range(n)]


def test_junk_table_agrees_with_the_regex_on_any_code_point() -> None:
    rnd = random.Random(7)
    alphabet = [chr(rnd.randrange(0x110000)) for _ in range(2000)] + list("_ .+-\ue000a我")
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 20)))
        assert segment._junk_to_spaces(text) == segment._JUNK.sub(" ", text)


def test_a_large_batch_is_cut_as_each_text_alone() -> None:
    texts = _texts(1, 3000)
    batch = segment_batch(texts)
    assert sum(map(len, texts)) >= segment._TABLE_FROM_CHARS  # the table's path
    assert batch == [segment_batch([t])[0] for t in texts]  # the regex's path, text by text


def test_noise_goes_from_the_texts_that_hold_it() -> None:
    assert segment_batch(["看@alice 的视频 http://t.cn/x [蜡烛] 火灾", "火灾"]) == [
        ["看", "的", "视频", "火灾"],
        ["火灾"],
    ]


def test_search_terms_do_not_depend_on_what_was_remembered() -> None:
    tokens = segment_batch(_texts(2, 300))
    first = [expand_search_terms(t, stems=True) for t in tokens]
    for table in segment._EXTRAS.values():
        table.clear()
    assert [expand_search_terms(t, stems=True) for t in tokens] == first
    assert [expand_search_terms(t, stems=True) for t in tokens] == first


def test_payload_values_without_names_are_kept_as_they_came() -> None:
    pseudonymiser = Pseudonymiser(b"k")
    assert pseudonymiser.mentions("no handle here") == "no handle here"
    assert pseudonymiser.mentions("ask &commat;bob").startswith("ask @u_")
    assert pseudonymiser.mentions("ask ﹫bob").startswith("ask @u_")
