"""What kefu itself says, in the shop's language: labels under messages, system notices, the default
fallback, day names and the rating's words.

The seller-center help page is written in Traditional Chinese; its exact words are the zh-Hant texts
(AR-6, BOT-6, BOT-7, BOT-8). zh-Hans says the same in Simplified characters, and every other shop
language gets English. `language_of` maps a shop's `language` setting to one of the three.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

HANT, HANS, ENGLISH = "zh-Hant", "zh-Hans", "en"
LANGUAGES = (HANT, HANS, ENGLISH)
_SIMPLIFIED = ("zh-hans", "zh-cn", "zh-sg", "zh-my")


def language_of(setting: str | None) -> str:
    """The wording for a shop's `language` (a BCP 47 tag, or none): zh-Hant for Chinese unless the tag
    says Simplified (zh-Hans, zh-CN, zh-SG, zh-MY), English for anything else. No language: zh-Hant,
    the language of the page the behaviour comes from."""
    if setting is None:
        return HANT
    tag = setting.strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        return HANS if tag.startswith(_SIMPLIFIED) else HANT
    return ENGLISH


class Wording(BaseModel):
    """Everything kefu says in one language."""

    model_config = ConfigDict(frozen=True)

    auto_sent: str  # AR-6: under an assist auto-send, for agents
    bot: str  # BOT-6: under a bot message, for agents
    sent_by_assistant: str  # BOT-6: under a bot message, for the customer
    fallback: str  # BOT-7: the bot's default fallback
    notices: dict[str, str]  # AR-7, BOT-7, STOP-2: system messages for agents, by reason
    days: tuple[str, ...]  # Monday first
    hours_join: str  # between groups of days in `${shop.hours}`
    days_dash: str  # between the first and last day of a group
    unreplied: str  # AR-7, BOT-7: the tag in the inbox
    solved: str  # BOT-8
    unsolved: str
    reasons: dict[str, str]  # BOT-8: why unsolved, by `Reason` value


WORDING: dict[str, Wording] = {
    HANT: Wording(
        auto_sent="自動發送",
        bot="機器人",
        sent_by_assistant="由聊天助手發送",
        fallback="抱歉目前人工客服不在線,上線後會第一時間回覆您",
        notices={
            "assist_cannot_answer": "聊天助手無法回覆此訊息,請儘快回覆顧客。",
            "bot_cannot_answer": "機器人無法回覆此訊息,已發送預設回覆,請客服上線後儘快回覆。",
            "repeat_limit": "同一則自動回覆已重複發送,聊天助手已停止自動回覆此會話,請儘快回覆顧客。",
        },
        days=("週一", "週二", "週三", "週四", "週五", "週六", "週日"),
        hours_join="、",
        days_dash="至",
        unreplied="未回覆",
        solved="問題已解決",
        unsolved="問題未解決",
        reasons={"too_long": "太長不讀", "not_useful": "答案沒用", "off_topic": "答非所問", "other": "其他"},
    ),
    HANS: Wording(
        auto_sent="自动发送",
        bot="机器人",
        sent_by_assistant="由聊天助手发送",
        fallback="抱歉目前人工客服不在线,上线后会第一时间回复您",
        notices={
            "assist_cannot_answer": "聊天助手无法回复此消息,请尽快回复顾客。",
            "bot_cannot_answer": "机器人无法回复此消息,已发送默认回复,请客服上线后尽快回复。",
            "repeat_limit": "同一条自动回复已重复发送,聊天助手已停止自动回复此会话,请尽快回复顾客。",
        },
        days=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        hours_join="、",
        days_dash="至",
        unreplied="未回复",
        solved="问题已解决",
        unsolved="问题未解决",
        reasons={"too_long": "太长不读", "not_useful": "答案没用", "off_topic": "答非所问", "other": "其他"},
    ),
    ENGLISH: Wording(
        auto_sent="Auto-sent",
        bot="Bot",
        sent_by_assistant="Sent by the chat assistant",
        fallback="Sorry, no agent is online right now. We will reply as soon as we are back.",
        notices={
            "assist_cannot_answer": "The assistant could not answer this message: please reply to the customer soon.",
            "bot_cannot_answer": "The bot could not answer and sent the fallback: please reply as soon as you are "
            "online.",
            "repeat_limit": "The same automatic reply would have been sent again, so the assistant stopped "
            "answering this conversation: please reply to the customer soon.",
        },
        days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        hours_join="; ",
        days_dash="-",
        unreplied="Unreplied",
        solved="Solved",
        unsolved="Not solved",
        reasons={"too_long": "Too long", "not_useful": "Not useful", "off_topic": "Off topic", "other": "Other"},
    ),
}


def wording(setting: str | None) -> Wording:
    """The words for a shop whose `language` is `setting`."""
    return WORDING[language_of(setting)]
