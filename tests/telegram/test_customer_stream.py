"""What a Telegram customer sees while an answer is written, through the Bot API emulator: every draft, edit
and "typing…" when the model misbehaves or is slow. Nothing unchecked is ever drafted or edited in; a withdrawn
stream is replaced in place before the final message; a wait over half a second shows "typing…"."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import Outgoing
from bot.evaluation.conversations.misbehaving import PAYLOADS, misbehave
from tests.support.llm_server import Reply, Status
from tests.telegram.world import open_world, scripted_answer

pytestmark = pytest.mark.asyncio(loop_scope="session")

TURN = 20.0
GOOD = "The Trail Runner Shoe costs ¥499 [1]. It has a grippy sole [1]."


def llm(request: dict[str, Any]) -> Reply | Status:
    """The model: misbehaves as the customer's message says ("wrongprice", "注入"), else answers well,
    after 1.5 s for "patience"."""
    messages = request.get("messages", [])
    latest = str(messages[-1].get("content", "")) if messages else ""
    if "wrongprice" in latest:
        return Reply("".join(misbehave("wrong_price", messages)))
    if "注入" in latest:
        return Reply("".join(misbehave("obeyed_injection", messages)))
    if "patience" in latest:
        return Reply(GOOD, first_token_delay_s=1.5)
    return scripted_answer(request)


@pytest.fixture(scope="module")
async def world(tmp_path_factory):
    async with open_world(tmp_path_factory.mktemp("telegram-stream"), llm_handler=llm) as opened:
        yield opened


def is_card(event: Outgoing) -> bool:
    """A product card, in either language: its buttons carry card actions."""
    return any(str(b.get("callback_data", "")).startswith("a:") for b in event.buttons)


def shown_texts(events: list[Outgoing]) -> list[str]:
    """Every text the customer saw arrive: drafts, new messages and edits (cards aside)."""
    return [e.text for e in events if e.kind in ("draft", "message", "edit") and not is_card(e)]


def assert_no_payload(texts: list[str]) -> None:
    for text in texts:
        assert not any(payload.casefold() in text.casefold() for payload in PAYLOADS), text


async def test_a_private_chat_sees_the_checked_sentence_then_its_replacement_never_the_lie(world):
    alice = world.api.user(6001, "Alice", "en")
    alice.chat.skip_to_end()
    await alice.send_text("running shoes wrongprice")
    final = await alice.wait_for_reply(lambda e: not is_card(e), timeout=TURN)
    events = alice.chat.history
    drafts = [e.text for e in events if e.kind == "draft"]
    assert_no_payload(shown_texts(events))
    # The first sentence was drafted as it passed the check; the template then took its place in the draft
    # (no trailing "…": it is final) before the final message, which is the template too.
    assert drafts[0].startswith("The ") and "[1]." in drafts[0]
    assert drafts[-1] == final.text and final.text.startswith("Here is what I found for you")
    assert "My pick for you" in final.text


async def test_a_group_sees_its_streamed_message_edited_into_the_replacement(world):
    group = world.api.group("Runners")
    dave = world.api.user(6002, "Dave", "en")
    await dave.send_text(f"@{world.api.bot_user['username']} running shoes wrongprice", chat=group)
    streamed = await group.next(predicate=lambda e: not is_card(e), timeout=TURN)
    assert streamed.text.endswith("…") and streamed.text.startswith("The ")
    replaced = await group.next(("edit",), lambda e: e.message_id == streamed.message_id, timeout=TURN)
    assert replaced.text.startswith("Here is what I found for you")
    assert_no_payload(shown_texts(group.history))


async def test_an_obeyed_injection_is_never_drafted(world):
    lin = world.api.user(6003, "Lin", "zh-hans")
    lin.chat.skip_to_end()
    await lin.send_text("跑鞋 注入")
    final = await lin.wait_for_reply(lambda e: not is_card(e), timeout=TURN)
    assert not [e for e in lin.chat.history if e.kind == "draft"]
    assert "免费" not in final.text and final.text.startswith("为您找到")
    assert_no_payload(shown_texts(lin.chat.history))


async def test_a_wait_over_half_a_second_shows_typing(world):
    carol = world.api.user(6004, "Carol", "en")
    carol.chat.skip_to_end()
    await carol.send_text("running shoes patience")
    final = await carol.wait_for_reply(lambda e: not is_card(e), timeout=TURN)
    kinds = [e.kind for e in carol.chat.history]
    typing = [e for e in carol.chat.history if e.kind == "chat_action" and e.action == "typing"]
    # Cards first, then a quiet wait for the model's first token: "typing…" before the first draft.
    assert typing and kinds.index("chat_action") < kinds.index("draft")
    assert final.text == GOOD


async def test_cards_are_written_in_the_turns_language(world):
    mei = world.api.user(6005, "Mei", "zh-hans")  # a Chinese client, writing English
    mei.chat.skip_to_end()
    await mei.send_text("running shoes")
    card = await mei.wait_for_reply(is_card, timeout=TURN)
    final = await mei.wait_for_reply(lambda e: not is_card(e), timeout=TURN)
    assert card.button("Details") and "In stock" in card.text and final.text
