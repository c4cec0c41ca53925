"""What the channels say around the assistant's replies: errors, expired buttons, handoff, stock labels,
card buttons, the customer commands of the "/" menu, and the /lang command (everyone's)."""

from __future__ import annotations

from bot.core.reply import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "error": {
        "zh": "抱歉，出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "shop_unknown": {
        "zh": "找不到链接里的店铺“{shop}”（它可能不存在，或还没有上架商品）。现在为您展示 {default} 的商品。",
        "en": "I can't find the shop “{shop}” from your link (it may not exist, or has no products yet). "
        "You're browsing {default} instead.",
    },
    "button_default_shop": {"zh": "逛逛 {shop}", "en": "Browse {shop}"},
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
    "unknown_command": {
        "zh": "不认识这个命令。可用命令：{commands}",
        "en": "Unknown command. Try {commands}.",
    },
    "in_stock": {"zh": "有货", "en": "In stock"},
    "out_of_stock": {"zh": "缺货", "en": "Out of stock"},
    # --- product card buttons ---
    "button_details": {"zh": "详情", "en": "Details"},
    "button_compare": {"zh": "对比", "en": "Compare"},
    "button_similar": {"zh": "相似", "en": "Similar"},
    "button_why": {"zh": "为什么?", "en": "Why?"},
    "button_buy": {"zh": "购买", "en": "Buy"},
    # --- the customer commands of the "/" menu ---
    "menu_start": {"zh": "开始 / 选择店铺", "en": "Start / choose a shop"},
    "menu_help": {"zh": "我能做什么", "en": "What I can do"},
    "menu_reset": {"zh": "重新开始", "en": "Start over"},
    "menu_handoff": {"zh": "转人工客服", "en": "Talk to a person"},
    "menu_lang": {"zh": "语言：中文 / English", "en": "Language: English / 中文"},
    # --- /lang ---
    "lang_chosen": {
        "zh": "好的，以后我用中文和您交流。发送 /lang auto 可恢复跟随 Telegram 的语言设置。",
        "en": "OK, I'll use English with you from now on. /lang auto follows your Telegram language again.",
    },
    "lang_auto": {
        "zh": "好的，我会跟随您在 Telegram 里的语言设置。",
        "en": "OK, I'll follow your Telegram language setting.",
    },
    "lang_usage": {
        "zh": "当前语言：中文{how}。\n/lang zh（中文）| /lang en（English）| /lang auto（跟随 Telegram 设置）",
        "en": "Current language: English{how}.\n/lang en (English) | /lang zh (中文) | /lang auto (follow Telegram)",
    },
    "lang_how_chosen": {"zh": "（您选择的）", "en": " (your choice)"},
    "lang_how_auto": {"zh": "（跟随 Telegram 设置）", "en": " (from your Telegram setting)"},
}
