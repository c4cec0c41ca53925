"""The "/" command menus: the customer commands for everyone (English, and Chinese for Chinese-language
clients), and per-chat menus that follow a user's role (staff commands for merchants and admins) and
their `/lang` choice. Descriptions come from the message catalogue (`menu_<command>`)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.channels.telegram.access import Access
from bot.core.reply import Language
from bot.i18n import t

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = ("start", "help", "reset", "handoff", "lang")
MERCHANT_COMMANDS = (
    "upload",
    "catalog",
    "product",
    "price",
    "stock",
    "delete",
    "export",
    "rollback",
    "held",
    "confirm",
)
ADMIN_COMMANDS = ("prompt", "llm", "grant", "revoke", "stats")
# Telegram picks a menu by the client's language; clients in any other language get the default (English).
MENU_LANGUAGE_CODE: dict[Language, str] = {"zh": "zh", "en": ""}


def menu(commands: tuple[str, ...], language: Language) -> list[BotCommand]:
    return [BotCommand(command, t(f"menu_{command}", language)) for command in commands]


async def set_customer_menus(bot: Bot) -> None:
    for language, code in MENU_LANGUAGE_CODE.items():
        await bot.set_my_commands(menu(CUSTOMER_COMMANDS, language), language_code=code or None)


async def refresh_chat_menu(bot: Bot, access: Access, telegram_id: int) -> None:
    """Set one user's private-chat menu from what the store says now: their role's commands, in the
    language they chose or else per client language; a customer who chose nothing gets the bot-wide menus."""
    role = await access.role_of(telegram_id)
    commands: tuple[str, ...] = CUSTOMER_COMMANDS
    if role in ("merchant", "admin") and await access.merchant_of(telegram_id):
        commands += MERCHANT_COMMANDS
    if role == "admin":
        commands += ADMIN_COMMANDS
    choice = await access.language_choice(telegram_id)
    scope = BotCommandScopeChat(telegram_id)
    try:
        for language, code in MENU_LANGUAGE_CODE.items():
            if role == "customer" and choice is None:
                await bot.delete_my_commands(scope=scope, language_code=code or None)
            elif choice is None:
                await bot.set_my_commands(menu(commands, language), scope=scope, language_code=code or None)
            elif code:  # a chosen language wins over the client's: no menu per client language
                await bot.delete_my_commands(scope=scope, language_code=code)
            else:
                await bot.set_my_commands(menu(commands, choice), scope=scope)
    except TelegramError as exc:
        # Telegram refuses chat scopes for users who never wrote to the bot; the commands work regardless.
        logger.info("no menu for user %s (%s) yet: %s", telegram_id, role, exc)
