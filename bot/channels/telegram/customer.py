"""Customer handlers: /start (with `shop_<id>` deep links), /help, /reset, /handoff, free text and the
product-card buttons.

Each turn renders the assistant's events as they come: product cards as soon as retrieval is done,
then the explanation streaming, then the final text. Private chats are always answered; in groups the
bot answers only messages that mention it or reply to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator

from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.access import Access, user_key
from bot.channels.telegram.render import (
    CardPress,
    card_caption,
    card_keyboard,
    decode_callback,
    escape,
    quick_replies_keyboard,
    reply_chunks,
)
from bot.channels.telegram.streaming import ActiveTurns, StreamWriter
from bot.core.language import detect_language
from bot.core.reply import FinalReply, Language, ProductCard, ProductsShown, Reply, TextDelta, TurnEvent, UserRef
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig

logger = logging.getLogger(__name__)

DEEP_LINK = re.compile(r"^shop_([A-Za-z0-9_-]{1,48})$")


def language_of(user: User | None, text: str = "") -> Language:
    """The customer's language: what they wrote, else Telegram's language_code, else Chinese."""
    detected = detect_language(text) if text else None
    if detected is not None:
        return detected
    code = (user.language_code or "") if user else ""
    if code:
        return "zh" if code.lower().startswith("zh") else "en"
    return "zh"


class CustomerHandlers:
    """Everything a shopper can do; translation between Telegram and `Assistant` only."""

    def __init__(self, services: Services, config: TelegramConfig, access: Access) -> None:
        self._services = services
        self._config = config
        self._access = access
        self._turns = ActiveTurns()

    def register(self, application: Application) -> None:
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler("help", self.help))
        application.add_handler(CommandHandler("reset", self.reset))
        application.add_handler(CommandHandler("handoff", self.handoff))
        application.add_handler(CallbackQueryHandler(self.card_button, pattern=r"^a:"))
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, self.text))
        application.add_handler(
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS, self.group_text)
        )
        # Photos, voice, stickers ...: say what the bot reads rather than stay silent. (Documents are the
        # merchant handlers' and are registered before this.)
        application.add_handler(
            MessageHandler(
                ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL & filters.ChatType.PRIVATE,
                self.not_text,
            )
        )

    async def user_ref(self, user: User) -> UserRef:
        """The customer as the assistant sees them, scoped to the shop of their last deep link."""
        scope = (await self._access.channel_data(user)).merchant_id
        return UserRef(
            user_id=user_key(user),
            merchant_id=scope or self._services.settings.assistant.default_merchant,
            display_name=user.full_name,
        )

    # --- commands ------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greet the customer; `/start shop_<id>` (a t.me/<bot>?start=shop_<id> link) scopes the chat."""
        user, message = update.effective_user, update.effective_message
        if context.args:
            match = DEEP_LINK.match(context.args[0])
            if match:
                data = await self._access.channel_data(user)
                data.merchant_id = match.group(1)
                await self._access.save_channel_data(user, data)
        language = language_of(user)
        reply = self._services.assistant.welcome(await self.user_ref(user), language)
        await self._send_reply(message, reply)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        reply = self._services.assistant.help(language_of(update.effective_user))
        await self._send_reply(update.effective_message, reply)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(t("text_only", language_of(update.effective_user)), do_quote=False)

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        await self._services.assistant.reset(await self.user_ref(user))
        await update.effective_message.reply_text(t("reset_done", language_of(user)))

    async def handoff(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if await self._forward_to_support(message, user, message.text or "/handoff", last_reply=None):
            # A handoff the assistant decided on is recorded by the assistant; this one only we see.
            user_ref = await self.user_ref(user)
            await self._services.state.record_event("handoff", user_ref.user_id, merchant_id=user_ref.merchant_id)

    # --- free text -----------------------------------------------------------------------------

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update.effective_message, update.effective_user, update.effective_message.text)

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups, only messages that mention the bot or reply to it are for us."""
        message = update.effective_message
        text = addressed_text(message, context.bot.username, context.bot.id)
        if text is not None:
            await self._answer(message, update.effective_user, text)

    async def _answer(self, message: Message, user: User, text: str) -> None:
        user_ref = await self.user_ref(user)
        events = self._services.assistant.turn(user_ref, text)
        language = language_of(user, text)
        await self._turns.run(
            user_ref.user_id, lambda superseded: self._render_turn(message, user, events, language, superseded)
        )

    # --- card buttons --------------------------------------------------------------------------

    async def card_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user = update.effective_user
        payload = decode_callback(query.data)
        language = language_of(user)
        if not isinstance(payload, CardPress) or query.message is None:
            await query.answer(t("expired_button", language), show_alert=False)
            return
        user_ref = await self.user_ref(user)
        if payload.action in ("like", "dislike"):
            await self._feedback(query, user_ref, payload)
            return
        await query.answer()
        events = self._services.assistant.action(user_ref, payload.action, payload.sku, payload.turn_id)
        await self._turns.run(
            user_ref.user_id,
            lambda superseded: self._render_turn(query.message, user, events, language, superseded, reply_to=False),
        )

    async def _feedback(self, query: CallbackQuery, user_ref: UserRef, payload: CardPress) -> None:
        """👍/👎 answer with a short toast instead of a new message."""
        acknowledgement = ""
        async for event in self._services.assistant.action(user_ref, payload.action, payload.sku, payload.turn_id):
            if isinstance(event, FinalReply):
                acknowledgement = event.reply.text
        await query.answer(acknowledgement[:200])

    # --- rendering a turn ----------------------------------------------------------------------

    async def _render_turn(
        self,
        message: Message,
        user: User,
        events: AsyncIterator[TurnEvent],
        language: Language,
        superseded: asyncio.Event,
        *,
        reply_to: bool = True,
    ) -> None:
        chat = message.chat
        writer = StreamWriter(
            message.get_bot(),
            chat.id,
            draft_id=message.message_id,
            use_draft=chat.type == ChatType.PRIVATE,
            interval_s=self._config.stream_edit_interval_s,
            reply_to_message_id=message.message_id if reply_to and chat.type != ChatType.PRIVATE else None,
        )
        async with contextlib.aclosing(events):
            async for event in events:
                if superseded.is_set():
                    return  # a newer message is being answered; closing `events` stops the LLM stream
                await self._render_event(event, message, user, writer, language)

    async def _render_event(
        self, event: TurnEvent, message: Message, user: User, writer: StreamWriter, language: Language
    ) -> None:
        chat = message.chat
        if isinstance(event, ProductsShown):
            await self._send_cards(message, event.products, event.turn_id, language)
        elif isinstance(event, TextDelta):
            await writer.add(event.text)
        elif isinstance(event, FinalReply):
            reply = event.reply
            keyboard = quick_replies_keyboard(reply) if chat.type == ChatType.PRIVATE else None
            await writer.finish(reply_chunks(reply), keyboard)
            if reply.handoff:
                await self._forward_to_support(message, user, message.text or "", last_reply=reply)

    async def _send_cards(self, message: Message, cards: list[ProductCard], turn_id: str, language: Language) -> None:
        """One message per card, its buttons carrying the turn (so "Why?" shows that turn's evidence,
        even after a restart)."""
        bot = message.get_bot()
        for card in cards:
            caption = card_caption(card, language)
            keyboard = card_keyboard(card, language, turn_id)
            if card.image_url:
                try:
                    await bot.send_photo(
                        message.chat_id,
                        card.image_url,
                        caption=caption,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard,
                    )
                    continue
                except BadRequest as exc:
                    # A dead image link must not cost the customer the card.
                    logger.info("image of %s not accepted (%s); sending the card as text", card.sku, exc)
            await bot.send_message(message.chat_id, caption, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    async def _send_reply(self, message: Message, reply: Reply) -> None:
        chunks = reply_chunks(reply)
        keyboard = quick_replies_keyboard(reply) if message.chat.type == ChatType.PRIVATE else None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await message.reply_text(
                chunk, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None, do_quote=False
            )

    # --- handoff -------------------------------------------------------------------------------

    async def _forward_to_support(self, message: Message, user: User, text: str, last_reply: Reply | None) -> bool:
        """Pass the conversation to the shop's support chat (True), or tell the customer there is none."""
        language = language_of(user, text)
        support = self._config.support_chat_id
        if support is None:
            await message.reply_text(t("handoff_unavailable", language), do_quote=False)
            return False
        user_ref = await self.user_ref(user)
        lines = [
            f"🙋 <b>Handoff</b> from {escape(user.full_name)}"
            + (f" (@{escape(user.username)})" if user.username else "")
            + f" — <code>{user_ref.user_id}</code>, shop <code>{escape(user_ref.merchant_id)}</code>",
            f"<b>Customer:</b> {escape(text)}",
        ]
        if last_reply is not None:
            lines.append(f"<b>ShopGuide answered:</b> {escape(last_reply.text[:1500])}")
        await message.get_bot().send_message(support, "\n".join(lines), parse_mode=ParseMode.HTML)
        if last_reply is None:  # an assistant reply that hands off has told the customer already
            await message.reply_text(t("handoff_sent", language), do_quote=False)
        return True


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The text of a group message meant for the bot (its @mention removed), or None when it is not."""
    text = message.text or ""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = f"@{bot_username}".lower()
    for entity, value in message.parse_entities([MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION]).items():
        if value.lower() == mention or (entity.user is not None and entity.user.id == bot_id):
            # Offsets count UTF-16 units; removing the mention's own text avoids converting them.
            return text.replace(value, "", 1).strip()
    return None
