"""Two versions of one small shop whose differences make every kind of change `kefu impact` names,
and the messages that show each (shared by tests/engine/test_impact.py and tests/tui/test_impact.py).

Seven entries of five asks each (35 asks: enough to calibrate). From OLD to NEW:

- refund becomes `auto never`: its exact ask goes auto-send -> suggest (the bot: answer -> fallback);
- warranty stops being `auto never`: suggest -> auto-send (the bot: fallback -> answer);
- giftcard (`auto never`) is removed: suggest -> nothing;
- loyalty (`auto never`) is added: nothing -> suggest;
- coupon is removed: auto-send -> nothing;
- the ask "where is my parcel" moves from tracking to delivery: another entry.
"""

from __future__ import annotations

from pathlib import Path

from kefu.dsl.cache import Cache
from kefu.dsl.load import load
from kefu.engine.rules import Shop

HEAD = """\
shop s "Shop S" {
    language en
    timezone "UTC"
}

staff {
    owner mia
}

assist {
    on
    auto_send on
}

bot {
    on
    when all_day
}
"""

ENTRIES = {
    "refund": [
        "how do i get a refund",
        "refund my money",
        "i want my money back",
        "can i be refunded",
        "refund policy",
    ],
    "warranty": [
        "is there a warranty",
        "how long is the warranty",
        "warranty repair",
        "broken after a month warranty",
        "does the guarantee cover it",
    ],
    "giftcard": [
        "do you sell gift cards",
        "gift card balance",
        "buy a gift card",
        "gift voucher for a friend",
        "redeem gift card",
    ],
    "coupon": [
        "coupon code not working",
        "where to enter a coupon",
        "discount code invalid",
        "promo code help",
        "my coupon expired",
    ],
    "tracking": [
        "track my order",
        "order tracking number",
        "where is my parcel",
        "has my order shipped",
        "tracking link broken",
    ],
    "delivery": [
        "how long does delivery take",
        "delivery times",
        "when will it arrive",
        "shipping duration",
        "express delivery option",
    ],
    "account": [
        "reset my password",
        "cannot log in",
        "change my email address",
        "delete my account",
        "account locked",
    ],
}
LOYALTY = ["loyalty points balance", "how do points work", "member rewards programme", "earn stars", "vip tier"]
NEVER_OLD = {"warranty", "giftcard"}
NEVER_NEW = {"refund", "loyalty"}
MOVED = "where is my parcel"


def _faq(entry: str, asks: list[str], never: bool) -> str:
    lines = [f'faq {entry} "{asks[0]}" {{', *(f'    ask "{ask}"' for ask in asks)]
    if never:
        lines.append("    auto never")
    lines += [f'    reply "{entry} reply"', "}", ""]
    return "\n".join(lines)


def old_text() -> str:
    return HEAD + "\n" + "\n".join(_faq(e, asks, e in NEVER_OLD) for e, asks in ENTRIES.items())


def new_text() -> str:
    entries = {e: list(asks) for e, asks in ENTRIES.items() if e not in ("giftcard", "coupon")}
    entries["tracking"].remove(MOVED)
    entries["delivery"].append(MOVED)
    entries["loyalty"] = LOYALTY
    return HEAD + "\n" + "\n".join(_faq(e, asks, e in NEVER_NEW) for e, asks in entries.items())


# a message -> (its change as plain message, old entry, new entry)
EXPECTED = {
    "how do i get a refund": ("auto_send->suggest", "refund", "refund"),
    "is there a warranty": ("suggest->auto_send", "warranty", "warranty"),
    "buy a gift card": ("suggest->none", "giftcard", None),
    "earn stars": ("none->suggest", None, "loyalty"),
    "promo code help": ("auto_send->none", "coupon", None),
    MOVED: ("entry", "tracking", "delivery"),
}
UNCHANGED = ["reset my password", "how long does delivery take"]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shop.kefu").write_text(text, encoding="utf-8")
    return folder


def shop_of(folder: Path) -> Shop:
    result = load([folder], Cache.disabled())
    assert not result.errors, result.errors
    (shop,) = result.rules.shops
    return shop
