"""Customer handlers: /start (with `shop_<id>` deep links), /help, /reset, /handoff, free text, the
product-card buttons, and the polite answers to commands and buttons nobody else claimed.

Each turn renders the assistant's events as they come: product cards as soon as retrieval is done,
then the explanation streaming, a replacement of the streamed text in place when the assistant withdraws it,
then the final text; "typing…" covers any wait over half a second. Private chats are always answered; in
groups the bot answers only messages that mention it or reply to it.

Which shop a customer talks to: the shop of the last deep link they opened; else, for a merchant, their own
shop; else the default one. A link to a shop that does not exist (or has no catalog yet) says so and offers
the default shop. A turn's Bot API calls share one retry budget (`delivery.py`); a card that still cannot
be sent is skipped, logged with the turn, and the answer goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels.telegram.access import SHOP_LINK_PREFIX, Access, is_shop_id, shop_link, user_key
from bot.channels.telegram.delivery import current_turn, delivering, log_failure
from bot.channels.telegram.incoming import Incoming, Press, on_message, on_press
from bot.channels.telegram.menus import CUSTOMER_COMMANDS
from bot.channels.telegram.render import (
    CardPress,
    card_caption,
    card_keyboard,
    decode_callback,
    escape,
    quick_replies_keyboard,
    reply_chunks,
)
from bot.channels.telegram.streaming import ActiveTurns, StreamWriter, TypingIndicator
from bot.core.reply import (
    FinalReply,
    Language,
    ProductCard,
    ProductsShown,
    Replacement,
    Reply,
    TextDelta,
    TurnEvent,
    UserRef,
)
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig

logger = logging.getLogger(__name__)


class CustomerHandlers:
    """Everything a shopper can do; translation between Telegram and `Assistant` only."""

    def __init__(self, services: Services, config: TelegramConfig, access: Access) -> None:
        self._services = services
        self._config = config
        self._access = access
        self._turns = ActiveTurns()

    def register(self, application: Application) -> None:
        """The customer's handlers; registered last, so the unclaimed commands and buttons end here."""
        for name, callback in {
            "start": self.start,
            "help": self.help,
            "reset": self.reset,
            "handoff": self.handoff,
        }.items():
            application.add_handler(CommandHandler(name, on_message(callback)))
        application.add_handler(CallbackQueryHandler(on_press(self.card_button), pattern=r"^a:"))
        text = filters.TEXT & ~filters.COMMAND
        application.add_handler(MessageHandler(text & filters.ChatType.PRIVATE, on_message(self.text)))
        application.add_handler(MessageHandler(text & filters.ChatType.GROUPS, on_message(self.group_text)))
        # Photos, voice, stickers ...: say what the bot reads rather than stay silent. (Documents are the
        # merchant handlers' and are registered before this.)
        application.add_handler(
            MessageHandler(
                ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL & filters.ChatType.PRIVATE,
                on_message(self.not_text),
            )
        )
        application.add_handler(MessageHandler(filters.COMMAND, on_message(self.unknown_command)))
        application.add_handler(CallbackQueryHandler(on_press(self.unknown_button)))

    async def user_ref(self, user: User) -> UserRef:
        """The customer as the assistant sees them: scoped to the shop of their last deep link, else (a merchant)
        their own shop, else the default one; with the language the channel knows them by (their /lang choice,
        else their client's: for messages with no words)."""
        scope = (await self._access.channel_data(user)).merchant_id or await self._access.merchant_of(user)
        return UserRef(
            user_id=user_key(user),
            merchant_id=scope or self._services.settings.assistant.default_merchant,
            display_name=user.full_name,
            language=await self._access.language(user),
        )

    # --- commands ------------------------------------------------------------------------------

    async def start(self, incoming: Incoming) -> None:
        """Greet the customer; `/start shop_<id>` (a t.me/<bot>?start=shop_<id> link) scopes the chat."""
        user = incoming.user
        language = await self._access.language(user)
        payload = incoming.args[0] if incoming.args else ""
        if payload.startswith(SHOP_LINK_PREFIX):
            shop_id = payload.removeprefix(SHOP_LINK_PREFIX)
            known = is_shop_id(shop_id) and await self._services.index.has_catalog(shop_id)
            data = await self._access.channel_data(user)
            data.merchant_id = shop_id if known else None
            await self._access.save_channel_data(user, data)
            if not known:
                await self._unknown_shop(incoming, shop_id, language)
        reply = self._services.assistant.welcome(await self.user_ref(user), language)
        await self._send_reply(incoming.message, reply)

    async def _unknown_shop(self, incoming: Incoming, shop_id: str, language: Language) -> None:
        """Tell the customer the link's shop is not here, and offer the default shop (a link to it)."""
        default = self._services.settings.assistant.default_merchant
        link = shop_link(incoming.context.bot.username, default)
        button = InlineKeyboardButton(t("button_default_shop", language, shop=default), url=link)
        await incoming.message.reply_text(
            t("shop_unknown", language, shop=escape(shop_id[:48]), default=escape(default)),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[button]]),
            do_quote=False,
        )

    async def help(self, incoming: Incoming) -> None:
        reply = self._services.assistant.help(await self._access.language(incoming.user))
        await self._send_reply(incoming.message, reply)

    async def not_text(self, incoming: Incoming) -> None:
        language = await self._access.language(incoming.user)
        await incoming.message.reply_text(t("text_only", language), do_quote=False)

    async def reset(self, incoming: Incoming) -> None:
        await self._services.assistant.reset(await self.user_ref(incoming.user))
        await incoming.message.reply_text(t("reset_done", await self._access.language(incoming.user)))

    async def handoff(self, incoming: Incoming) -> None:
        message, user = incoming.message, incoming.user
        if await self._forward_to_support(message, user, message.text or "/handoff", last_reply=None):
            # A handoff the assistant decided on is recorded by the assistant; this one only we see.
            user_ref = await self.user_ref(user)
            await self._services.state.record_event("handoff", user_ref.user_id, merchant_id=user_ref.merchant_id)

    async def unknown_command(self, incoming: Incoming) -> None:
        commands = ", ".join(f"/{name}" for name in CUSTOMER_COMMANDS)
        language = await self._access.language(incoming.user)
        await incoming.message.reply_text(t("unknown_command", language, commands=commands), do_quote=False)

    async def unknown_button(self, press: Press) -> None:
        """A button this version does not know (an old message, a changed layout): a polite note, no exception."""
        await press.query.answer(t("expired_button", await self._access.language(press.user)))

    # --- free text -----------------------------------------------------------------------------

    async def text(self, incoming: Incoming) -> None:
        await self._answer(incoming.message, incoming.user, incoming.message.text or "")

    async def group_text(self, incoming: Incoming) -> None:
        """In groups, only messages that mention the bot or reply to it are for us."""
        bot = incoming.context.bot
        text = addressed_text(incoming.message, bot.username, bot.id)
        if text is not None:
            await self._answer(incoming.message, incoming.user, text)

    async def _answer(self, message: Message, user: User, text: str) -> None:
        user_ref = await self.user_ref(user)
        events = self._services.assistant.turn(user_ref, text)
        with delivering(self._config.retry_budget_s, user_ref.merchant_id):
            await self._turns.run(
                user_ref.user_id, lambda superseded: self._render_turn(message, user, events, superseded)
            )

    # --- card buttons --------------------------------------------------------------------------

    async def card_button(self, press: Press) -> None:
        payload = decode_callback(press.data)
        language = await self._access.language(press.user)
        message = press.message
        if not isinstance(payload, CardPress) or message is None:
            await press.query.answer(t("expired_button", language), show_alert=False)
            return
        user_ref = await self.user_ref(press.user)
        if payload.action in ("like", "dislike"):
            await self._feedback(press, user_ref, payload)
            return
        await press.query.answer()
        events = self._services.assistant.action(user_ref, payload.action, payload.sku, payload.turn_id)
        with delivering(self._config.retry_budget_s, user_ref.merchant_id):
            await self._turns.run(
                user_ref.user_id,
                lambda superseded: self._render_turn(message, press.user, events, superseded, reply_to=False),
            )

    async def _feedback(self, press: Press, user_ref: UserRef, payload: CardPress) -> None:
        """👍/👎 answer with a short toast instead of a new message."""
        acknowledgement = ""
        async for event in self._services.assistant.action(user_ref, payload.action, payload.sku, payload.turn_id):
            if isinstance(event, FinalReply):
                acknowledgement = event.reply.text
        await press.query.answer(acknowledgement[:200])

    # --- rendering a turn ----------------------------------------------------------------------

    async def _render_turn(
        self,
        message: Message,
        user: User,
        events: AsyncIterator[TurnEvent],
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
        try:
            async with TypingIndicator(message.get_bot(), chat.id) as typing:
                async for event in events:
                    if superseded.is_set():
                        return  # a newer message is being answered; closing `events` stops the LLM stream
                    await self._render_event(event, message, user, writer)
                    typing.shown()
        finally:
            if isinstance(events, AsyncGenerator):  # the assistant's turns are; closing one closes its LLM stream
                await events.aclose()

    async def _render_event(self, event: TurnEvent, message: Message, user: User, writer: StreamWriter) -> None:
        """One event as the chat shows it; cards in the turn's language (the assistant's, so a Chinese client
        writing English gets English cards)."""
        chat = message.chat
        turn = current_turn()
        if turn is not None and isinstance(event, ProductsShown | FinalReply):
            turn.turn_id = event.turn_id if isinstance(event, ProductsShown) else event.reply.turn_id
        if isinstance(event, ProductsShown):
            await self._send_cards(message, event.products, event.turn_id, event.language)
        elif isinstance(event, TextDelta):
            await writer.add(event.text)
        elif isinstance(event, Replacement):
            if await writer.replace(event.text):
                logger.info("chat %s: streamed answer replaced (%s)", chat.id, event.reason)
        elif isinstance(event, FinalReply):
            reply = event.reply
            keyboard = quick_replies_keyboard(reply) if chat.type == ChatType.PRIVATE else None
            await writer.finish(reply_chunks(reply), keyboard)
            if reply.handoff:
                await self._forward_to_support(message, user, message.text or "", last_reply=reply)

    async def _send_cards(self, message: Message, cards: list[ProductCard], turn_id: str, language: Language) -> None:
        """One message per card, its buttons carrying the turn (so "Why?" shows that turn's evidence,
        even after a restart). A card the Bot API still refuses after its retries is skipped, not the answer."""
        for card in cards:
            try:
                await self._send_card(message, card, turn_id, language)
            except TelegramError as exc:
                log_failure("card_skipped", "sendPhoto" if card.image_url else "sendMessage", exc, sku=card.sku)

    async def _send_card(self, message: Message, card: ProductCard, turn_id: str, language: Language) -> None:
        bot = message.get_bot()
        caption = card_caption(card, language)
        keyboard = card_keyboard(card, language, turn_id)
        if card.image_url:
            try:
                await bot.send_photo(
                    message.chat_id, card.image_url, caption=caption, parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
                return
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
        language = await self._access.language(user, text)
        support = self._config.support_chat_id
        if support is None:
            await message.reply_text(t("handoff_unavailable", language), do_quote=False)
            return False
        user_ref = await self.user_ref(user)
        await message.get_bot().send_message(
            support,
            handoff_notice(user, user_ref, text, last_reply, self._config.support_language),
            parse_mode=ParseMode.HTML,
        )
        if last_reply is None:  # an assistant reply that hands off has told the customer already
            await message.reply_text(t("handoff_sent", language), do_quote=False)
        return True


def handoff_notice(user: User, user_ref: UserRef, text: str, last_reply: Reply | None, language: Language) -> str:
    """What the support chat reads about a customer who asked for a person."""
    lines = [
        t(
            "support_handoff_notice",
            language,
            name=escape(user.full_name),
            username=f" (@{escape(user.username)})" if user.username else "",
            user=user_ref.user_id,
            shop=escape(user_ref.merchant_id),
        ),
        t("handoff_customer", language, text=escape(text)),
    ]
    if last_reply is not None:
        lines.append(t("handoff_answered", language, text=escape(last_reply.text[:1500])))
    return "\n".join(lines)


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
