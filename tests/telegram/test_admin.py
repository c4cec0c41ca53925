"""Admins through the bot: prompt versions behind the regression gate, sampling bounds, roles and
statistics; everyone else refused and audited."""

from __future__ import annotations

import json
import re

import pytest

from bot.emulator import Outgoing
from tests.telegram.world import BAD_PROMPT_MARK, SHOP_B

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT = 30.0  # a /prompt set runs the (one-conversation) suite twice
PROMPT = "recommend.en"


async def say(user, text: str, *, wait: float = WAIT) -> Outgoing:
    user.chat.skip_to_end()
    await user.send_text(text)
    return await user.wait_for_reply(timeout=wait)


async def test_only_admins_may_change_prompts(telegram_world):
    state = telegram_world.services.state
    for outsider in (telegram_world.api.user(7001, "Cust", "en"), telegram_world.merchant_a):
        assert "for admins" in (await say(outsider, f"/prompt set {PROMPT} force")).text
        # The next message is an ordinary one, not a prompt text.
        await outsider.send_text("{{ broken")
    assert await state.active_prompt(PROMPT) is None
    denied = [entry for entry in await state.audit_log(50) if entry.action == "admin.denied"]
    assert {entry.actor for entry in denied} >= {"tg:7001", "tg:9002"}


async def test_a_prompt_draft_goes_live_when_the_suite_passes(telegram_world):
    ada, services = telegram_world.admin, telegram_world.services
    listing = await say(ada, "/prompt list")
    assert f"{PROMPT}: v0" in listing.text
    shown = await say(ada, f"/prompt show {PROMPT}")
    assert "<shop_data>" in shown.text  # the template says how to treat the shop data it no longer holds

    assert "Send the new text" in (await say(ada, f"/prompt set {PROMPT}")).text
    new_text = services.prompts.default_text(PROMPT) + "\nAlways be warm and brief. MARK-V1"
    await ada.send_text(new_text)
    verdict = await ada.wait_for_reply(lambda e: "is active" in e.text or "NOT" in e.text, timeout=WAIT)
    assert "passes" in verdict.text and "v1 is active" in verdict.text
    active = await services.state.active_prompt(PROMPT)
    assert active.version == 1 and active.author == "tg:9001" and "gate: draft" in active.note

    # In force from the next customer turn, without a restart.
    customer = telegram_world.api.user(7002, "Gus", "en")
    requests = len(telegram_world.llm.requests)
    await customer.send_text("running shoes")
    await customer.wait_for_reply(lambda e: not e.buttons, timeout=WAIT)
    assert any("MARK-V1" in str(request) for request in telegram_world.llm.requests[requests:])


async def test_a_worse_draft_is_stored_but_not_activated(telegram_world):
    ada, state = telegram_world.admin, telegram_world.services.state
    await say(ada, f"/prompt set {PROMPT}")
    await ada.send_text(telegram_world.services.prompts.default_text(PROMPT) + f"\n{BAD_PROMPT_MARK}")
    verdict = await ada.wait_for_reply(lambda e: "NOT active" in e.text or "is active" in e.text, timeout=WAIT)
    assert "FAILS" in verdict.text and "v2 is stored but NOT active" in verdict.text
    # Every figure decided on is printed beside the active one's, the fallback count included, and why.
    figures = dict(re.findall(r"^([✓✗] [^:\n]+): (.+)$", verdict.text, re.M))
    assert {"✓ conversations passed", "✗ conversations passed"} & set(figures)
    assert {"✓ template answers (fallbacks)", "✗ template answers (fallbacks)"} & set(figures)
    assert any(label.startswith("✗") for label in figures) and "Why: worse on " in verdict.text
    worse = verdict.text.split("Why: worse on ", 1)[1].split(".", 1)[0]
    assert all(f"✗ {label}" in figures for label in worse.split(", "))
    assert "Template answers (fallbacks):" in verdict.text
    assert (await state.active_prompt(PROMPT)).version == 1
    diff = await say(ada, f"/prompt diff {PROMPT}")
    assert f"+{BAD_PROMPT_MARK}" in diff.text and "-Always be warm" in diff.text


async def test_invalid_templates_are_refused(telegram_world):
    ada = telegram_world.admin
    await say(ada, f"/prompt set {PROMPT}")
    await ada.send_text("Hello {{ customer_secret }}")
    refusal = await ada.wait_for_reply(timeout=WAIT)
    assert "Not stored" in refusal.text and "customer_secret" in refusal.text
    assert "unknown prompt" in (await say(ada, "/prompt show nope.en")).text
    assert "Usage: /prompt" in (await say(ada, "/prompt frobnicate")).text


