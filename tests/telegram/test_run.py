"""`shopguide run`: refuses clearly when the configuration cannot work, before opening anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import TelegramConfig
from bot.telegram.app import configuration_problem


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
    assert named in configuration_problem(config)


def test_polling_with_a_token_is_enough():
    assert configuration_problem(TelegramConfig(token="1:x")) is None
