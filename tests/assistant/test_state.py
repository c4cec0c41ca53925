"""StateStore: every verb, persistence across reopen, migrations, and refusals of bad input."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.reply import Evidence, ProductCard, Reply
from bot.state.store import MIGRATIONS, StateError, StateStore, percentile


@pytest.fixture
async def store(tmp_path: Path):
    opened = await StateStore.open(tmp_path / "state.sqlite3")
    yield opened
    await opened.close()


async def test_dialog_save_load_reset(store: StateStore) -> None:
    assert await store.load_dialog("cli:ann") is None
    await store.save_dialog("cli:ann", {"language": "zh", "constraints": {"max_price": 500}})
    await store.save_dialog("cli:ann", {"language": "zh", "constraints": {"max_price": 300}})
    assert await store.load_dialog("cli:ann") == {"language": "zh", "constraints": {"max_price": 300}}
    assert await store.load_dialog("cli:bob") is None
    await store.reset_dialog("cli:ann")
    assert await store.load_dialog("cli:ann") is None


async def test_state_survives_reopen_and_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    first = await StateStore.open(path)
    await first.save_dialog("tg:1", {"shown": ["A1"]})
    await first.grant("tg:2", "admin", None, by="tg:1")
    await first.close()

    second = await StateStore.open(path)
    try:
        assert await second.load_dialog("tg:1") == {"shown": ["A1"]}
        assert await second.role_of("tg:2") == "admin"
    finally:
        await second.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StateError, match="newer than this ShopGuide"):
        await StateStore.open(path)


async def test_reply_round_trip(store: StateStore) -> None:
    reply = Reply(
        turn_id="t-1",
        language="en",
        intent="search",
        text="Two jackets fit.",
        products=[
            ProductCard(
                merchant_id="demo",
                sku="J1",
                title="Jacket",
                price=399.0,
                currency="CNY",
                in_stock=True,
                buttons=["why"],
            )
        ],
        evidence=[
            Evidence(ref=1, kind="product", merchant_id="demo", sku="J1", source_id="J1", field="price", text="399")
        ],
    )
    await store.save_reply(reply)
    assert await store.load_reply("t-1") == reply
    assert await store.load_reply("t-unknown") is None


async def test_roles_grant_revoke_and_audit(store: StateStore) -> None:
    assert await store.role_of("tg:5") == "customer"
    assert await store.merchant_of("tg:5") is None
    await store.grant("tg:5", "merchant", "acme", by="tg:1")
    assert await store.role_of("tg:5") == "merchant"
    assert await store.merchant_of("tg:5") == "acme"
    await store.grant("tg:6", "admin", None, by="tg:1")
    assert [(g.user_id, g.role) for g in await store.roles()] == [("tg:6", "admin"), ("tg:5", "merchant")]

    removed = await store.revoke("tg:5", by="tg:1")
    assert removed.merchant_id == "acme"
    assert await store.role_of("tg:5") == "customer"
    log = await store.audit_log(10)
    assert [entry.action for entry in log] == ["revoke", "grant", "grant"]
    assert log[-1].actor == "tg:1" and "acme" in log[-1].detail


@pytest.mark.parametrize(
    ("role", "merchant", "message"),
    [
        ("owner", None, "unknown role 'owner'"),
        ("merchant", None, "needs the merchant id"),
        ("customer", None, "revoke"),
    ],
)
async def test_bad_grants_are_refused_and_change_nothing(
    store: StateStore, role: str, merchant: str | None, message: str
) -> None:
    with pytest.raises(StateError, match=message):
        await store.grant("tg:7", role, merchant, by="tg:1")
    assert await store.roles() == []
    assert await store.audit_log(5) == []


async def test_revoking_a_customer_is_an_error(store: StateStore) -> None:
    with pytest.raises(StateError, match="no role to revoke"):
        await store.revoke("tg:9", by="tg:1")
    with pytest.raises(StateError, match="non-empty"):
        await store.role_of("")


async def test_prompt_versions_and_activation(store: StateStore) -> None:
    assert await store.active_prompt("recommend.zh") is None
    draft = await store.add_prompt_version("recommend.zh", "v1 text", "tg:1", activate=False, note="draft")
    assert (draft.version, draft.active) == (1, False)
    assert await store.active_prompt("recommend.zh") is None

    second = await store.add_prompt_version("recommend.zh", "v2 text", "tg:1", activate=True)
    assert (second.version, second.active) == (2, True)
    active = await store.active_prompt("recommend.zh")
    assert active is not None and active.text == "v2 text"

    back = await store.activate_prompt("recommend.zh", 1, by="tg:1")
    assert back is not None and back.version == 1 and back.active
    history = await store.prompt_history("recommend.zh")
    assert [(v.version, v.active, v.note) for v in history] == [(1, True, "draft"), (2, False, "")]

    assert await store.activate_prompt("recommend.zh", 0, by="tg:1") is None
    assert await store.active_prompt("recommend.zh") is None
    assert await store.prompt_history("recommend.en") == []


async def test_activating_a_missing_prompt_version_says_which_exist(store: StateStore) -> None:
    await store.add_prompt_version("recommend.zh", "v1 text", "tg:1", activate=True)
    with pytest.raises(StateError, match=r"no version 7; versions: 0 \(template file\), 1"):
        await store.activate_prompt("recommend.zh", 7, by="tg:1")
    active = await store.active_prompt("recommend.zh")
    assert active is not None and active.version == 1
    with pytest.raises(StateError, match="empty"):
        await store.add_prompt_version("recommend.zh", "  ", "tg:1", activate=True)


async def test_overrides_set_replace_clear(store: StateStore) -> None:
    assert await store.get_overrides("llm") == {}
    await store.set_override("llm", "temperature", 0.7, by="tg:1")
    await store.set_override("llm", "temperature", 0.1, by="tg:1")
    await store.set_override("llm", "max_tokens", 200, by="tg:1")
    assert await store.get_overrides("llm") == {"max_tokens": 200, "temperature": 0.1}
    await store.set_override("llm", "temperature", None, by="tg:1")
    assert await store.get_overrides("llm") == {"max_tokens": 200}
    assert [e.action for e in await store.audit_log(2)] == ["override.clear", "override.set"]
    with pytest.raises(StateError, match="JSON"):
        await store.set_override("llm", "temperature", object(), by="tg:1")


async def test_stats_counts_ctr_and_latency_percentiles(store: StateStore) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    for user, latency in [("tg:1", 100.0), ("tg:1", 300.0), ("tg:2", 200.0), ("tg:2", 1000.0)]:
        await store.record_event(
            "turn", user, turn_id="t", value=latency, data={"intent": "search"}, merchant_id="demo"
        )
    for sku in ("A", "B", "C", "D"):
        await store.record_event("shown", "tg:1", sku=sku, merchant_id="demo")
    await store.record_event("click", "tg:1", sku="A", data={"action": "buy"}, merchant_id="demo")
    await store.record_event("feedback", "tg:1", value=1, merchant_id="demo")
    await store.record_event("feedback", "tg:2", value=-1, merchant_id="demo")
    await store.record_event("handoff", "tg:2", merchant_id="demo")
    await store.record_event("fallback", "tg:2", merchant_id="demo")
    await store.record_event("llm_error", "tg:2", data={"error": "timeout"}, merchant_id="other")
    await store.record_event("turn", "eval:run1:zh-budget", value=5000.0)  # suite traffic is not usage

    stats = await store.stats(start)
    assert (stats.conversations, stats.turns, stats.products_shown, stats.clicks) == (2, 4, 4, 1)
    assert stats.ctr == pytest.approx(0.25)
    assert (stats.likes, stats.dislikes, stats.handoffs, stats.fallbacks, stats.llm_errors) == (1, 1, 1, 1, 1)
    assert (stats.latency_p50_ms, stats.latency_p95_ms) == (200.0, 1000.0)
    assert (await store.stats(start, merchant_id="demo")).llm_errors == 0

    later = await store.stats(datetime.now(UTC) + timedelta(seconds=1))
    assert (later.turns, later.ctr, later.latency_p50_ms) == (0, 0.0, None)
    turns = await store.events("turn", since=start)
    assert [e.value for e in turns] == [100.0, 300.0, 200.0, 1000.0, 5000.0] and turns[0].data == {"intent": "search"}


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        ("view", {}, "unknown event kind 'view'"),
        ("feedback", {"value": 5}, r"\+1 or -1"),
        ("click", {}, "needs the product's sku"),
    ],
)
async def test_bad_events_are_refused(store: StateStore, kind: str, kwargs: dict, message: str) -> None:
    with pytest.raises(StateError, match=message):
        await store.record_event(kind, "tg:1", **kwargs)
    assert await store.events() == []


async def test_audit_log_newest_first_with_limit(store: StateStore) -> None:
    for n in range(3):
        await store.audit("tg:1", "catalog.upload", f"products v{n}")
    assert [e.detail for e in await store.audit_log(2)] == ["products v2", "products v1"]
    with pytest.raises(StateError, match="at least 1"):
        await store.audit_log(0)


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([float(v) for v in range(1, 101)], 95) == 95.0
