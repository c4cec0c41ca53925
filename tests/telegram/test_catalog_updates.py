"""A merchant updating a catalog through the bot: partial files that add and update, a replace that asks twice
and names what goes, deleting by file, price/stock sheets, applying the valid rows of a file with errors,
exports in every format and kind that change nothing when sent straight back, reviews that go with their
product, long fields cut with a warning, and formula-like cells kept as text but neutralised in exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.emulator import EmulatedUser, Outgoing
from retrieval.export import EXPORT_FORMATS
from tests.telegram.world import PRODUCTS_HEADER, SHOP_A, TURN

pytestmark = pytest.mark.asyncio(loop_scope="session")

REVIEWS = "sku,review_id,rating,text\nRUN-1,r1,5,Great grip\nRUN-2,r2,4,Comfy\nJKT-1,r3,5,Dry all day\nJKT-1,r4,3,Runs small\n"


async def send(
    user: EmulatedUser, filename: str, data: str | bytes, caption: str | None = None
) -> tuple[str, Outgoing]:
    """Send a file; the report (the "Checking …" message once edited) and the bot's next message after it."""
    user.chat.skip_to_end()
    await user.send_document(filename, data.encode() if isinstance(data, str) else data, caption=caption)
    status = await user.wait_for_reply(lambda e: e.text.startswith("Checking"), timeout=TURN)
    report = await user.chat.next(("edit",), lambda e: e.message_id == status.message_id, timeout=TURN)
    offer = await user.wait_for_reply(lambda e: e.document is None, timeout=TURN)
    return report.text, offer


async def press(user: EmulatedUser, message: Outgoing, label: str) -> Outgoing:
    """Press the button whose label starts with `label`; the bot's next message or edit."""
    button = next(b for b in message.buttons if b["text"].startswith(label))
    user.chat.skip_to_end()
    await user.press(message, button["callback_data"])
    # Skipped: the pressed message losing its buttons, and "Applying …" before it turns into the outcome.
    return await user.chat.next(
        ("message", "edit"),
        lambda e: e.message_id != message.message_id and not e.text.endswith("…"),
        timeout=TURN,
    )


async def shop(world: Any):
    return await world.services.index.merchant(SHOP_A)


