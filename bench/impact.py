"""`kefu impact` on a one-entry change: a 1k-entry shop (5 asks each, half English, half Chinese,
each entry about two topic words of its own), one entry gaining two asks (one of them another
entry's, word for word), 10k distinct messages about the entries (a third of them ambiguous: one
topic word from another entry). Under the old rules about half the messages auto-send and half
are suggested.

Two figures, measured in the same run on the same shops and messages:

- **impact**: the comparison as `kefu impact` runs it: both shops compiled (matcher and calibration;
  the new one reuses nothing, as asks changed), the old decision of every message, and the new
  decision of only the messages whose new decision the change could move (engine/rescore.py: a bound
  on how far the tf-idf weights and the calibration moved), then grouped;
- **score all twice**: the baseline: both shops compiled the same way, every message scored with
  both (`--full`), then grouped.

Both must list the same changed messages (the script stops if not). It prints which path ran, how
many messages were scored again, and the same two figures for the `kefu impact` command itself,
end to end (the shop written as a .kefu file and committed to a temporary git repository, the old
side read from HEAD, the messages read from a --corpus file).

Usage::

    .venv/bin/python bench/impact.py            # 1,000 entries, 10,000 messages (about a minute)
    .venv/bin/python bench/impact.py --smoke    # 60 entries, 300 messages: seconds (the tests run it)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from match import EN_FRAMES, ZH_FRAMES  # noqa: E402

from kefu.engine.corpus import Message  # noqa: E402
from kefu.engine.decide import CompiledShop  # noqa: E402
from kefu.engine.impact import Changed, compare_plain, group  # noqa: E402
from kefu.engine.rules import Ask, FaqEntry, Shop  # noqa: E402
from kefu.engine.simulate import recompile  # noqa: E402

ASKS_PER_ENTRY = 5
CHANGED = 7  # the entry that gains two asks, one of them an ask of entry CHANGED + 2
NEW_ASK_EN = "can i get the refund for a damaged parcel"
NEW_ASK_ZH = "請問破損的包裹可以退款嗎"
GOAL = 10.0  # seconds, the impact figure at 1k entries and 10k messages


SYLLABLES = ("ka", "lo", "mi", "te", "ru", "sa", "no", "vi", "pe", "zu", "ga", "ri", "to", "me", "bo", "da")
HAN = (
    "訂單運費退款貨包裹配送付發票優惠折扣尺寸顏色庫存保固換取消地址"
    "查詢門市自價格禮物裝帳號密碼信用卡會員點數快遞海外關稅收據破損缺件寄錯延遲到出"
)
EXTRA_FRAMES = ("please tell me about {} {}", "{} {} question", "any news on {} {}")
EXTRA_ZH_FRAMES = ("請告訴我{}{}", "關於{}{}的問題", "{}跟{}怎麼辦")


def topic_words(number: int) -> tuple[bool, str, str]:
    """Entry `number`'s two topic words, its own (half the entries English pseudo-words of three
    syllables, half Chinese two-character words): entries differ by topic, as a shop's do."""
    zh = number % 2 == 1
    order = random.Random(zh).sample(range(len(HAN) ** 2 if zh else len(SYLLABLES) ** 3), 2 * (number // 2 + 1))
    words = []
    for code in order[2 * (number // 2) :]:
        if zh:
            words.append(HAN[code // len(HAN)] + HAN[code % len(HAN)])
        else:
            words.append(SYLLABLES[code // 256] + SYLLABLES[(code // 16) % 16] + SYLLABLES[code % 16])
    return zh, words[0], words[1]


def entry_asks(number: int) -> tuple[bool, list[str]]:
    """An entry's asks: in one language, about its two topic words, in the shop's frames."""
    zh, a, b = topic_words(number)
    frames = ZH_FRAMES if zh else EN_FRAMES
    return zh, [frame.format(a, b) for frame in frames][:ASKS_PER_ENTRY]


def shops(entries: int) -> tuple[Shop, Shop]:
    """The shop before and after entry CHANGED gains two asks."""
    faq = []
    for number in range(entries):
        _, asks = entry_asks(number)
        faq.append(FaqEntry(id=f"e{number}", title=asks[0], asks=tuple(Ask(text=t) for t in asks), reply=f"r{number}"))
    old = Shop(id="b", name="Bench", entries=tuple(faq))
    target = faq[CHANGED]
    zh, near = entry_asks(CHANGED + 2)  # another entry's ask, word for word: its messages now have two answers
    added = (NEW_ASK_ZH if zh else NEW_ASK_EN, near[1])
    faq[CHANGED] = target.model_copy(update={"asks": (*target.asks, *(Ask(text=text) for text in added))})
    return old, old.model_copy(update={"entries": tuple(faq)})


def messages(entries: int, count: int, seed: int = 0) -> list[str]:
    """`count` distinct messages about the entries: in the shop's frames or others, a third with one
    topic word taken from another entry (ambiguous), some with a polite word."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        number = rng.randrange(entries)
        zh, a, b = topic_words(number)
        if rng.random() < 0.33:
            other = topic_words(rng.randrange(number % 2, entries, 2))  # an entry of the same language
            b = other[2]
        frames = (ZH_FRAMES + EXTRA_ZH_FRAMES) if zh else (EN_FRAMES + EXTRA_FRAMES)
        tail = rng.choice(["", "謝謝", "請問一下"] if zh else ["", "please", "thanks"])
        found[
            f"{rng.choice(frames).format(a, b)} {tail}".strip()
            + ("" if rng.random() < 0.7 else " ?" * rng.randrange(1, 9))
        ] = None
    return list(found)


def impact(old_shop: Shop, new_shop: Shop, corpus: list[Message], fast: bool) -> tuple[float, list[Changed], str]:
    """Seconds for the whole comparison, the changes, and a note: the path, and the share compiling took."""
    start = time.perf_counter()
    old = CompiledShop(old_shop)
    new = recompile(new_shop, old)
    compiled = time.perf_counter() - start
    changed, figures = compare_plain("b", old, new, corpus, fast=fast)
    group(changed)
    seconds = time.perf_counter() - start
    note = (
        f"path {figures.path}, {figures.rescored} of {figures.messages} scored again "
        f"(compiling both shops took {compiled:.2f} s of it); {figures.reason}"
    )
    return seconds, changed, note


def kefu_text(shop: Shop) -> str:
    """The shop as a .kefu file."""
    lines = [f'shop {shop.id} "{shop.name}" {{}}', "", "staff {", "    owner o", "}", ""]
    for entry in shop.entries:
        lines.append(f'faq {entry.id} "{entry.title}" {{')
        lines += [f'    ask "{ask.text}"' for ask in entry.asks]
        lines += [f'    reply "{entry.reply}"', "}", ""]
    return "\n".join(lines)


def command(old_shop: Shop, new_shop: Shop, texts: list[str]) -> tuple[float, float, int]:
    """`kefu impact --base HEAD` end to end, then with --full: seconds each, and the changes found."""
    kefu = str(Path(sys.executable).parent / "kefu")
    with tempfile.TemporaryDirectory(prefix="kefu-bench-impact-") as folder:
        repo = Path(folder)
        run = {"cwd": repo, "check": True, "capture_output": True}
        subprocess.run(["git", "init", "-q"], **run)  # type: ignore[call-overload]
        (repo / "shop").mkdir()
        (repo / "shop" / "shop.kefu").write_text(kefu_text(old_shop), encoding="utf-8")
        subprocess.run(["git", "add", "."], **run)  # type: ignore[call-overload]
        subprocess.run(  # type: ignore[call-overload]
            ["git", "-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-q", "-m", "old"], **run
        )
        (repo / "shop" / "shop.kefu").write_text(kefu_text(new_shop), encoding="utf-8")
        (repo / "q.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        base = [kefu, "impact", "--base", "HEAD", "shop", "--corpus", "q.jsonl", "--no-db", "--json", "--no-cache"]
        times, found = [], []
        for extra in ([], ["--full"]):
            start = time.perf_counter()
            done = subprocess.run([*base, *extra], cwd=repo, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"kefu impact failed: {done.stderr.strip()[-500:]}")
            found.append(json.loads(done.stdout)["changed"])
        if found[0] != found[1]:
            raise SystemExit(f"kefu impact found {found[0]} changes, --full {found[1]}")
        return times[0], times[1], found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="60 entries and 300 messages: seconds, for the tests")
    args = parser.parse_args()
    entries, count = (60, 300) if args.smoke else (args.entries, args.messages)
    old_shop, new_shop = shops(entries)
    texts = messages(entries, count)
    corpus = [Message(text=text, shop="b", kind="corpus", where=f"q:{n}") for n, text in enumerate(texts, 1)]
    print(f"shop: {entries} entries, {entries * ASKS_PER_ENTRY + 2} asks; one entry gains two asks; {count} messages")
    impact(*shops(20), corpus[:20], fast=True)  # warm up: the first run pays for lazy imports
    fast_seconds, fast_changed, note = impact(old_shop, new_shop, corpus, fast=True)
    full_seconds, full_changed, _ = impact(old_shop, new_shop, corpus, fast=False)
    if [c.model_dump() for c in fast_changed] != [c.model_dump() for c in full_changed]:
        raise SystemExit("the fast path and scoring everything disagree: a bug")
    print(f"impact ran: {note}")
    print(f"changed messages: {len(fast_changed)} (the same when every message is scored twice)")
    print(f"{'':<32} {'impact s':>9} {'score all twice s':>18} {'speed-up':>9}")
    speed = full_seconds / fast_seconds
    print(f"{'engine (compile both + decide)':<32} {fast_seconds:9.2f} {full_seconds:18.2f} {speed:8.1f}x")
    cli_fast, cli_full, _ = command(old_shop, new_shop, texts)
    print(f"{'kefu impact, end to end':<32} {cli_fast:9.2f} {cli_full:18.2f} {cli_full / cli_fast:8.1f}x")
    print(f"goal: impact <= {GOAL:g} s end to end at 1,000 entries and 10,000 messages")


if __name__ == "__main__":
    main()
