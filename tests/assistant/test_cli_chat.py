"""The terminal commands driven like a script would: `chat` from stdin, `ask --json` across calls and with its
events, `eval conversations` on a small suite. Retrieval-only (--no-llm), so every answer is deterministic, but
for one `ask` against the suite's misbehaving model (a subprocess, so the model can serve from this loop)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.evaluation.conversations.misbehaving import MisbehavingLLM
from tests.assistant.shop_data import tiny_shop_data_dir

runner = CliRunner()


@pytest.fixture(scope="module")
async def shop_dir(semantic_embedder, tmp_path_factory) -> Path:
    # The commands load the real encoder themselves: the catalog is embedded with it too.
    return await tiny_shop_data_dir(semantic_embedder, tmp_path_factory.mktemp("cli"))


def shopguide(*args: str | Path, stdin: str | None = None) -> str:
    result = runner.invoke(app, [str(a) for a in args], input=stdin)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    return result.stdout


def test_chat_reads_stdin_until_eof(shop_dir: Path) -> None:
    script = "rain jacket under 500\n/why 9\n/compare 1\n/compare 2\n/frobnicate\n/reset\n"
    out = shopguide("chat", "--no-llm", "--lang", "en", "--user", "script", "--data-dir", shop_dir, stdin=script)
    assert "JKT-BUDGET" in out and "JKT-TRAIL" in out and "JKT-STORM" not in out  # cards within the budget
    assert "give a card number from 1 to 2" in out
    assert "waterproof" in out and "10000mm" in out  # the comparison table's attribute row
    assert "unknown command /frobnicate" in out
    assert "conversation forgotten" in out


def test_chat_quit_stops_before_later_lines(shop_dir: Path) -> None:
    out = shopguide("chat", "--no-llm", "--data-dir", shop_dir, stdin="/why 1\n/quit\nrain jacket\n")
    assert "no products on screen yet" in out
    assert "JKT-" not in out


def test_ask_json_remembers_the_dialog_between_calls(shop_dir: Path) -> None:
    first = json.loads(
        shopguide("ask", "rain jacket under 500", "--user", "carol", "--json", "--no-llm", "--data-dir", shop_dir)
    )
    assert first["language"] == "en" and first["evidence"]
    shown = [card["sku"] for card in first["products"]]
    assert len(shown) == 2 and all(card["price"] <= 500 for card in first["products"])

    second = json.loads(
        shopguide("ask", "the second one", "--user", "carol", "--json", "--no-llm", "--data-dir", shop_dir)
    )
    assert [card["sku"] for card in second["products"]] == [shown[1]]

    stranger = json.loads(
        shopguide("ask", "the second one", "--user", "dave", "--json", "--no-llm", "--data-dir", shop_dir)
    )
    assert shown[1] not in [card["sku"] for card in stranger["products"]]


def test_ask_prints_cards_and_text(shop_dir: Path) -> None:
    out = shopguide("ask", "跑鞋 600元以内", "--user", "erin", "--no-llm", "--data-dir", shop_dir)
    assert "SHOE-ROAD" in out and "¥499" in out and "600元以内" in out


def test_eval_conversations_reports_rates_and_failures(shop_dir: Path, tmp_path: Path) -> None:
    suite = tmp_path / "suite.jsonl"
    conversations = [
        {
            "id": "ok",
            "lang": "en",
            "turns": [{"user": "rain jacket under 500", "expect": {"max_price": 500, "brand_not": ["Nike"]}}],
        },
        {"id": "broken", "lang": "zh", "turns": [{"user": "跑鞋", "expect": {"brand": "Puma"}}]},
    ]
    suite.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in conversations), encoding="utf-8")
    summary = json.loads(
        shopguide("eval", "conversations", "--suite", suite, "--no-llm", "--json", "--data-dir", shop_dir)
    )
    assert summary["pass_rate"] == 0.5
    assert summary["checks"]["brand"] == {"passed": 0, "total": 1, "rate": 0.0}
    assert summary["checks"]["grounded"]["rate"] == 1.0
    assert [(f["conversation"], f["check"]) for f in summary["failures"]] == [("broken", "brand")]

    table = shopguide("eval", "conversations", "--suite", suite, "--no-llm", "--only", "ok", "--data-dir", shop_dir)
    assert "conversations passed: 1/1" in table


def test_eval_refuses_a_bad_suite(tmp_path: Path) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text(
        '{"id": "x", "lang": "en", "turns": [{"user": "hi", "expect": {"colour": "red"}}]}\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["eval", "conversations", "--suite", str(suite), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "bad.jsonl:1" in result.output and "colour" in result.output


def test_unknown_merchant_is_an_actionable_error(shop_dir: Path) -> None:
    result = runner.invoke(
        app, ["ask", "jacket", "--user", "x", "--merchant", "nobody", "--no-llm", "--data-dir", str(shop_dir)]
    )
    assert result.exit_code == 1 and "merchant 'nobody' has no products" in result.output


def test_ask_json_carries_every_event_with_its_milliseconds(shop_dir: Path) -> None:
    out = json.loads(
        shopguide("ask", "rain jacket under 500", "--user", "erin", "--json", "--no-llm", "--data-dir", shop_dir)
    )
    events = out["events"]
    assert [e["type"] for e in events] == ["products", "final"]
    assert [card["sku"] for card in events[0]["products"]] == [card["sku"] for card in out["products"]]
    assert events[-1]["text"] == out["text"] and 0 <= events[0]["ms"] <= events[-1]["ms"]


async def test_ask_json_shows_the_deltas_and_the_replacement_a_customer_saw(shop_dir: Path, tmp_path: Path) -> None:
    """With a model that lies after a checked first sentence: the delta, then the replacement, then the final."""
    data_dir = tmp_path / "data"
    shutil.copytree(shop_dir, data_dir)
    async with MisbehavingLLM("wrong_price") as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import main; main()", "ask", "rain jacket under 500", "--user", "fay",
            "--json", "--data-dir", str(data_dir),
            env={**os.environ, "SHOPGUIDE_LLM__BASE_URL": server.base_url, "SHOPGUIDE_LLM__MAX_RETRIES": "0"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    out = json.loads(stdout)
    types = [e["type"] for e in out["events"]]
    assert types == ["products", "delta", "replacement", "final"]
    delta, replacement = out["events"][1], out["events"][2]
    assert delta["text"].startswith("The ") and "¥1 " not in delta["text"]
    assert replacement["text"] == out["text"] and out["fallback"]
    assert [e["ms"] for e in out["events"]] == sorted(e["ms"] for e in out["events"])


async def test_the_terminal_shows_a_replacement_in_place_of_the_withdrawn_stream() -> None:
    from io import StringIO

    from rich.console import Console

    from bot.channels.terminal.render import show_turn
    from bot.core.reply import FinalReply, Replacement, Reply, TextDelta

    final = Reply(turn_id="t", language="en", intent="search", text="Here is what I found for you.", fallback=True)

    async def events():
        yield TextDelta(text="The Trail shell costs ¥399 [1].")
        yield Replacement(text=final.text, reason="grounding: 1 of 2 pieces rejected")
        yield FinalReply(reply=final)

    out = StringIO()
    shown = await show_turn(Console(file=out, force_terminal=False, width=100), events())
    assert shown == final and out.getvalue().rstrip().endswith(final.text)