async def test_a_partial_file_adds_and_updates_and_touches_nothing_else(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    before = len(await catalog.products())
    await catalog.ingest("reviews", "reviews.csv", REVIEWS.encode())
    partial = PRODUCTS_HEADER + "SOCK-1,Running Socks,59,CNY,Clothing > Socks,Swift,40,4.5,,,Socks\n"
    partial += "RUN-2,Road Runner Shoe,379,CNY,Shoes > Running,Swift,3,4.2,,https://shop.example.com/RUN-2,Cushioned\n"
    report, question = await send(mia, "new-arrivals.csv", partial)
    assert "Mode: upsert" in report and "Rows: 2 = 2 valid + 0 rejected" in report
    assert "+1 new, 1 changed, 0 unchanged" in report and "removed" not in report
    applied = await press(mia, question, "✅ Apply")
    assert applied.text.startswith("✅ Applied new-arrivals.csv")
    assert len(await catalog.products()) == before + 1 and (await catalog.product("RUN-2")).price == 379
    assert (await catalog.stats()).reviews == 4


async def test_a_replace_asks_again_naming_what_it_removes(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    keep = PRODUCTS_HEADER + "RUN-1,Trail Runner Shoe,499,CNY,Shoes > Running,Swift,12,4.6,,,Light trail shoe\n"
    report, question = await send(mia, "only-run1.csv", keep, caption="replace")
    assert "Mode: replace" in report and "Not in the file, removed: 4 products" in report
    assert "Reviews removed with their products: 3" in report
    second = await press(mia, question, "✅ Apply")
    assert "removes 4 products that are not in the file and 3 reviews of those products" in second.text
    assert await catalog.product("JKT-1") is not None  # nothing removed on the first tap

    # The catalog changes before the second tap: the bot asks again with the figures of the catalog as it is.
    await catalog.delete_product("BAG-1")
    again = await press(mia, second, "🗑 Replace, removing 7")
    assert "The catalog changed since you confirmed" in again.text and "removes 3 products" in again.text
    applied = await press(mia, again, "🗑 Replace, removing 6")
    assert applied.text.startswith("✅ Applied only-run1.csv")
    assert [p.sku for p in await catalog.products()] == ["RUN-1"] and (await catalog.stats()).reviews == 1
    await catalog.rollback()
    await catalog.rollback()  # back to before BAG-1 was deleted, for the tests below


async def test_delete_by_file_and_price_sheets(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    await mia.send_text("/upload products delete")
    assert "Update mode: delete" in (await mia.wait_for_reply(timeout=TURN)).text
    report, question = await send(mia, "gone.csv", "sku\nSOCK-1\nNOPE-9\n")
    assert "1 to delete, 1 not in the catalog" in report and "not in the catalog, nothing to delete: 1" in report
    assert "Delete the 1 products listed in gone.csv" in question.text
    await press(mia, question, "✅ Apply")
    assert await catalog.product("SOCK-1") is None

    before = await catalog.product("JKT-1")
    report, question = await send(mia, "prices.csv", "货号,售价,库存\nJKT-1,799,5\nRUN-1,,0\n")
    assert "Price/stock sheet" in report and "0 new, 2 changed" in report
    await press(mia, question, "✅ Apply")
    after = await catalog.product("JKT-1")
    assert (after.price, after.stock, after.in_stock) == (799, 5, True) and after.title == before.title
    assert (await catalog.product("RUN-1")).price == 499 and not (await catalog.product("RUN-1")).in_stock


async def test_the_valid_rows_of_a_file_with_errors_can_be_applied(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    mixed = PRODUCTS_HEADER + "HAT-1,Sun Hat,89,CNY,,,,,,,\nBAD-1,Broken,abc,CNY,,,,,,,\nHAT-2,Wool Hat,99,CNY,,,,,,,\n"
    report, offer = await send(mia, "hats.csv", mixed)
    assert "Rows: 3 = 2 valid + 1 rejected" in report and "row 3, price" in report
    assert "1 row(s) were rejected" in offer.text
    applied = await press(mia, offer, "✅ Apply the 2 valid rows")
    assert "Applied the 2 valid rows of hats.csv (the 1 rejected rows changed nothing)" in applied.text
    assert await catalog.product("HAT-1") is not None and await catalog.product("BAD-1") is None


async def test_exports_of_every_kind_and_format_sent_back_change_nothing(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    tricky = PRODUCTS_HEADER + (
        "@HOME-1,@Home Cotton Towel,39,CNY,Home > Bath,@Home,5,,,,\"=cmd|' /C calc'!A0\n\nSecond paragraph\"\n"
    )
    assert (await catalog.ingest("products", "tricky.csv", tricky.encode())).version is not None
    await catalog.ingest("policies", "faq.md", b"# Returns\n7 days.\n\n- unworn\n- with tags\n# Shipping\nFree.\n")
    # /delete takes the product's reviews with it, so the reviews export has no orphan to refuse.
    mia.chat.skip_to_end()
    await mia.send_text("/delete JKT-1")
    question = await mia.wait_for_reply(timeout=TURN)
    await press(mia, question, "🗑 Delete")
    assert await catalog.reviews("JKT-1") == []
    for kind in ("products", "reviews", "policies"):
        for fmt in EXPORT_FORMATS:
            mia.chat.skip_to_end()
            await mia.send_text(f"/export {kind} {fmt}")
            exported = await mia.wait_for_reply(lambda e: e.document is not None, timeout=TURN)
            assert exported.document is not None and exported.document.data is not None
            name = exported.document.file_name or ""
            assert name == f"{SHOP_A}-{kind}.{fmt}"
            await mia.send_text(f"/upload {kind}")
            await mia.wait_for_reply(timeout=TURN)
            report, answer = await send(mia, name, exported.document.data)
            assert "= No changes." in report and "Nothing to apply" in answer.text and not answer.buttons, (kind, fmt)
    csv_export = await _export(mia, "products csv")
    cells = {row["sku"]: row for row in csv.DictReader(io.StringIO(csv_export.decode("utf-8-sig")))}
    assert cells["'@HOME-1"]["title"] == "'@Home Cotton Towel" and cells["'@HOME-1"]["brand"] == "'@Home"
    sheet = load_workbook(io.BytesIO(await _export(mia, "products xlsx"))).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


async def test_a_long_description_is_cut_with_a_warning(telegram_world):
    mia = telegram_world.merchant_a
    catalog = await shop(telegram_world)
    long = "Soft absorbent cotton. " * 8_000  # 184,000 characters: over the 131,072 of Python's csv module
    report, question = await send(mia, "towels.csv", PRODUCTS_HEADER + f"TWL-1,Bath Towel,59,CNY,,,,,,,{long}\n")
    assert "Warnings (these rows are used): cut to the length limit: 1" in report
    assert "row 2, description" in report and "cut to 10,000" in report
    await press(mia, question, "✅ Apply")
    assert len((await catalog.product("TWL-1")).description) == 10_000


async def _export(user: EmulatedUser, args: str) -> bytes:
    user.chat.skip_to_end()
    await user.send_text(f"/export {args}")
    exported = await user.wait_for_reply(lambda e: e.document is not None, timeout=TURN)
    assert exported.document is not None and exported.document.data is not None
    return exported.document.data
