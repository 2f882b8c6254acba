"""K055: a reply longer than the shop's budget (the page's 太長不讀, "too long to read")."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.rules.replies import sent_texts, width
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

LINT = True

CODE = define(
    "K055",
    "long-reply",
    "a text sent to customers that is longer than the shop's reply budget",
    "Customers read replies on a phone, in a chat bubble. The seller-center page lists 太長不讀 (too long, "
    "did not read) among the reasons a customer rates a bot answer unsolved (BOT-8): a long reply is "
    "not read. Each reply, greeting and bot text is measured as the customer sees it (`${shop.name}` "
    "and `${shop.hours}` filled in, a customer's or agent's name left out) in columns: a Chinese, "
    "Japanese or Korean character takes two, other characters one. The budget is 200 columns (about "
    "100 Chinese characters, or 30 English words) unless the shop sets `lint { reply_budget N }`.",
    'faq returns {\n    ask "怎麼退貨"\n    reply "您好,退貨請先在【我的訂單】點選申請退貨,選擇退貨原因並上傳照片,'
    "賣家同意後請於七天內寄回,寄回時請附上訂單編號,我們收到商品並確認無誤後會在三到五個工作天內退款到您的原付款方式,"
    '若有任何問題歡迎隨時聯繫客服,謝謝您的耐心等候。"\n}',
    'faq returns {\n    ask "怎麼退貨"\n'
    '    reply "您好,請在【我的訂單】點選「申請退貨」,照步驟操作即可,收到退貨後 3-5 個工作天退款。"\n}',
    level=Severity.warning,
    category="replies",
    level_reason="The reply is sent as written; it is only likely to go unread.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    from kefu.engine.decide import filled, hours_text  # imported when a shop is checked, not on discovery

    budget = shop.lint.reply_budget
    values = {"shop.name": shop.name, "shop.hours": hours_text(shop), "customer.name": "", "agent.name": ""}
    for text in sent_texts(shop):
        columns = width(filled(text.text, values))
        if columns > budget:
            yield CODE.at(
                text.span,
                f"{text.what} takes {columns} columns, over the shop's budget of {budget}",
                "say only what the customer asked, and link the rest to a page on the platform; or raise "
                "the budget: lint { reply_budget N }",
            )
