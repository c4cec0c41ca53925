"""A merchant managing their catalog through the bot: uploads (good, bad, another shop's rows, too
large, confirmed after a restart) and the catalog commands, with the role checked every time."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.emulator import Outgoing
from tests.telegram.world import MERCHANT_B_ID, PRODUCTS_HEADER, SHOP_A, SHOP_A_PRODUCTS, SHOP_B, SHOP_B_PRODUCTS

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT = 20.0


async def report_of(user, filename: str, checking: str = "Checking") -> str:
    """The validation report: the "Checking …" status message, once edited into the report."""
    status = await user.wait_for_reply(lambda e: e.text.startswith(checking), timeout=WAIT)
    edited = await user.chat.next(("edit",), lambda e: e.message_id == status.message_id, timeout=WAIT)
    assert filename in edited.text
    return edited.text


def document_text(event: Outgoing) -> str:
    """The CSV file the bot sent, as text."""
    assert event.document is not None and event.document.data is not None, event
    return event.document.data.decode("utf-8-sig")


async def catalog_version(world) -> int:
    return (await (await world.services.index.merchant(SHOP_A)).stats()).version


async def test_a_good_file_is_applied_only_after_confirmation_even_across_a_restart(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    before = await catalog_version(telegram_world)
    updated = SHOP_A_PRODUCTS.replace("RUN-2,Road Runner Shoe,399", "RUN-2,Road Runner Shoe,379") + (
        "SOCK-1,Running Socks 3-pack,59,CNY,Clothing > Socks,Swift,40,4.5,,,Breathable socks\n"
    )
    await mia.send_document("products.csv", updated.encode())
    report = await report_of(mia, "products.csv")
    assert "+1 new, 1 changed, 3 unchanged" in report and "Rows: 5 = 5 valid + 0 rejected" in report
    confirm = await mia.wait_for_reply(lambda e: bool(e.buttons), timeout=WAIT)
    assert await catalog_version(telegram_world) == before  # nothing applied before the merchant confirms

    await telegram_world.restart()  # the pending upload waits on disk

    mia.chat.skip_to_end()
    await mia.press(confirm, confirm.button("✅ Apply")["callback_data"])
    applied = await mia.chat.next(("edit",), lambda e: e.text.startswith("✅ Applied"), timeout=WAIT)
    assert "products.csv" in applied.text
    product = await (await telegram_world.services.index.merchant(SHOP_A)).product("SOCK-1")
    assert (
        product is not None
        and (await (await telegram_world.services.index.merchant(SHOP_A)).product("RUN-2")).price == 379
    )
    assert not mia.chat.message(confirm.message_id).get("reply_markup")  # the question is answered


async def test_a_cancelled_upload_changes_nothing(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    before = await catalog_version(telegram_world)
    await mia.send_document("products.csv", (SHOP_A_PRODUCTS + "NEW-1,New Thing,5,CNY,,,,,,,\n").encode())
    await report_of(mia, "products.csv")
    confirm = await mia.wait_for_reply(lambda e: bool(e.buttons), timeout=WAIT)
    await mia.press(confirm, confirm.button("✖ Cancel")["callback_data"])
    assert "Cancelled" in (await mia.wait_for_reply(timeout=WAIT)).text
    assert await catalog_version(telegram_world) == before
    assert await (await telegram_world.services.index.merchant(SHOP_A)).product("NEW-1") is None


async def test_a_bad_file_gets_a_report_and_changes_nothing(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    before = await catalog_version(telegram_world)
    bad = PRODUCTS_HEADER + (
        "OK-1,Fine Item,10,CNY,,,,,,,\nBAD-1,,5,CNY,,,,,,,\nBAD-2,Bad Price,abc,CNY,,,,,,,\nNP-1,No Price,,CNY,,,,,,,\n"
    )
    await mia.send_document("products.csv", bad.encode())
    report = await report_of(mia, "products.csv")
    assert "Rows: 4 = 2 valid + 2 rejected" in report and "row 3" in report and "price" in report
    # A product without a price is not an error: it is accepted as "price unknown", and the report says so.
    assert "no price (shown as price unknown): 1" in report
    rejected = await mia.wait_for_reply(lambda e: e.document is not None, timeout=WAIT)
    rows = list(csv.reader(io.StringIO(document_text(rejected))))
    assert rows[0] == ["row", "field", "reason"] and len(rows) == 3
    offer = await mia.wait_for_reply(timeout=WAIT)  # the valid rows may be applied, or the file fixed first
    assert "2 row(s) were rejected" in offer.text and offer.button("✅ Apply the 2 valid rows")
    await mia.press(offer, offer.button("✖ Cancel")["callback_data"])
    assert "Cancelled" in (await mia.wait_for_reply(timeout=WAIT)).text
    assert await catalog_version(telegram_world) == before


async def test_rows_of_another_shop_are_refused(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    before = await catalog_version(telegram_world)
    foreign = "merchant,sku,title,price\n" + f"{SHOP_B},B-1,Tea Cup (hijacked),1\n"
    await mia.send_document("products.csv", foreign.encode())
    report = await report_of(mia, "products.csv")
    assert "1 rejected" in report and SHOP_B in report
    assert await catalog_version(telegram_world) == before
    assert (await (await telegram_world.services.index.merchant(SHOP_B)).product("B-1")).title == "Tea Cup"


async def test_files_over_the_bot_download_limit_are_refused_before_downloading(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    downloads = len(telegram_world.api.calls_of("getFile"))
    await mia.send_document("huge.csv", b"x" * (20 * 1024 * 1024 + 1))
    # Wait for this file's answer: the previous test's last messages may still be arriving.
    refusal = await mia.wait_for_reply(lambda e: "huge.csv" in e.text or "20 MB" in e.text, timeout=WAIT)
    assert "at most 20 MB" in refusal.text
    assert len(telegram_world.api.calls_of("getFile")) == downloads


async def test_customers_cannot_use_merchant_commands(telegram_world):
    eve = telegram_world.api.user(6001, "Eve", "en")
    for command in ("/price RUN-1 1", "/catalog", "/export"):
        await eve.send_text(command)
        refusal = await eve.wait_for_reply(timeout=WAIT)
        assert "for shop staff" in refusal.text
    await eve.send_document("products.csv", SHOP_A_PRODUCTS.encode())
    refusal = await eve.wait_for_reply(timeout=WAIT)
    assert "for shop staff" in refusal.text
    assert (await (await telegram_world.services.index.merchant(SHOP_A)).product("RUN-1")).price == 499
    denied = [e for e in await telegram_world.services.state.audit_log(50) if e.action == "merchant.denied"]
    assert len(denied) >= 4


async def test_catalog_commands(telegram_world):
    mia = telegram_world.merchant_a
    index = telegram_world.services.index

    async def say(text: str) -> Outgoing:
        mia.chat.skip_to_end()
        await mia.send_text(text)
        return await mia.wait_for_reply(timeout=WAIT)

    assert "Products:" in (await say("/catalog")).text
    assert "Trail Runner Shoe" in (await say("/product RUN-1")).text
    assert "No product" in (await say("/product NOPE")).text
    assert "Usage: /price" in (await say("/price RUN-1")).text
    assert "Usage: /price" in (await say("/price RUN-1 -5")).text
    assert "Usage: /stock" in (await say("/stock RUN-1 many")).text
    assert "Not changed" in (await say("/price NOPE 5")).text

    assert "¥450" in (await say("/price RUN-1 450")).text
    assert (await (await index.merchant(SHOP_A)).product("RUN-1")).price == 450
    assert "Stock: 0" in (await say("/stock RUN-1 0")).text
    assert not (await (await index.merchant(SHOP_A)).product("RUN-1")).in_stock

    question = await say("/delete RUN-2")
    assert "Delete" in question.text
    await mia.press(question, question.button("🗑 Delete")["callback_data"])
    deleted = await mia.wait_for_reply(timeout=WAIT)
    assert "Deleted RUN-2" in deleted.text and await (await index.merchant(SHOP_A)).product("RUN-2") is None

    exported = await say("/export")
    rows = list(csv.DictReader(io.StringIO(document_text(exported))))
    assert {row["sku"] for row in rows} >= {"RUN-1", "JKT-1"} and "RUN-2" not in {row["sku"] for row in rows}

    assert "Rolled back" in (await say("/rollback")).text
    assert await (await index.merchant(SHOP_A)).product("RUN-2") is not None  # the deletion is undone
    # Bo is shop B's merchant: the same SKU command only ever reaches shop B's catalog.
    bo = telegram_world.merchant_b  # a Chinese-language client
    await bo.send_text("/product RUN-1")
    assert "没有商品 RUN-1" in (await bo.wait_for_reply(timeout=WAIT)).text


async def test_upload_kind_can_be_given_first_and_is_remembered_across_a_restart(telegram_world):
    mia = telegram_world.merchant_a
    mia.chat.skip_to_end()
    await mia.send_text("/upload reviews")
    assert "reviews file" in (await mia.wait_for_reply(timeout=WAIT)).text

    await telegram_world.restart()  # the bot still waits for Mia's reviews file

    mia.chat.skip_to_end()
    reviews = "sku,rating,text\nRUN-1,5,Great grip on wet rocks\n"
    await mia.send_document("data.csv", reviews.encode())  # the name alone would say products
    report = await report_of(mia, "data.csv")
    assert "as reviews" in report and "+1 new" in report
    await mia.wait_for_reply(lambda e: bool(e.buttons), timeout=WAIT)
    await mia.send_document("data.csv", reviews.encode())  # the request was for one file
    assert "as products" in await report_of(mia, "data.csv")
    await mia.send_text("/upload pictures")
    assert "Usage: /upload" in (await mia.wait_for_reply(lambda e: "Usage" in e.text, timeout=WAIT)).text


async def test_a_chinese_client_gets_staff_messages_in_chinese_until_lang_en(telegram_world):
    bo, api = telegram_world.merchant_b, telegram_world.api
    teapot = SHOP_B_PRODUCTS + "B-2,Tea Pot,129,CNY,Home > Kitchen,Cera,5,4.5,,,A clay tea pot\n"
    bo.chat.skip_to_end()
    await bo.send_document("products.csv", teapot.encode())
    report = await report_of(bo, "products.csv", checking="正在检查")
    assert "新增 1，修改 0，未变 1" in report and "new" not in report
    question = await bo.wait_for_reply(lambda e: bool(e.buttons), timeout=WAIT)
    assert question.button("✅ 应用") and "应用到" in question.text

    chat_menu = json.dumps({"chat_id": MERCHANT_B_ID, "type": "chat"}, sort_keys=True)
    assert "English" in (await say_to(bo, "/lang en")).text
    await bo.send_document("products.csv", teapot.encode())
    assert "+1 new, 0 changed, 1 unchanged" in await report_of(bo, "products.csv")
    question = await bo.wait_for_reply(lambda e: bool(e.buttons), timeout=WAIT)
    assert question.button("✅ Apply")
    # The menu follows the choice too: one English menu, whatever the client's language.
    assert {c["command"]: c["description"] for c in api.commands[(chat_menu, "")]}["upload"].startswith("Upload")
    assert (chat_menu, "zh") not in api.commands

    assert "跟随" in (await say_to(bo, "/lang auto")).text  # back to the client's language
    assert "没有商品" in (await say_to(bo, "/product NOPE")).text
    assert {c["command"] for c in api.commands[(chat_menu, "zh")]} >= {"upload", "lang"}


async def say_to(user, text: str) -> Outgoing:
    user.chat.skip_to_end()
    await user.send_text(text)
    return await user.wait_for_reply(timeout=WAIT)
