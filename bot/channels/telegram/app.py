"""The python-telegram-bot Application: handlers of all three roles, the error handler, the command
menu, and serving updates by long polling or by webhook until asked to stop.

`build_application(services, config)` only wires; `serve(application, config, stop)` runs it. Both
take their configuration as arguments, so tests point the real library at the Bot API emulator with
nothing but a `TelegramConfig`.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.channels.telegram.access import Access, language_for
from bot.channels.telegram.admin import AdminHandlers
from bot.channels.telegram.customer import CustomerHandlers
from bot.channels.telegram.delivery import RetryingLimiter
from bot.channels.telegram.language import LanguageHandlers
from bot.channels.telegram.menus import refresh_chat_menu, set_customer_menus
from bot.channels.telegram.merchant import MerchantHandlers
from bot.evaluation.conversations import default_suite_path
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig

logger = logging.getLogger(__name__)


def configuration_problem(config: TelegramConfig) -> str | None:
    """What stops the bot from starting with this configuration, as an actionable sentence; None if nothing."""
    if not config.token:
        return "no bot token: set SHOPGUIDE_TELEGRAM__TOKEN to the token @BotFather gave you (see docs/TELEGRAM.md)"
    if config.mode == "webhook":
        # Telegram itself posts only to https URLs; a self-hosted Bot API server may use plain http.
        if not config.webhook_url or not config.webhook_url.startswith(("https://", "http://")):
            return "webhook mode needs SHOPGUIDE_TELEGRAM__WEBHOOK_URL, the public https:// URL Telegram posts to"
        if not config.webhook_secret:
            return (
                "webhook mode needs SHOPGUIDE_TELEGRAM__WEBHOOK_SECRET (1-256 characters A-Z a-z 0-9 _ -), "
                "checked on every request"
            )
    return None


def build_application(services: Services, config: TelegramConfig, *, suite_path: Path | None = None) -> Application:
    """The bot, wired to ShopGuide's services; raises ValueError when `config` cannot work.

    `suite_path`: the conversation suite `/prompt set` gates drafts with (default: the shipped one).
    """
    problem = configuration_problem(config)
    if problem or not config.token:  # a missing token is a problem; testing it again narrows its type
        raise ValueError(problem)
    application = (
        Application.builder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        # Flood limits and 429 as AIORateLimiter, plus retries of 5xx and network errors (delivery.py).
        .rate_limiter(RetryingLimiter(budget_s=config.retry_budget_s, backoff_s=config.retry_backoff_s))
        # Turns stream for seconds: other customers must not wait, and a customer's new message must be
        # able to cancel their previous answer (streaming.ActiveTurns keeps per-customer order).
        .concurrent_updates(True)
        .build()
    )
    access = Access(services.state, config.admin_ids)
    application.bot_data["access"] = access
    # Admin and merchant handlers come first: they claim their commands, documents, and the text an
    # admin sends after `/prompt set`; everything else is a customer's (the customer handlers end with
    # the answers to unknown commands and buttons).
    AdminHandlers(services, access, config, suite_path or default_suite_path()).register(application)
    MerchantHandlers(services, access, config).register(application)
    LanguageHandlers(access).register(application)
    CustomerHandlers(services, config, access).register(application)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the whole story; tell the user only that something went wrong, in their language."""
    trace = "".join(traceback.format_exception(context.error)) if context.error else "(no exception)"
    logger.error("error while handling an update: %s\n%s", str(update)[:2000], trace)
    if not isinstance(update, Update):
        return
    # The client's language only: the error may be the state store's, where a /lang choice lives.
    user = update.effective_user
    language = language_for(user.language_code if user else None, None, fallback="zh")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t("error", language))
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, t("error", language))
    except TelegramError as exc:
        logger.warning("could not tell the user about the error: %s", exc)


async def serve(application: Application, config: TelegramConfig, stop: asyncio.Event) -> None:
    """Initialise, fetch updates (polling or webhook) until `stop` is set, then shut down gracefully."""
    access: Access = application.bot_data["access"]
    async with application:
        await access.bootstrap_admins()
        await set_customer_menus(application.bot)
        for admin_id in config.admin_ids:
            await refresh_chat_menu(application.bot, access, admin_id)
        updater = application.updater
        if updater is None:
            raise ValueError("the Application was built without an Updater; build it with build_application")
        if config.mode == "webhook":
            if not config.webhook_url:
                raise ValueError(configuration_problem(config))
            await updater.start_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlsplit(config.webhook_url).path.lstrip("/"),
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            logger.info(
                "webhook listening on %s:%s for %s", config.webhook_listen, config.webhook_port, config.webhook_url
            )
        else:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES)
            logger.info("polling %s for updates", config.base_url)
        await application.start()
        try:
            await stop.wait()
        finally:
            # Stop taking updates first, then let the handlers already running finish.
            await updater.stop()
            await application.stop()
