"""The sandbox server as the page uses it: the real bot, its roles and its events, over HTTP and SSE.

The tests of this module share one sandbox (the `sandbox` fixture) and run in order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.web.server import STATIC_DIR
from tests.web.events import ACTION, event_stream, is_bot_text, is_card

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(http: aiohttp.ClientSession, url: str, role: str, text: str) -> None:
    async with http.post(f"{url}api/chats/{role}/messages", json={"text": text}, headers=ACTION) as response:
        assert response.status == 200, await response.text()


async def test_the_page_is_served_from_the_package_and_fetches_nothing_from_elsewhere(sandbox, http):
    async with http.get(sandbox.url) as response:
        page = await response.text()
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        async with http.get(sandbox.url + asset.lstrip("/")) as response:
            assert response.status == 200, asset
    for path in STATIC_DIR.iterdir():
        # No CDN, no web font, no remote script: the page works offline.
        assert not re.search(r"https?://|@import|url\(", path.read_text(encoding="utf-8")), path.name


async def test_the_header_data_names_the_llm_and_the_three_users(sandbox, http):
    async with http.get(f"{sandbox.url}api/sandbox") as response:
        info = await response.json()
    assert info["backend"]["model"] == "scripted-test-model"
    assert info["backend"]["label"].startswith("endpoint http://127.0.0.1:")
    assert [(user["role"], user["user_id"]) for user in info["users"]] == [
        ("customer", 1001),
        ("merchant", 2002),
        ("admin", 3003),
    ]


async def test_requests_for_other_hosts_and_cross_site_actions_are_refused(sandbox, http):
    async with http.get(sandbox.url, headers={"Host": "attacker.example"}) as response:
        assert response.status == 421
    async with http.post(f"{sandbox.url}api/chats/customer/messages", json={"text": "hi"}) as response:
        assert response.status == 403  # a cross-site form cannot add the action header
    async with http.post(f"{sandbox.url}api/chats/nobody/messages", json={"text": "hi"}, headers=ACTION) as response:
        assert response.status == 404
    assert not sandbox.emulator.calls_of("sendMessage")  # none of these reached the bot


async def test_a_customer_turn_streams_cards_drafts_and_the_final_text_with_latency(sandbox, http):
    url = sandbox.url
    async with event_stream(http, url, "customer") as events:
        await send(http, url, "customer", "/start")
        welcome = await events.next(is_bot_text)
        assert welcome["quick_replies"], "the welcome offers quick replies"
        await send(http, url, "customer", "a tent for two people")
        mine = await events.next(lambda event: event["kind"] == "message")
        assert mine["bubble"]["sender"] == "user" and mine["bubble"]["html"] == "a tent for two people"
        card = await events.next(is_card)
        draft = await events.next(lambda event: event["kind"] == "draft")
        final = await events.next(is_bot_text)
    assert draft["html"].rstrip(" …") and "Here are good options" in final["bubble"]["html"]
    assert 0 <= card["after_ms"] <= draft["after_ms"] <= final["after_ms"]
    assert "¥" in card["bubble"]["html"] and "<b>" in card["bubble"]["html"]


async def test_a_page_that_reconnects_gets_only_what_it_missed(sandbox, http):
    async with event_stream(http, sandbox.url, "customer") as replay:
        first = await replay.next()
    assert first["id"] == 0 and first["bubble"]["html"] == "/start"  # a new page replays the whole chat
    async with event_stream(http, sandbox.url, "customer", last_event_id=3) as resumed:
        assert (await resumed.next())["id"] == 4


async def test_card_buttons_reach_the_bot_and_stale_ones_are_refused(sandbox, http):
    url = sandbox.url
    async with event_stream(http, url, "customer") as events:
        card = await events.next(is_card)
        await events.next(is_bot_text)  # the end of the turn that showed the card: what follows is new
        bubble = card["bubble"]
        details = next(button for row in bubble["buttons"] for button in row if button["text"] == "Details")
        title = bubble["html"].split("<b>", 1)[1].split("</b>", 1)[0]
        body = {"message_id": bubble["message_id"], "data": details["data"]}
        async with http.post(f"{url}api/chats/customer/presses", json=body, headers=ACTION) as response:
            assert response.status == 200
        shown = await events.next(is_bot_text)
    assert title in shown["bubble"]["html"]
    stale = {"message_id": bubble["message_id"], "data": "a:d::NO-SUCH-BUTTON"}
    async with http.post(f"{url}api/chats/customer/presses", json=stale, headers=ACTION) as response:
        assert response.status == 409


@pytest.mark.parametrize(
    ("role", "command", "answer"),
    [
        ("merchant", "/catalog", "demo</b> catalog version"),
        ("admin", "/stats", "Usage, last 24h"),
        (
            "customer",
            "/stats",
            "这个命令仅限管理员使用。",
        ),  # the customer Lin's client is Chinese: staff replies follow it
    ],
)
async def test_roles_are_granted_in_the_sandbox(sandbox, http, role, command, answer):
    async with event_stream(http, sandbox.url, role) as events:
        await send(http, sandbox.url, role, command)
        await events.next(lambda event: event["kind"] == "message" and event["bubble"]["html"] == command)
        reply = await events.next(is_bot_text)
    assert answer in reply["bubble"]["html"]


async def test_files_the_bot_sends_can_be_downloaded_from_their_chat_only(sandbox, http):
    url = sandbox.url
    async with event_stream(http, url, "merchant") as events:
        await send(http, url, "merchant", "/export")
        document = await events.next(lambda event: (event.get("bubble") or {}).get("attachment") is not None)
    attachment = document["bubble"]["attachment"]
    assert attachment["kind"] == "document" and attachment["name"] == "demo-products.csv"
    async with http.get(url + attachment["url"].lstrip("/")) as response:
        rows = list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert len(rows) == 246 and rows[0]["sku"]
    async with http.get(url + attachment["url"].lstrip("/").replace("merchant", "customer")) as response:
        assert response.status == 404


async def test_each_user_sees_the_command_menu_of_their_role(sandbox, http):
    menus = {}
    for role in ("customer", "merchant", "admin"):
        async with http.get(f"{sandbox.url}api/chats/{role}/commands") as response:
            menus[role] = {command["command"] for command in await response.json()}
    assert "start" in menus["customer"] and not {"upload", "stats"} & menus["customer"]
    assert {"upload", "catalog"} <= menus["merchant"] and "stats" not in menus["merchant"]
    assert {"stats", "prompt"} <= menus["admin"]
