"""A sandbox for tests: real Services, the real emulator, the real bot and the real web server, with a
scripted LLM that answers in the prompt's language and streams slowly enough for drafts to show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.channels.web.sandbox import Sandbox, open_sandbox
from bot.settings import AssistantConfig, Settings, TelegramConfig
from serving.config import LLMConfig
from tests.support.llm_server import Reply, ScriptedLLMServer

ANSWER_EN = "Here are good options for you. The first one fits best [1]. Tap a card for more."
ANSWER_ZH = "这几款都很合适。第一款最符合您的需求 [1]。点卡片看详情。"


def scripted_answer(request: dict[str, Any]) -> Reply:
    """An answer in the prompt's language (the Chinese templates open with "你是"), word by word with a
    pause, so the bot streams a few drafts."""
    messages = request.get("messages", [])
    instructions = str(messages[0].get("content", "")) if messages else ""
    return Reply(ANSWER_ZH if instructions.startswith("你是") else ANSWER_EN, token_delay_s=0.08)


@asynccontextmanager
async def scripted_sandbox(data_dir: Path) -> AsyncIterator[tuple[Sandbox, ScriptedLLMServer]]:
    async with ScriptedLLMServer(scripted_answer, model="scripted-test-model") as llm:
        settings = Settings(
            _env_file=None,
            data_dir=data_dir,
            llm=LLMConfig(base_url=llm.base_url, model="scripted-test-model", temperature=0.0),
            assistant=AssistantConfig(turn_budget_s=15.0),
            telegram=TelegramConfig(stream_edit_interval_s=0.15),
        )
        async with open_sandbox(settings, port=0) as sandbox:
            yield sandbox, llm
