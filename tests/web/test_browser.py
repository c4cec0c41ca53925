"""The sandbox in a real browser (headless Chromium), end to end: a customer asks in Chinese and English and
uses the card buttons, the merchant drops a catalog file and applies it, the customer finds the new product,
and the admin runs /stats. The bot, the emulator and the web server are the real ones; the LLM is scripted.

Each step's screenshot is saved in the test's output folder (`<tmp_path>/screenshots/`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import demo
from tests.web.browser import chromium_page
from tests.web.scripted import ANSWER_EN, scripted_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

STEP_TIMEOUT_MS = 30_000  # one bot turn on a busy 2-core machine; never reached when things work
NEW_PRODUCT = {
    "sku": "SANDBOX-LANTERN-1",
    "title": "Aurora Star Camping Lantern 极光露营灯",
    "price": 129,
    "currency": "CNY",
    "description": "Rechargeable LED camping lantern with three brightness levels and a hook for the tent.",
    "category": "户外 > 露营 > 照明",
    "brand": "Aurora",
    "stock": 30,
    "rating": 4.6,
    "url": "https://shop.example.com/p/SANDBOX-LANTERN-1",
    # A link that cannot load (.invalid never resolves; a loopback link would never reach a card): the placeholder.
    "image": "https://img.invalid/lantern.jpg",
}


def catalog_with_new_product() -> str:
    """The demo shop's products plus one new one: an upload replaces the whole product list."""
    lines = (demo.shop_dir() / "products.jsonl").read_text(encoding="utf-8").splitlines()
    return "\n".join([*lines, json.dumps(NEW_PRODUCT, ensure_ascii=False)]) + "\n"


async def test_customer_merchant_and_admin_in_the_browser(tmp_path: Path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with scripted_sandbox(tmp_path / "data") as (sandbox, _), chromium_page(tmp_path / "profile") as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(STEP_TIMEOUT_MS)

        async def shot(name: str) -> None:
            await page.screenshot(path=str(shots / f"{name}.png"))

        def pane(role: str):
            return page.locator(f'.chat[data-role="{role}"]')

        def bot_texts(role: str):
            """Bot bubbles that are neither cards nor drafts: answers, reports, confirmations."""
            return pane(role).locator(".row.bot .bubble:not(.card):not(.draft)")

        async def say(text: str) -> None:
            await page.fill("#text", text)
            await page.press("#text", "Enter")

        await page.goto(sandbox.url)
        await page.locator("#backend-model", has_text="scripted-test-model").wait_for()
        assert await page.locator(".user-tab").count() == 3

        # 1. /start: the welcome and its quick replies.
        await say("/start")
        await bot_texts("customer").first.wait_for()
        await page.locator("#quick-replies button").first.wait_for()
        await shot("01-welcome")

        # 2. A Chinese question: shown as typed, answered with product cards.
        question_zh = "防水冲锋衣，1000元以内"
        await say(question_zh)
        await pane("customer").locator(".row.user .text", has_text=question_zh).wait_for()
        assert await pane("customer").locator(".row.user .text").last.inner_text() == question_zh
        await bot_texts("customer").nth(1).wait_for()
        cards_zh = await pane("customer").locator(".bubble.card").count()
        assert cards_zh >= 1
        first_card = pane("customer").locator(".bubble.card .text").first
        assert "¥" in await first_card.inner_text() and await first_card.get_attribute("lang") == "zh-CN"
        await shot("02-chinese-question")

        # 3. An English question: cards, then the answer streams as a draft that becomes the final message.
        await say("a tent for two people")
        await pane("customer").locator(".bubble.draft").wait_for()
        await shot("03-english-streaming")
        await pane("customer").locator(".bubble.was-streamed", has_text=ANSWER_EN).wait_for()
        assert await pane("customer").locator(".bubble.card").count() > cards_zh
        assert "first reply" in await page.inner_text("#latency")
        await shot("04-english-answer")

        # 4. Details and Why? on the English turn's first card; 👍 answers with a toast.
        card = pane("customer").locator(".column:has(.bubble.card)").nth(cards_zh)
        title = await card.locator(".text b").first.inner_text()
        answers = await bot_texts("customer").count()
        await card.locator("button", has_text="Details").click()
        await bot_texts("customer").nth(answers).wait_for()
        assert title in await bot_texts("customer").nth(answers).inner_text()
        await shot("05-details")
        await card.locator("button", has_text="Why?").click()
        await bot_texts("customer").filter(has_text="Why this answer").wait_for()
        await shot("06-why")
        await card.locator("button", has_text="👍").click()
        await page.locator("#toast:not([hidden])").wait_for()
        assert (await page.inner_text("#toast")).strip()
        await shot("07-feedback-toast")

        # 5. The merchant drops a catalog file on the page: the report, then Apply.
        await page.click('.user-tab[data-role="merchant"]')
        transfer = await page.evaluate_handle(
            """([name, text]) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([text], name, { type: "application/jsonl" }));
                return transfer;
            }""",
            ["products.jsonl", catalog_with_new_product()],
        )
        await page.dispatch_event("#chats", "drop", {"dataTransfer": transfer})
        await pane("merchant").locator(".row.user .document", has_text="products.jsonl").wait_for()
        report = bot_texts("merchant").filter(has_text="+1 new")
        await report.wait_for()
        assert "Every row is valid" in await report.inner_text()
        apply = pane("merchant").locator(".keyboard button", has_text="Apply")
        await apply.wait_for()
        await shot("08-upload-report")
        await apply.click()
        await bot_texts("merchant").filter(has_text="✅ Applied products.jsonl").wait_for()
        await shot("09-applied")

        # 6. The customer finds the new product; its photo cannot load, so the card shows the placeholder.
        await page.click('.user-tab[data-role="customer"]')
        await say("aurora camping lantern")
        lantern = pane("customer").locator(".bubble.card", has_text="SANDBOX-LANTERN-1")
        await lantern.locator(".photo-placeholder").wait_for()
        assert "Aurora Star Camping Lantern" in await lantern.inner_text()
        await shot("10-new-product")

        # 7. The admin picks /stats from the command menu.
        await page.click('.user-tab[data-role="admin"]')
        await page.click("#menu-button")
        await page.locator("#menu button", has_text="/stats").click()
        stats = bot_texts("admin").filter(has_text="Usage, last 24h")
        await stats.wait_for()
        assert "Turns:" in await stats.inner_text()
        await shot("11-admin-stats")

        assert not errors, errors
    assert len(list(shots.glob("*.png"))) == 11
