"""The "/" command menus: customer commands for everyone (English and Chinese), and per-chat menus
with the staff commands for merchants and admins, kept in step with their roles."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.state.store import Role

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = {
    "en": [
        ("start", "Start / choose a shop"),
        ("help", "What I can do"),
        ("reset", "Start over"),
        ("handoff", "Talk to a person"),
    ],
    "zh": [("start", "开始 / 选择店铺"), ("help", "我能做什么"), ("reset", "重新开始"), ("handoff", "转人工客服")],
}
MERCHANT_COMMANDS = [
    ("upload", "Upload products|reviews|policies"),
    ("catalog", "Catalog stats"),
    ("product", "Show a product"),
    ("price", "Set a price"),
    ("stock", "Set stock"),
    ("delete", "Delete a product"),
    ("export", "Export the catalog"),
    ("rollback", "Undo the last catalog change"),
]
ADMIN_COMMANDS = [
    ("prompt", "Prompts: list|show|set|diff|history|rollback|test"),
    ("llm", "Sampling settings"),
    ("grant", "Grant merchant|admin"),
    ("revoke", "Revoke a role"),
    ("stats", "Usage stats 24h|7d|30d"),
]


async def set_customer_menus(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(*c) for c in CUSTOMER_COMMANDS["en"]])
    await bot.set_my_commands([BotCommand(*c) for c in CUSTOMER_COMMANDS["zh"]], language_code="zh")


async def set_staff_menu(bot: Bot, telegram_id: int, role: Role, has_shop: bool) -> None:
    """The menu in one user's private chat for their role (the customer menu again for "customer")."""
    scope = BotCommandScopeChat(telegram_id)
    commands = [*CUSTOMER_COMMANDS["en"]]
    if role in ("merchant", "admin") and has_shop:
        commands += MERCHANT_COMMANDS
    if role == "admin":
        commands += ADMIN_COMMANDS
    try:
        if role == "customer":
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands([BotCommand(*c) for c in commands], scope=scope)
    except TelegramError as exc:
        # Telegram refuses chat scopes for users who never wrote to the bot; the commands work regardless.
        logger.info("no %s menu for user %s yet: %s", role, telegram_id, exc)
