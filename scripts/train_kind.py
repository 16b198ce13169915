"""Train the incident-kind model shipped as src/yuqing/textproc/models/kind.npz.

Emergency kinds come from ../shared/data/kinds/dev.jsonl (CEC news, 4 kinds). ``none``
comes from the everyday texts of ../shared/data/sentiment/dev.jsonl: food-delivery
reviews (waimai_10k) and general microblog posts (cluemotion2020). The two other sets
there are left out on purpose: SMP2020's are COVID-19 posts (public health) and
osmdataset2022's are comments on incidents. Everyday texts that name any emergency word
(``EMERGENCY_WORDS``, e.g. 地震, 车祸, 疫情; 35 of 12,241) are dropped from ``none`` too,
as they may well be about one. A sample of ``NONE_PER_SOURCE`` texts of each source is
used (hash-selected, so fixed).

Each article is trained on twice: title + body, and title alone (posts are short).

    .venv/bin/python scripts/train_kind.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_sentiment import DEFAULT_DATA, fit_linear, read_jsonl

from yuqing.textproc.kind import KIND_LABELS
from yuqing.textproc.sentiment import MODEL_DIR, HashedNgramFeaturizer, LinearTextModel

EMERGENCY_WORDS = re.compile(
    "地震|火灾|失火|起火|事故|疫情|爆炸|中毒|袭击|洪水|暴雨|台风|塌方|坍塌|遇难|死亡|伤亡|车祸|"
    "肺炎|病毒|泄漏|污染|恐怖|枪击|溺亡|溺水|疫苗|传染"
)
NONE_SOURCES = ("waimai_10k", "cluemotion2020")
NONE_PER_SOURCE = 1500
# The hazard types the national master plan (国家突发公共事件总体应急预案) lists under
# each kind, in everyday words. CEC's news covers only some of them (its natural
# disasters are all earthquakes), so each term is also a one-word training text of its
# kind: without them a post about a flood or a dike breach reads as ``none``. Generic
# words only, never a named event.
PLAN_TERMS: dict[str, tuple[str, ...]] = {
    "natural_disaster": (
        "自然灾害",
        "地震",
        "余震",
        "震感",
        "洪水",
        "洪涝",
        "洪灾",
        "山洪",
        "决堤",
        "溃堤",
        "溃坝",
        "管涌",
        "内涝",
        "暴雨",
        "特大暴雨",
        "台风",
        "龙卷风",
        "冰雹",
        "暴雪",
        "雪灾",
        "寒潮",
        "干旱",
        "旱灾",
        "高温",
        "热浪",
        "山体滑坡",
        "山体塌方",
        "滑坡",
        "泥石流",
        "崩塌",
        "地面塌陷",
        "海啸",
        "风暴潮",
        "森林火灾",
        "草原火灾",
        "山火",
        "沙尘暴",
        "雷击",
        "蝗灾",
        "防汛",
        "抗洪",
        "汛情",
        "险情",
        "水位",
        "受灾",
        "灾区",
        "救灾",
        "抗震",
        "气象灾害",
        "地质灾害",
        "被淹",
        "淹没",
        "积水",
        "进水",
        "倒灌",
        "漫堤",
        "强降雨",
        "转移群众",
    ),
    "accident": (
        "事故",
        "安全事故",
        "交通事故",
        "车祸",
        "追尾",
        "相撞",
        "侧翻",
        "翻车",
        "坠车",
        "坠机",
        "空难",
        "沉船",
        "翻船",
        "脱轨",
        "火灾",
        "失火",
        "起火",
        "着火",
        "大火",
        "爆炸",
        "爆燃",
        "燃气爆炸",
        "煤矿",
        "矿难",
        "透水",
        "瓦斯",
        "坍塌",
        "垮塌",
        "楼房倒塌",
        "桥梁垮塌",
        "泄漏",
        "化学品泄漏",
        "危化品",
        "污染",
        "水污染",
        "空气污染",
        "环境污染",
        "排污",
        "触电",
        "电梯事故",
        "踩踏",
        "生产安全",
        "消防",
    ),
    "public_health": (
        "公共卫生",
        "疫情",
        "传染病",
        "病毒",
        "感染",
        "确诊",
        "病例",
        "无症状感染者",
        "肺炎",
        "新冠",
        "流感",
        "禽流感",
        "霍乱",
        "鼠疫",
        "狂犬病",
        "手足口病",
        "诺如病毒",
        "疫苗",
        "核酸",
        "隔离",
        "封控",
        "防疫",
        "食物中毒",
        "中毒",
        "食品安全",
        "集体中毒",
        "不明原因疾病",
        "职业病",
        "动物疫情",
        "非洲猪瘟",
        "卫健委",
        "疾控",
        "呕吐",
        "腹泻",
        "腹痛",
        "上吐下泻",
        "集体发病",
        "送医",
        "就医",
        "急诊",
        "输液",
        "肠胃炎",
        "发热",
    ),
    "public_safety": (
        "社会安全",
        "恐怖袭击",
        "恐袭",
        "暴恐",
        "爆炸袭击",
        "袭击",
        "持刀",
        "砍人",
        "行凶",
        "枪击",
        "开枪",
        "劫持",
        "绑架",
        "人质",
        "凶杀",
        "命案",
        "杀人",
        "纵火",
        "投毒",
        "群体性事件",
        "聚集",
        "冲突",
        "斗殴",
        "骚乱",
        "暴乱",
        "打砸",
        "抢劫",
        "犯罪嫌疑人",
        "警方",
        "刑事案件",
        "涉外",
        "金融风险",
        "挤兑",
    ),
}
FOLDS = 5
MIX_PER_ARTICLE = 2
KIND_C = 1.0
FEATURIZER = HashedNgramFeaturizer(n_bits=18, char_min=1, char_max=3, words=False)


def fold_of(record_id: str, folds: int = FOLDS) -> int:
    """The cross-validation fold of a record, by a stable hash of its id."""
    return xxhash.xxh64_intdigest(f"yuqing-kind-fold:{record_id}".encode()) % folds


def article_text(row: dict[str, Any]) -> str:
    return f"{row['title']}\n{row['text']}"


def fine_of_article(row: dict[str, Any]) -> str:
    return f"{row['kind']}:{row['category'].split('/')[0]}"


def none_rows(sentiment_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Everyday texts for ``none`` (see the module docstring for the choice)."""
    out = []
    for source in NONE_SOURCES:
        pool = [
            r
            for r in sentiment_rows
            if r["dataset"] == source and not EMERGENCY_WORDS.search(r["text"])
        ]
        pool.sort(key=lambda r: xxhash.xxh64_intdigest(f"yuqing-kind-none:{r['id']}".encode()))
        out += pool[:NONE_PER_SOURCE]
    return out


