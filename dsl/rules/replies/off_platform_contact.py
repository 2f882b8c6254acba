"""K057: contact details or links outside the platform in a text sent to customers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.rules.replies import sent_texts
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

LINT = True

# what kefu looks for unless the shop allows it: (what it is, the pattern)
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("a link", r"(?i)\bhttps?://\S+|\bwww\.[\w-]+\.\S+"),
    ("an e-mail address", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("an account handle", r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{2,}"),
    ("a phone number", r"\+\d{1,3}[\s-]?\d{3,4}[\s-]?\d{3,4}\b|(?<![\d-])0\d{1,3}-?\d{3,4}-?\d{3,4}(?![\d-])"),
    (
        "a messaging app",
        r"(?i)(?<![a-z])line\s*id(?![a-z])|line\.me|加\s*line|\bwechat\b|\bweixin\b|微信|whatsapp|wa\.me|telegram|\bt\.me/|\bqq\s*[:：]?\s*\d{5,}",
    ),
)

CODE = define(
    "K057",
    "off-platform-contact",
    "contact details or a link outside the platform in a text sent to customers",
    "Selling platforms keep the conversation, the order and the payment on the platform, and most "
    "forbid sending customers elsewhere: a reply that gives a LINE ID, a phone number, an e-mail "
    "address or a link to another site may get the shop warned, and a customer who leaves the platform "
    "leaves its protection. kefu looks in every reply, greeting and bot text for links, e-mail "
    "addresses, @handles, phone numbers and messaging apps (LINE, WeChat, WhatsApp, Telegram, QQ), "
    "plus the shop's own patterns (`lint { contact \"...\" }`). What is fine, such as the platform's own "
    'links, is written `lint { allow "..." }`: what a pattern finds is not reported when an allow '
    'pattern finds something in it (`allow "shopee\\\\.tw"` lets `https://shopee.tw/...` through).',
    'faq contact {\n    ask "怎麼聯絡你們"\n    reply "請加我們的 LINE ID: @demostore 或撥 02-2345-6789"\n}',
    'faq contact {\n    ask "怎麼聯絡你們"\n    reply "請直接在聊聊留言,客服上線後會馬上回覆您。"\n}',
    level=Severity.warning,
    category="replies",
    level_reason="The text is sent as written; whether the platform allows it is the merchant's call, "
    "which a suppression comment or an allow pattern records where reviewers see it.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    patterns = [(what, re.compile(text)) for what, text in BUILT_IN]
    patterns += [("the shop's contact pattern", re.compile(p.text)) for p in shop.lint.contact]
    allowed = [re.compile(p.text) for p in shop.lint.allow]
    for text in sent_texts(shop):
        found: list[str] = []
        for what, pattern in patterns:
            for hit in pattern.finditer(text.text):
                if hit.group(0) and not any(allow.search(hit.group(0)) for allow in allowed):
                    found.append(f'{what} "{hit.group(0)}"')
        if found:
            yield CODE.at(
                text.span,
                f"{text.what} sends customers off the platform: {', '.join(dict.fromkeys(found))}",
                'keep the conversation on the platform; if this is allowed, say so: lint { allow "..." }, or '
                "# kefu: ignore[K057] with the reason",
            )
