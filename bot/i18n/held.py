"""Messages about held catalog text, for merchants: the upload report's held warnings, `/held`, `/confirm`,
and their place in the "/" menu and the catalog's versions. HTML; values are escaped by the caller."""

from __future__ import annotations

from bot.core.reply import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # --- the upload report ---
    "report_warning_held": {
        "zh": "暂不展示，待您确认（疑似不实优惠）",
        "en": "held out of answers, prompts and buttons until you confirm it (too good to be true)",
    },
    "report_warning_instructions": {
        "zh": "含对助手的指令，不会展示（请改写）",
        "en": "orders to the assistant, held out of answers, prompts and buttons (rewrite it)",
    },
    "report_held_hint": {
        "zh": "暂不展示的内容：/held 列出全部；核实无误后用 /confirm SKU（评价：/confirm review 评价ID）确认。"
        "含对助手指令的内容需要改写后重新上传。",
        "en": "Held text: /held lists it; once checked, /confirm SKU (a review: /confirm review REVIEW_ID) releases "
        "it. Orders to the assistant have to be rewritten and uploaded again.",
    },
    # --- /held ---
    "held_none": {
        "zh": "没有暂不展示的内容：所有商品描述和评价都可以用于回答。",
        "en": "Nothing is held: every description and review may be used in answers.",
    },
    "held_header": {
        "zh": "<b>暂不展示的内容</b>（{count} 条）：在您确认之前，不会用于回答、提示词和按钮。",
        "en": "<b>Held text</b> ({count}): kept out of answers, prompts and buttons until you confirm it.",
    },
    "held_product": {
        "zh": "商品 <code>{sku}</code>（{title}）的描述",
        "en": "Product <code>{sku}</code> ({title}), description",
    },
    "held_review": {
        "zh": "<code>{sku}</code> 的评价 <code>{review}</code>",
        "en": "Review <code>{review}</code> of <code>{sku}</code>",
    },
    "held_reason_held": {"zh": "疑似不实优惠。", "en": "Reads as too good to be true."},
    "held_reason_instructions": {
        "zh": "含对助手的指令：无论是否确认都不会使用。",
        "en": "Gives the assistant orders: never used, whoever confirms it.",
    },
    "held_confirm_with": {"zh": "核实无误后发送 {command}", "en": "Checked and true? {command}"},
    "held_rewrite": {"zh": "请改写（或删除）后重新上传。", "en": "Rewrite it (or remove it) and upload it again."},
    "held_more": {
        "zh": "……还有 {count} 条；处理完以上内容后再发送 /held 查看。",
        "en": "…and {count} more; send /held again once these are dealt with.",
    },
    "product_held": {"zh": "⚠️ 描述暂不展示：{reason} {action}", "en": "⚠️ Description held: {reason} {action}"},
    # --- /confirm ---
    "usage_confirm": {
        "zh": "/confirm SKU [SKU …] | /confirm review 评价ID [评价ID …]（/held 列出暂不展示的内容）",
        "en": "/confirm SKU [SKU …] | /confirm review REVIEW_ID [REVIEW_ID …] (/held lists what is held)",
    },
    "confirmed": {
        "zh": "✅ 已确认 {names}：这些内容现在可以用于回答（/rollback 可撤销）。{version}",
        "en": "✅ Confirmed {names}: answers may use this text now (/rollback undoes it). {version}",
    },
    "not_confirmed": {"zh": "未确认：{error}", "en": "Not confirmed: {error}"},
    "action_confirm": {"zh": "确认暂不展示的内容", "en": "held text confirmed"},
    # --- the "/" menu ---
    "menu_held": {"zh": "暂不展示的描述和评价", "en": "Held descriptions and reviews"},
    "menu_confirm": {"zh": "确认暂不展示的内容", "en": "Confirm held text"},
}