def kind_of_fine(fine: str) -> str:
    return fine.split(":", 1)[0]


def fit(articles: list[dict[str, Any]], nones: list[dict[str, Any]]) -> LinearTextModel:
    """Fit the kind model on articles (whole and title alone) and ``none`` texts."""
    texts: list[str] = []
    fine: list[str] = []
    for a in articles:
        texts += [article_text(a), a["title"]]
        fine += [fine_of_article(a)] * 2
    for kind, terms in PLAN_TERMS.items():
        texts += list(terms)
        fine += [f"{kind}:plan"] * len(terms)
    for r in nones:
        texts.append(r["text"])
        fine.append(f"none:{r['dataset']}")
    # Mixed texts: an everyday post with an emergency headline or plan term in it is
    # about that emergency. Without them the model learns "news style = emergency,
    # microblog style = none" and calls posts about an earthquake ``none``.
    if nones:
        n = 0
        for a in articles:
            for _ in range(MIX_PER_ARTICLE):
                other = nones[(n * 7919) % len(nones)]["text"]
                texts.append(f"{other} {a['title']}" if n % 2 else f"{a['title']} {other}")
                fine.append(fine_of_article(a))
                n += 1
        for kind, terms in PLAN_TERMS.items():
            for term in terms:
                other = nones[(n * 7919) % len(nones)]["text"]
                cut = len(other) // 2
                texts.append(f"{other[:cut]}{term}{other[cut:]}")
                fine.append(f"{kind}:plan")
                n += 1
    model = fit_linear(texts, fine, list(KIND_LABELS), kind_of_fine, FEATURIZER, c=KIND_C)
    # Scores of a linear SVM are margins around +-1: a temperature of 3 makes a clear
    # margin read as ~0.9 confidence. Too few held-out articles per kind to fit it.
    model.temperature = 3.0
    return model


def load(data: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    articles = read_jsonl(data / "kinds" / "dev.jsonl")
    nones = none_rows(read_jsonl(data / "sentiment" / "dev.jsonl"))
    return articles, nones


def cross_validate(
    articles: list[dict[str, Any]], nones: list[dict[str, Any]], folds: int = FOLDS
) -> dict[str, tuple[list[str], list[str]]]:
    """Out-of-fold (gold, predicted) kinds of whole articles, titles and ``none`` texts."""
    out: dict[str, tuple[list[str], list[str]]] = {
        "articles": ([], []),
        "titles": ([], []),
        "none": ([], []),
    }
    for k in range(folds):
        train_a = [a for a in articles if fold_of(a["id"]) != k]
        test_a = [a for a in articles if fold_of(a["id"]) == k]
        train_n = [r for r in nones if fold_of(r["id"]) != k]
        test_n = [r for r in nones if fold_of(r["id"]) == k]
        model = fit(train_a, train_n)
        for name, texts, gold in (
            ("articles", [article_text(a) for a in test_a], [a["kind"] for a in test_a]),
            ("titles", [a["title"] for a in test_a], [a["kind"] for a in test_a]),
            ("none", [r["text"] for r in test_n], ["none"] * len(test_n)),
        ):
            out[name][0].extend(gold)
            out[name][1].extend(label for label, _ in model.predict(texts))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_DIR / "kind.npz")
    args = ap.parse_args()
    articles, nones = load(args.data)
    print(f"{len(articles)} articles, {len(nones)} none texts")
    model = fit(articles, nones)
    model.save(
        args.out, data="kinds/dev.jsonl + sentiment/dev.jsonl none", script="scripts/train_kind.py"
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
