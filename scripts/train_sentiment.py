"""Train the sentiment model shipped as src/yuqing/textproc/models/sentiment.npz.

Reads ../shared/data/sentiment/dev.jsonl (never copied into the project) and splits it
by a hash of each record id: 20% test (held out: only eval_text_models.py looks at it),
10% validation (member scales, the neutral offset and the temperature are chosen on
it), 70% training. The shipped model is then refitted on training + validation with
those settings.

    .venv/bin/python scripts/train_sentiment.py [--data DIR] [--out FILE]

Takes a few minutes on a loaded 2-core machine. Two linear SVMs are fitted and shipped
as one ensemble: one on ``dataset:polarity`` (9 fine classes), one on
``dataset:emotion`` (the data set's original label, 17 fine classes); see sentiment.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xxhash
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from yuqing.textproc.sentiment import (
    MODEL_DIR,
    SENTIMENT_LABELS,
    HashedNgramFeaturizer,
    LinearTextModel,
    said_text,
    softmax,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SPLIT_SALT = "yuqing-sentiment-split:"
DATASETS = ("osmdataset2022", "waimai_10k", "smp2020-ewect-virus", "cluemotion2020")
SVM_C = 1.0


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file, naming the file and line of any bad record."""
    if not path.is_file():
        sys.exit(f"{path}: not found (the evaluation data lives in ../shared/data/)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: not JSON ({exc})")
    return rows


def split_of(record_id: str, salt: str = SPLIT_SALT) -> str:
    """Return "test" (20%), "val" (10%) or "train" (70%) by a stable hash of the id."""
    h = xxhash.xxh64_intdigest((salt + record_id).encode("utf-8")) % 100
    return "test" if h < 20 else "val" if h < 30 else "train"


def fine_class(row: dict[str, Any]) -> str:
    """The fine class a row is trained as: its data set and polarity."""
    return f"{row['dataset']}:{row['sentiment']}"


def emotion_class(row: dict[str, Any]) -> str:
    """The fine class of the second member: data set and original emotion label.

    The polarity is kept in the name so that the label of a fine class is known.
    """
    return f"{row['dataset']}:{row['emotion'] or 'none'}:{row['sentiment']}"


def fit_linear(
    texts: Sequence[str],
    fine: Sequence[str],
    labels: Sequence[str],
    label_of_fine: Callable[[str], str],
    featurizer: HashedNgramFeaturizer,
    c: float = SVM_C,
) -> LinearTextModel:
    """Fit a class-balanced linear SVM on fine classes; temperature 1, no offsets yet."""
    classes = sorted(set(fine))
    y = np.array([classes.index(f) for f in fine])
    x = featurizer.transform(texts)
    svm = LinearSVC(C=c, class_weight="balanced").fit(x, y)
    coef = svm.coef_.astype(np.float32)
    bias = svm.intercept_.astype(np.float32)
    if len(classes) == 2:  # liblinear keeps one column for two classes
        coef = np.vstack([-coef, coef])
        bias = np.array([-bias[0], bias[0]], dtype=np.float32)
    label_of = np.array([labels.index(label_of_fine(c_)) for c_ in classes], dtype=np.int64)
    return LinearTextModel(featurizer, coef.T.copy(), bias, labels, label_of, 1.0)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least log-loss on held-out scores."""
    best, best_t = np.inf, 1.0
    for t in np.geomspace(0.25, 16, 49):
        p = softmax((scores * t).astype(np.float32))
        nll = -np.log(np.clip(p[np.arange(len(y)), y], 1e-9, None)).mean()
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def fit_offset(scores: np.ndarray, y: np.ndarray, label: int) -> float:
    """The offset on one label's score that gives the best macro-F1 on held-out scores."""
    best, best_b = -1.0, 0.0
    for b in np.linspace(-0.5, 0.5, 21):
        s = scores.copy()
        s[:, label] += b
        f = float(f1_score(y, s.argmax(1), average="macro"))
        # prefer the smaller offset on ties
        if f > best + 1e-4 or (abs(f - best) <= 1e-4 and abs(b) < abs(best_b)):
            best, best_b = f, float(b)
    return best_b


def polarity(fine: str) -> str:
    return fine.rsplit(":", 1)[1]


MEMBERS: tuple[Callable[[dict[str, Any]], str], ...] = (fine_class, emotion_class)


def fit_members(
    rows: list[dict[str, Any]], featurizer: HashedNgramFeaturizer, scales: Sequence[float]
) -> LinearTextModel:
    """Fit one SVM per member and join them into one model (columns scaled per member)."""
    labels = list(SENTIMENT_LABELS)
    texts = [said_text(r["text"]) for r in rows]
    weights, biases, label_of, member_of = [], [], [], []
    for m, (member, scale) in enumerate(zip(MEMBERS, scales, strict=True)):
        part = fit_linear(texts, [member(r) for r in rows], labels, polarity, featurizer)
        weights.append(part.weights * scale)
        biases.append(part.bias * scale)
        label_of.append(part.label_of)
        member_of.append(np.full(len(part.label_of), m, dtype=np.int64))
    return LinearTextModel(
        featurizer,
        np.hstack(weights).astype(np.float32),
        np.concatenate(biases).astype(np.float32),
        labels,
        np.concatenate(label_of),
        1.0,
        member_of=np.concatenate(member_of),
    )


def train(rows: list[dict[str, Any]], val: list[dict[str, Any]]) -> LinearTextModel:
    """Fit on ``rows``, tune member scales, neutral offset, temperature on ``val``; refit."""
    labels = list(SENTIMENT_LABELS)
    featurizer = HashedNgramFeaturizer(n_bits=20, words=False)
    model = fit_members(rows, featurizer, [1.0] * len(MEMBERS))
    val_texts = [said_text(r["text"]) for r in val]
    # Each member's label scores are divided by their spread on validation, so that
    # neither member dominates the sum just by the size of its margins.
    scales = []
    for m in range(len(MEMBERS)):
        alone = LinearTextModel(
            featurizer,
            model.weights[:, model.member_of == m],
            model.bias[model.member_of == m],
            labels,
            model.label_of[model.member_of == m],
            1.0,
        )
        scales.append(1.0 / float(alone.scores(val_texts).std()))
    per_column = np.array(scales, dtype=np.float32)[model.member_of]
    model.weights *= per_column
    model.bias *= per_column
    yv = np.array([labels.index(r["sentiment"]) for r in val])
    sv = model.scores(val_texts)
    offset = fit_offset(sv, yv, labels.index("neutral"))
    sv[:, labels.index("neutral")] += offset
    temperature = fit_temperature(sv, yv)
    final = fit_members(rows + val, featurizer, scales)
    final.temperature = temperature
    final.offsets[labels.index("neutral")] = offset
    return final


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_DIR / "sentiment.npz")
    args = ap.parse_args()
    rows = read_jsonl(args.data / "sentiment" / "dev.jsonl")
    parts: dict[str, list[dict[str, Any]]] = {"train": [], "val": [], "test": []}
    for r in rows:
        parts[split_of(r["id"])].append(r)
    print({k: len(v) for k, v in parts.items()})
    t0 = time.perf_counter()
    model = train(parts["train"], parts["val"])
    print(
        f"trained in {time.perf_counter() - t0:.0f} s; temperature {model.temperature:.2f}, "
        f"neutral offset {model.offsets[1]:+.2f}"
    )
    model.save(args.out, data="sentiment/dev.jsonl train+val", script="scripts/train_sentiment.py")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