async def test_history_rollback_and_forced_versions(telegram_world):
    ada, state = telegram_world.admin, telegram_world.services.state
    history = await say(ada, f"/prompt history {PROMPT}")
    assert "v1 by tg:9001" in history.text and "(active)" in history.text and "v2 by tg:9001" in history.text

    assert "version 0" in (await say(ada, f"/prompt rollback {PROMPT} 0")).text
    assert await state.active_prompt(PROMPT) is None
    assert "no version 9" in (await say(ada, f"/prompt rollback {PROMPT} 9")).text

    await say(ada, f"/prompt set {PROMPT} force")
    await ada.send_text(telegram_world.services.prompts.default_text(PROMPT) + "\nMARK-FORCED")
    forced = await ada.wait_for_reply(timeout=WAIT)
    assert "v3 is active (gate skipped)" in forced.text
    assert (await state.active_prompt(PROMPT)).note == "forced without the gate"

    await say(ada, f"/prompt set {PROMPT} force")
    await ada.send_document(
        f"{PROMPT}.j2", (telegram_world.services.prompts.default_text(PROMPT) + "\nFROM-FILE").encode()
    )
    from_file = await ada.wait_for_reply(timeout=WAIT)
    assert "v4 is active" in from_file.text and "FROM-FILE" in (await state.active_prompt(PROMPT)).text

    tested = await say(ada, f"/prompt test {PROMPT}")
    assert "Running 1 conversations" in tested.text
    result = await ada.wait_for_reply(timeout=WAIT)
    assert "conversations passed" in result.text


async def test_a_pending_prompt_set_survives_a_restart(telegram_world):
    ada, world = telegram_world.admin, telegram_world
    assert "Send the new text" in (await say(ada, f"/prompt set {PROMPT} force")).text

    await world.restart()  # the bot still waits for Ada's prompt text

    ada.chat.skip_to_end()
    await ada.send_text(world.services.prompts.default_text(PROMPT) + "\nAFTER-RESTART")
    stored = await ada.wait_for_reply(timeout=WAIT)
    assert "is active (gate skipped)" in stored.text
    assert "AFTER-RESTART" in (await world.services.state.active_prompt(PROMPT)).text
    assert await world.services.state.take_input(f"tg:{ada.id}", "prompt") is None  # claimed by that text


async def test_llm_settings_within_the_llm_configs_limits_show_what_is_sent(telegram_world):
    ada, services = telegram_world.admin, telegram_world.services
    shown = (await say(ada, "/llm")).text
    # The world's LLM has the default max_tokens (400); a text answer is sent with the assistant's cap (120).
    assert "temperature = 0.0" in shown and "max_tokens = 400" in shown and "max_tokens 120 (text)" in shown
    assert "in [0, 2], got 2.5" in (await say(ada, "/llm temperature 2.5")).text
    assert "in [1, 8192], got 9000" in (await say(ada, "/llm max_tokens 9000")).text
    assert "a whole number" in (await say(ada, "/llm max_tokens lots")).text
    assert "temperature = 0.7*" in (await say(ada, "/llm temperature 0.7")).text
    assert services.llm_config.temperature == 0.7
    assert await services.state.get_overrides("llm") == {"temperature": 0.7}  # stored as a number
    assert "max_tokens 64 (text), 64 (comparisons" in (await say(ada, "/llm max_tokens 64")).text
    assert "temperature = 0.0" in (await say(ada, "/llm temperature default")).text
    assert "max_tokens 120 (text)" in (await say(ada, "/llm max_tokens default")).text
    assert "Usage: /llm" in (await say(ada, "/llm seed 1")).text


async def test_roles_are_granted_and_revoked(telegram_world):
    ada = telegram_world.admin
    helper = telegram_world.api.user(7003, "Hal", "en")
    assert "for shop staff" in (await say(helper, "/catalog")).text
    assert "merchant of shop shopb" in (await say(ada, f"/grant merchant 7003 {SHOP_B}")).text
    assert SHOP_B in (await say(helper, "/catalog")).text
    menu_key = (json.dumps({"chat_id": 7003, "type": "chat"}, sort_keys=True), "")
    assert "catalog" in [c["command"] for c in telegram_world.api.commands[menu_key]]
    assert "no longer merchant" in (await say(ada, "/revoke 7003")).text
    assert menu_key not in telegram_world.api.commands
    assert "for shop staff" in (await say(helper, "/catalog")).text
    assert "Usage: /grant" in (await say(ada, "/grant merchant 7003")).text
    assert "Usage: /grant" in (await say(ada, "/grant wizard 7003")).text
    assert "no role to revoke" in (await say(ada, "/revoke 7003")).text
    assert "cannot revoke your own" in (await say(ada, "/revoke 9001")).text


async def test_grant_checks_shop_ids_against_the_deep_link_rule(telegram_world):
    ada = telegram_world.admin
    for bad in ("shop.example", "我的店", "x" * 49):
        refusal = await say(ada, f"/grant merchant 7004 {bad}")
        assert "cannot be a shop id" in refusal.text and "1-48 letters, digits, _ or -" in refusal.text
    assert await telegram_world.services.state.role_of("tg:7004") == "customer"
    granted = (await say(ada, "/grant merchant 7004 new-shop_2")).text
    assert "merchant of shop new-shop_2" in granted and "no catalog yet" in granted
    assert "https://t.me/shopguide_test_bot?start=shop_new-shop_2" in granted
    open_shop = (await say(ada, f"/grant merchant 7004 {SHOP_B}")).text
    assert f"Customers' link: https://t.me/shopguide_test_bot?start=shop_{SHOP_B}" in open_shop


async def test_stats_and_unknown_commands(telegram_world):
    ada = telegram_world.admin
    stats = await say(ada, "/stats 7d")
    assert "last 7d" in stats.text and "Turns:" in stats.text and "CTR" in stats.text
    assert "Usage: /stats" in (await say(ada, "/stats 1y")).text
    assert "Unknown command" in (await say(ada, "/frobnicate")).text
    commands = telegram_world.api.commands
    assert any(name == "start" for key in commands for name in [c["command"] for c in commands[key]])
