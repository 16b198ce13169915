"""Measure the demo stream generator and monitor matching: ``python benchmarks/monitors.py``.

Prints posts/s of ``generate_posts`` and docs/s of ``MonitorSet.match_batch`` for 20
monitors over the generated posts. Building the ``MatchDoc``s (normalising, tokenising)
is left out of the matching figure: that is the text pipeline's cost, measured there.
"""

from __future__ import annotations

import argparse
import re
import time

from yuqing.core.monitors import MatchDoc, MonitorSet, compile_query
from yuqing.demo.scenario import generate_posts

MONITORS: tuple[str, ...] = (
    "(化工 OR 化工厂 OR 化工园区) AND (火 OR 爆炸 OR 浓烟 OR 起火)",
    "(学校 OR 食堂 OR 学生) AND (中毒 OR 呕吐 OR 腹痛 OR 送医)",
    "暴雨 OR 洪水 OR 汛 OR 积水 OR 转移",
    '自来水 AND (污染 OR 有毒 OR 不能喝 OR 辟谣 OR "谣言")',
    "化工园区 爆炸 -演练 -演习",
    '"情况通报" author_kind:government',
    "category:central_media 云溪",
    "category:overseas_media (fire OR 火灾 OR chem*)",
    "source:(weibo OR douyin) 受伤",
    "二中 (家长 OR 孩子) NOT 招生",
    "(塌方 OR 交通管制) S213",
    "lang:en (fire OR flood OR water)",
    "停水 OR 停电",
    "(死亡 OR 遇难) -辟谣",
    "云溪 (谣言 OR 不实 OR 辟谣)",
    "医院 (救治 OR 送医 OR 急诊)",
    "source:news (云溪 OR 江州)",
    "柳湾村 OR 河口乡",
    "(疏散 OR 转移) 群众",
    "place:云溪 (应急 OR 预警)",
)

_TOKENS = re.compile(r"[0-9a-z]+|[\u4e00-\u9fff]+")


def match_docs(posts: list[dict[str, object]]) -> list[MatchDoc]:
    """Posts as monitors see them, with crude tokens (Latin words, runs of Han)."""
    docs: list[MatchDoc] = []
    for post in posts:
        text = f"{post['title'] or ''} {post['text']}"
        docs.append(
            MatchDoc(
                text=text,
                tokens=frozenset(_TOKENS.findall(text.lower())),
                source=str(post["source"]),
                category=str(post["source_category"]),
                places=frozenset({"云溪县", "江州市"} if "云溪" in text else ()),
                lang=str(post["lang"]),
                author_kind=str(post["author_kind"]),
            )
        )
    return docs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=100_000, help="how many posts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    posts = generate_posts(args.seed, args.posts)
    elapsed = time.perf_counter() - started
    print(
        f"generate_posts: {len(posts):,} posts in {elapsed:.2f} s = {len(posts) / elapsed:,.0f}/s"
    )

    docs = match_docs(posts)
    monitors = MonitorSet((i, compile_query(q)) for i, q in enumerate(MONITORS))
    started = time.perf_counter()
    matched = monitors.match_batch(docs)
    elapsed = time.perf_counter() - started
    hits = sum(len(ids) for ids in matched)
    print(
        f"match_batch: {len(monitors)} monitors x {len(docs):,} docs in {elapsed:.2f} s = "
        f"{len(docs) / elapsed:,.0f} docs/s ({hits:,} matches)"
    )


if __name__ == "__main__":
    main()
