"""Matching speed: per-message latency (p50, p99), index build time and memory at 1k, 10k and 100k
asks (half English, half Chinese), next to two peers measured in the same run:

- naive: rapidfuzz process.extractOne(message, asks, scorer=fuzz.WRatio) over every ask;
- tf-idf: scikit-learn char 2-4-gram TfidfVectorizer, nearest ask by sparse dot product
  (a bench-only dependency: pip install -e '.[bench]').

kefu's figure is the whole `Matcher.match` (normalisation, scoring, calibration lookup, decision);
its build time includes the held-out calibration. A guess about to be auto-sent also pays the
meaning check (`engine.meaning`), which these messages, near twins of the asks, rarely need: it is
timed apart on every message against its best entry (that entry's texts embedded the first time),
and the model, loaded once per process before the build (as an import is), and the shop's meaning
background, measured once after it (as `kefu tui` does as it starts), are timed apart too.
Memory is the growth of the process's peak RSS while the index is built (measured in a fresh child
process per size and method).

Usage::

    .venv/bin/python bench/match.py                          # 1k, 10k and 100k asks (minutes)
    .venv/bin/python bench/match.py --sizes 1000,10000       # chosen sizes
    .venv/bin/python bench/match.py --smoke                  # 200 asks, 20 messages: seconds (the tests run it)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EN_WORDS = [
    "order",
    "shipping",
    "refund",
    "return",
    "parcel",
    "delivery",
    "payment",
    "invoice",
    "coupon",
    "discount",
    "size",
    "colour",
    "stock",
    "warranty",
    "exchange",
    "cancel",
    "address",
    "track",
    "store",
    "pickup",
    "price",
    "gift",
    "wrap",
    "account",
    "password",
    "card",
    "voucher",
    "membership",
    "points",
    "express",
    "overseas",
    "customs",
    "tax",
    "receipt",
    "damaged",
    "missing",
    "wrong",
    "late",
]
ZH_WORDS = [
    "訂單",
    "運費",
    "退款",
    "退貨",
    "包裹",
    "配送",
    "付款",
    "發票",
    "優惠券",
    "折扣",
    "尺寸",
    "顏色",
    "庫存",
    "保固",
    "換貨",
    "取消",
    "地址",
    "查詢",
    "門市",
    "自取",
    "價格",
    "禮物",
    "包裝",
    "帳號",
    "密碼",
    "信用卡",
    "會員",
    "點數",
    "快遞",
    "海外",
    "關稅",
    "收據",
    "破損",
    "缺件",
    "寄錯",
    "延遲",
    "包郵",
    "免運",
    "到貨",
    "出貨",
]
EN_FRAMES = ("how do i {} my {}", "can i {} the {}", "where is my {} {}", "is {} {} possible", "what about {} and {}")
ZH_FRAMES = ("請問{}可以{}嗎", "我的{}還沒{}", "{}要怎麼{}", "想問一下{}和{}", "{}什麼時候{}")


def corpus(asks: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """`asks` asks in entries of 5 (half English, half Chinese), and 2x300 messages near them."""
    rng = random.Random(seed)
    texts, owners = [], []
    for number in range(asks):
        zh = number % 2 == 1
        words, frames = (ZH_WORDS, ZH_FRAMES) if zh else (EN_WORDS, EN_FRAMES)
        entry = number // 5
        topic = random.Random(entry * 7 + zh)  # an entry's asks share their topic words
        a, b = topic.choice(words), topic.choice(words)
        texts.append(rng.choice(frames).format(a, b) + ("" if zh else f" {number % 97}"))
        owners.append(f"e{entry}.{'zh' if zh else 'en'}")
    messages = [
        texts[rng.randrange(asks)].replace("my", "the") + (" 謝謝" if rng.random() < 0.5 else " please")
        for _ in range(300)
    ]
    return texts, owners, messages


SMOKE_SIZE, SMOKE_QUERIES = 200, 20

CHILD = r"""
import json, resource, sys, time, gc
sys.path.insert(0, {bench!r})
from match import corpus
method, size, queries = {method!r}, {size}, {queries}
texts, owners, messages = corpus(size)
messages = messages[:queries]
model = 0.0
if method == "kefu":
    from kefu.engine.meaning import embedder
    loading = time.perf_counter()
    embedder()
    model = time.perf_counter() - loading
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if method == "kefu":
    from kefu.engine.matcher import Matcher
    from kefu.engine.rules import Ask, FaqEntry, Matching
    grouped = {{}}
    for text, owner in zip(texts, owners):
        grouped.setdefault(owner, []).append(text)
    entries = [FaqEntry(id=k, title=v[0], asks=tuple(Ask(text=t) for t in v), reply="r") for k, v in grouped.items()]
    matcher = Matcher(entries)
    levels = Matching()
    run = lambda m: matcher.match(m, levels)
