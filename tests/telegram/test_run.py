"""`shopguide run`: refuses clearly when the configuration cannot work, and serves until SIGTERM when it can."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.channels.telegram.app import configuration_problem
from bot.cli import app
from bot.emulator import BotApiEmulator
from bot.settings import TelegramConfig
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex
from tests.support.llm_server import ScriptedLLMServer
from tests.telegram.world import SHOP_A_PRODUCTS


def test_run_without_a_token_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("SHOPGUIDE_TELEGRAM__TOKEN", raising=False)
    result = CliRunner().invoke(app, ["run", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "SHOPGUIDE_TELEGRAM__TOKEN" in result.output and "@BotFather" in result.output
    assert not (tmp_path / "data").exists()  # nothing was opened


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"webhook_url": None, "webhook_secret": "s"}, "SHOPGUIDE_TELEGRAM__WEBHOOK_URL"),
        ({"webhook_url": "ftp://example.com/hook", "webhook_secret": "s"}, "SHOPGUIDE_TELEGRAM__WEBHOOK_URL"),
        ({"webhook_url": "https://example.com/hook", "webhook_secret": None}, "SHOPGUIDE_TELEGRAM__WEBHOOK_SECRET"),
    ],
)
def test_webhook_mode_needs_a_url_and_a_secret(changes, named):
    config = TelegramConfig(token="1:x", mode="webhook", **changes)
    assert named in (configuration_problem(config) or "")


def test_polling_with_a_token_is_enough():
    assert configuration_problem(TelegramConfig(token="1:x")) is None


@pytest.mark.asyncio(loop_scope="session")
async def test_shopguide_run_serves_by_polling_and_stops_on_sigterm(tmp_path, semantic_embedder, shopguide_process):
    """The real console script in its own process: answers through the emulator, exits 0 on SIGTERM."""
    async with BotApiEmulator() as api, ScriptedLLMServer(lambda request: "Hello.") as llm:
        # A catalog for the default merchant up front (embedded by the encoder the process loads), so the
        # first start does not ingest the demo shop.
        index = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=semantic_embedder)
        assert (await (await index.merchant("demo")).ingest("products", "products.csv", SHOP_A_PRODUCTS.encode())).ok
        await index.close()
        env = {
            "SHOPGUIDE_TELEGRAM__TOKEN": api.token,
            "SHOPGUIDE_TELEGRAM__BASE_URL": api.base_url,
            "SHOPGUIDE_TELEGRAM__BASE_FILE_URL": api.base_file_url,
            "SHOPGUIDE_LLM__BASE_URL": llm.base_url,
        }
        async with shopguide_process("run", "--data-dir", str(tmp_path), env=env, cwd=tmp_path) as process:
            await api.wait_for(lambda: api.calls_of("deleteWebhook"), timeout=120, waiting_for="the bot to start")
            zed = api.user(42, "Zed", "en")
            await zed.send_text("/start")
            assert "ShopGuide" in ((await zed.wait_for_reply(timeout=30)).text or "")
        assert process.returncode == 0, process.stderr_text[-2000:]
