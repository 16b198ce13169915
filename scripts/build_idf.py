"""Build the IDF table of common words that keyword extraction uses.

    .venv/bin/python scripts/build_idf.py [--data ../shared/data] [--out PATH]

Reads Chinese public texts from the evaluation data (``../shared/data``, never committed):
the sentiment set, the CED and CHECKED rumour sets (source posts and their reactions) and
the CEC news set. Every distinct text is one document; it is normalised and cut with
yuqing's own pipeline (so the table speaks the same tokens as production), and the
document frequency of each word counted. Only common words are kept (``--min-df``,
default 5 documents), and among those the most frequent ones that fit in ``--max-bytes``
(default 900,000): rare words, names of people and pseudonyms among them, never reach the
table. The result is a derived model made by the project, written to
``src/yuqing/textproc/data/idf.txt``: ``word<TAB>idf`` lines, idf = ln(N / df), with a
header that records N, the sources and the settings.

The stream files are left out on purpose: they are what event detection is measured on.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from yuqing.textproc.normalise import normalise_batch  # noqa: E402
from yuqing.textproc.segment import segment_batch  # noqa: E402

SOURCES = (
    "sentiment/dev.jsonl",
    "rumours/dev.jsonl",
    "rumours/checked-dev.jsonl",
    "kinds/dev.jsonl",
)
# A word worth a weight: Han characters, or a Latin word of letters (2-30 of them).
WORD = re.compile(r"^(?:[\u3400-\u9fff]{1,8}|[a-z]{2,30})$")


def texts_of(path: Path) -> Iterator[str]:
    """Yield every text of one JSON Lines file: post, title and reactions."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{number}: not JSON ({exc})") from exc
            if record.get("title"):
                yield str(record["title"])
            if record.get("text"):
                yield str(record["text"])
            for reaction in record.get("reactions") or ():
                if reaction.get("text"):
                    yield str(reaction["text"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src" / "yuqing" / "textproc" / "data" / "idf.txt"
    )
    parser.add_argument("--min-df", type=int, default=5)
    parser.add_argument("--max-bytes", type=int, default=900_000)
    args = parser.parse_args()

    started = time.perf_counter()
    seen: set[str] = set()
    df: Counter[str] = Counter()
    batch: list[str] = []
    used: list[str] = []

    def flush() -> None:
        for tokens in segment_batch(normalise_batch(batch)):
            df.update({t for t in tokens if WORD.match(t)})
        batch.clear()

    for name in SOURCES:
        path = args.data / name
        if not path.exists():
            print(f"skipped {path}: not found", file=sys.stderr)
            continue
        used.append(name)
        for text in texts_of(path):
            key = text.strip()
            if not key or key in seen:
                continue
            seen.add(key)
            batch.append(key)
            if len(batch) >= 5_000:
                flush()
    flush()
    documents = len(seen)
    if not documents:
        print(f"no texts found under {args.data}", file=sys.stderr)
        return 1

    common = [(w, c) for w, c in df.most_common() if c >= args.min_df]
    header = [
        "# IDF of common words for yuqing keyword extraction (made by scripts/build_idf.py).",
        f"# documents: {documents} distinct texts from {', '.join(used)}",
        f"# min_df: {args.min_df}; idf = ln(documents / df); format: word<TAB>idf",
    ]
    lines: list[str] = []
    size = sum(len(h.encode()) + 1 for h in header)
    for word, count in common:
        line = f"{word}\t{math.log(documents / count):.3f}"
        size += len(line.encode()) + 1
        if size > args.max_bytes:
            break
        lines.append(line)
    header.append(f"# words: {len(lines)} of {len(common)} common words")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(lines)} words from {documents} documents "
        f"({args.out.stat().st_size} bytes, {time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