elif method == "tfidf":
    from sklearn.feature_extraction.text import TfidfVectorizer
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    matrix = vectorizer.fit_transform(texts)
    matrix_t = matrix.T.tocsr()
    def run(m):
        scores = vectorizer.transform([m]) @ matrix_t
        return scores.argmax()
else:
    from rapidfuzz import fuzz, process, utils
    run = lambda m: process.extractOne(m, texts, scorer=fuzz.WRatio, processor=utils.default_process)
build = time.perf_counter() - start
memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
background = 0.0
if method == "kefu":  # the meaning check's background, once per shop (`kefu tui` measures it as it starts)
    measuring = time.perf_counter()
    matcher.meaning.background()
    background = time.perf_counter() - measuring
times = []
for message in messages:
    t = time.perf_counter()
    run(message)
    times.append((time.perf_counter() - t) * 1000)
check = []
if method == "kefu":  # the meaning check alone, as a guess about to be auto-sent would pay it
    for message in messages:
        found = matcher.match(message, levels)
        if found.best is not None:
            t = time.perf_counter()
            matcher.meaning.of(found.message.text, matcher.numbers[found.best.entry])
            check.append((time.perf_counter() - t) * 1000)
print(json.dumps({{"build": build, "memory_mb": memory, "times": times, "model": model, "check": check,
                  "background": background}}))
"""


def measure(method: str, size: int, queries: int) -> dict:
    code = CHILD.format(bench=str(ROOT / "bench"), method=method, size=size, queries=queries)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{method} at {size}: {done.stderr.strip().splitlines()[-1] if done.stderr else 'failed'}")
    return json.loads(done.stdout)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="asks per index, comma-separated")
    parser.add_argument("--queries", type=int, default=300, help="messages timed per index (at most 300)")
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_SIZE} asks and {SMOKE_QUERIES} messages: seconds, for the tests"
    )
    args = parser.parse_args()
    sizes = [SMOKE_SIZE] if args.smoke else [int(s) for s in args.sizes.split(",")]
    queries = SMOKE_QUERIES if args.smoke else args.queries
    print(f"{'asks':>8} {'method':<6} {'build s':>8} {'mem MB':>7} {'p50 ms':>8} {'p99 ms':>8} {'vs naive p99':>13}")
    for size in sizes:
        rows = {
            method: measure(method, size, queries if method != "naive" or size < 100_000 else 60)
            for method in ("kefu", "tfidf", "naive")
        }
        naive_p99 = percentile(rows["naive"]["times"], 0.99)
        for method, row in rows.items():
            p50, p99 = statistics.median(row["times"]), percentile(row["times"], 0.99)
            print(
                f"{size:>8} {method:<6} {row['build']:8.2f} {row['memory_mb']:7.0f} {p50:8.2f} {p99:8.2f} "
                f"{naive_p99 / p99:12.1f}x",
                flush=True,
            )
        check = rows["kefu"]["check"] or [0.0]
        print(
            f"{'':>8} kefu's meaning check of a guess about to be auto-sent (its entry embedded on first need): "
            f"p50 {statistics.median(check):.2f} / p99 {percentile(check, 0.99):.2f} ms more; "
            f"model loaded in {rows['kefu']['model']:.2f} s, once per process; the shop's background measured "
            f"in {rows['kefu']['background'] * 1000:.0f} ms, once per shop",
            flush=True,
        )
    print(
        "goals: p99 <= 2 ms at 10k, <= 10 ms at 100k, build <= 10 s at 100k; >= 10x naive at 10k, >= 20x at 100k;"
        " never slower than tf-idf"
    )


if __name__ == "__main__":
    main()
