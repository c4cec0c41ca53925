"""What the channels say around the assistant's replies: errors, expired buttons, handoff, stock labels."""

from __future__ import annotations

MESSAGES = {
    "error": {
        "zh": "抱歉，出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "expired_button": {
        "zh": "这个按钮已失效，请重新提问。",
        "en": "This button has expired. Please ask again.",
    },
    "handoff_sent": {
        "zh": "已为您转接人工客服，请稍候，客服会尽快联系您。",
        "en": "I've passed your conversation to a person from the shop; they will contact you shortly.",
    },
    "handoff_unavailable": {
        "zh": "抱歉，这家店目前没有开通人工客服。您可以继续向我提问。",
        "en": "Sorry, this shop has no human support set up yet. You can keep asking me.",
    },
    "reset_done": {
        "zh": "好的，我们重新开始。您想找什么？",
        "en": "Done, let's start over. What are you looking for?",
    },
    "text_only": {
        "zh": "我只能读文字消息。请用文字告诉我您想找什么，例如“500元以内的防水冲锋衣”。",
        "en": 'I can only read text messages. Tell me in words what you are looking for, e.g. "waterproof jacket under 500".',
    },
    "in_stock": {"zh": "有货", "en": "In stock"},
    "out_of_stock": {"zh": "缺货", "en": "Out of stock"},
}
