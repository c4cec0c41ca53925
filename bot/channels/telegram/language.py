"""`/lang zh|en|auto`: anyone's choice of language for what the bot says around the assistant's answers
(staff messages, buttons, menus). The choice is kept in the state store and wins over the language the
Telegram client reports; `auto` goes back to the client's. The user's "/" menu follows the choice."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.channels.telegram.access import Access
from bot.channels.telegram.incoming import Incoming, on_message
from bot.channels.telegram.menus import refresh_chat_menu
from bot.core.reply import Language
from bot.i18n import t

CHOICES: dict[str, Language | None] = {"zh": "zh", "en": "en", "auto": None}


class LanguageHandlers:
    def __init__(self, access: Access) -> None:
        self._access = access

    def register(self, application: Application) -> None:
        application.add_handler(CommandHandler("lang", on_message(self.lang)))

    async def lang(self, incoming: Incoming) -> None:
        user, args = incoming.user, incoming.args
        if len(args) != 1 or args[0].lower() not in CHOICES:
            chosen = await self._access.language_choice(user)
            language = await self._access.language(user)
            how = t("lang_how_chosen" if chosen else "lang_how_auto", language)
            await incoming.message.reply_text(t("lang_usage", language, how=how), do_quote=False)
            return
        choice = CHOICES[args[0].lower()]
        await self._access.choose_language(user, choice)
        await refresh_chat_menu(incoming.context.bot, self._access, user.id)
        language = await self._access.language(user)
        await incoming.message.reply_text(t("lang_chosen" if choice else "lang_auto", language), do_quote=False)
