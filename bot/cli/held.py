"""Commands: catalog held (the descriptions and reviews ingest keeps out of answers until the merchant confirms
them, `retrieval/holds.py`) and catalog confirm (release them, as a new catalog version, audited).

A confirmation holds for that exact text: ingesting it again keeps it released, changing it screens it
afresh, and `shopguide catalog rollback` takes it back. Text that gives the assistant orders cannot be
confirmed, only rewritten.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.app import DataDirOption, JsonOption, console, load_settings
from bot.cli.catalog import MerchantOption, catalog_app, open_index, run_command
from bot.services import STATE_FILE
from bot.settings import Settings
from bot.state.store import StateStore
from retrieval.holds import held_field, held_kind, held_text
from retrieval.index import CatalogVersion
from retrieval.models import Product, Review

_WHY = {
    "held": "too good to be true: confirm it once checked",
    "instructions": "orders to the assistant: rewrite it and ingest again",
}


@catalog_app.command("held")
def catalog_held(merchant: MerchantOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """The descriptions and reviews held out of answers, prompts and buttons until the merchant confirms them."""
    settings = load_settings(data_dir)
    records = run_command(_held(settings, merchant))
    if as_json:
        console.print_json(json.dumps([_held_json(record) for record in records], ensure_ascii=False))
        return
    if not records:
        console.print("nothing is held: every description and review may be used in answers")
        return
    table = Table(header_style="bold", caption="release with: shopguide catalog confirm SKU ... --review ID ...")
    for column in ("kind", "sku", "review", "why", "text"):
        table.add_column(column, overflow="fold")
    for record in records:
        review = record.review_id if isinstance(record, Review) else ""
        text = escape(held_text(record)[:200])
        table.add_row(_kind(record), escape(record.sku), escape(review), _WHY[held_kind(record)], text)
    console.print(table)


@catalog_app.command("confirm")
def catalog_confirm(
    skus: Annotated[list[str] | None, typer.Argument(help="Products whose held description you confirm.")] = None,
    reviews: Annotated[
        list[str] | None, typer.Option("--review", help="A review (by review id) whose held text you confirm.")
    ] = None,
    merchant: MerchantOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Release held text once checked: a new catalog version (all the named items, or none), in the audit log."""
    settings = load_settings(data_dir)
    version = run_command(_confirm(settings, merchant, skus or [], reviews or []))
    if as_json:
        console.print_json(version.model_dump_json())
        return
    console.print(f"confirmed {escape(version.note)}: catalog version {version.version}")


async def _held(settings: Settings, merchant: str | None) -> list[Product | Review]:
    async with open_index(settings) as index:
        return await (await index.merchant(merchant or settings.assistant.default_merchant)).held()


async def _confirm(settings: Settings, merchant: str | None, skus: list[str], reviews: list[str]) -> CatalogVersion:
    merchant_id = merchant or settings.assistant.default_merchant
    actor = f"cli:{_login()}"
    async with open_index(settings) as index:
        version = await (await index.merchant(merchant_id)).confirm(skus, reviews, by=actor)
    state = await StateStore.open(settings.data_dir / STATE_FILE)
    try:
        await state.audit(actor, "catalog.confirm", f"{merchant_id}: {version.note} -> version {version.version}")
    finally:
        await state.close()
    return version


def _login() -> str:
    """Who runs the command, for the audit log (the login name when the system knows one)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _kind(record: Product | Review) -> str:
    return f"{'product' if isinstance(record, Product) else 'review'} {held_field(record)}"


def _held_json(record: Product | Review) -> dict[str, object]:
    return {
        "kind": "products" if isinstance(record, Product) else "reviews",
        "sku": record.sku,
        "review_id": record.review_id if isinstance(record, Review) else None,
        "field": held_field(record),
        "flags": record.flags,
        "why": held_kind(record),
        "text": held_text(record),
    }
