"""Commands: search, catalog (stats, list, versions, rollback); and what the catalog commands share
(`open_index`, `progress_bar`, `run_command`). Files in and out (ingest, catalog export) are `uploads.py`; the
evaluations (eval retrieval, eval train-ranker, eval intents) are `evaluate.py`.

Each command opens the `CatalogIndex` under the data directory for its own run. Reports go to stdout
(a rich table, or JSON with `--json`); errors go to stderr with exit code 1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli.app import DataDirOption, JsonOption, app, console, err_console, fail, load_settings
from bot.evaluation.retrieval import DatasetError
from bot.settings import Settings
from retrieval.index import CatalogError, CatalogIndex, ProductHit, Shop
from retrieval.models import Product
from retrieval.money import format_price
from retrieval.query import ParsedQuery, SearchFilters, parse_query
from retrieval.search import SearchMode

MerchantOption = Annotated[
    str | None,
    typer.Option("--merchant", help="Whose catalog (default: SHOPGUIDE_ASSISTANT__DEFAULT_MERCHANT, 'demo')."),
]

catalog_app = typer.Typer(no_args_is_help=True, help="Inspect a merchant's catalog, confirm held text, roll it back.")
app.add_typer(catalog_app, name="catalog")


@asynccontextmanager
async def open_index(settings: Settings, data_dir: Path | None = None) -> AsyncIterator[CatalogIndex]:
    index = await CatalogIndex.open(data_dir or settings.data_dir, settings.retrieval)
    try:
        yield index
    finally:
        await index.close()


@contextmanager
def progress_bar(description: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr (stdout stays clean for --json); yields the index's callback, or None."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def run_command(coroutine: Any) -> Any:
    """Run a command's coroutine; catalog and dataset errors become a clean stderr message."""
    try:
        return asyncio.run(coroutine)
    except (CatalogError, DatasetError) as exc:
        fail(str(exc))


# --- search ----------------------------------------------------------------------------------------


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="What a customer would type, e.g. '500元以内的冲锋衣' or 'rain jacket under $100'.")
    ],
    merchant: MerchantOption = None,
    k: Annotated[
        int | None,
        typer.Option("-k", "--k", min=1, max=50, help="Results (default: SHOPGUIDE_RETRIEVAL__SEARCH_TOP_K)."),
    ] = None,
    mode: Annotated[
        SearchMode, typer.Option("--mode", help="hybrid (default), lexical (BM25 only) or dense (embeddings only).")
    ] = "hybrid",
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search a merchant's products the way the assistant does: parsed constraints, then hybrid retrieval."""
    settings = load_settings(data_dir)
    merchant_id = merchant or settings.assistant.default_merchant
    parsed, hits = run_command(_search(settings, merchant_id, query, k, mode))
    if as_json:
        console.print_json(
            json.dumps(
                {"parsed": parsed.model_dump(mode="json"), "hits": [h.model_dump(mode="json") for h in hits]},
                ensure_ascii=False,
            )
        )
        return
    console.print(
        f"[bold]query:[/] {escape(parsed.text or '(constraints only)')}   [bold]filters:[/] {escape(describe_filters(parsed))}"
    )
    if not hits:
        console.print("no product matches")
        return
    console.print(hits_table(hits))


async def _search(
    settings: Settings, merchant_id: str, query: str, k: int | None, mode: SearchMode
) -> tuple[ParsedQuery, list[ProductHit]]:
    async with open_index(settings) as index:
        shop = await index.merchant(merchant_id)
        if (await shop.stats()).version == 0:
            raise CatalogError(
                f"merchant {merchant_id!r} has no catalog yet; run `shopguide ingest FILE` or `shopguide ingest --demo`"
            )
        parsed = parse_query(query, await shop.vocabulary())
        return parsed, await shop.search(parsed.text, parsed.filters, k, sort=parsed.sort, mode=mode)


def describe_filters(parsed: ParsedQuery) -> str:
    filters: SearchFilters = parsed.filters
    parts = []
    if filters.price_min is not None or filters.price_max is not None:
        low = "" if filters.price_min is None else f"{filters.price_min:g}"
        high = "" if filters.price_max is None else f"{filters.price_max:g}"
        parts.append(f"price {low}..{high}" + (f" {filters.currency}" if filters.currency else ""))
    for label, values in (
        ("category", filters.categories),
        ("brand", filters.brands),
        ("not brand", filters.exclude_brands),
    ):
        if values:
            parts.append(f"{label} {' | '.join(values)}")
    if filters.in_stock_only:
        parts.append("in stock")
    if parsed.sort != "relevance":
        parts.append(f"sort {parsed.sort}")
    return ", ".join(parts) or "none"


def price_label(product: Product) -> str:
    return "price unknown" if product.price is None else format_price(product.price, product.currency)


def stock_label(product: Product) -> str:
    """Units on hand when known, else whether it is available."""
    if product.stock is not None:
        return str(product.stock)
    return "in stock" if product.in_stock else "out"


def hits_table(hits: list[ProductHit]) -> Table:
    table = Table(header_style="bold")
    for column in ("#", "sku", "title", "price", "brand", "category", "stock", "score", "variants"):
        table.add_column(column, justify="right" if column in ("#", "price", "score") else "left", overflow="fold")
    for rank, hit in enumerate(hits, start=1):
        product = hit.product
        table.add_row(
            str(rank),
            escape(product.sku),
            escape(product.title),
            price_label(product),
            escape(product.brand or ""),
            escape(" > ".join(product.category)),
            stock_label(product),
            f"{hit.score:.3f}",
            escape(", ".join(hit.variants)),
        )
    return table


# --- catalog stats | list | versions | rollback ------------------------------------------------------


@catalog_app.command("stats")
def catalog_stats(merchant: MerchantOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Counts of products, reviews, policies, categories and brands in the current version."""
    settings = load_settings(data_dir)
    stats = run_command(_with_shop(settings, merchant, lambda shop: shop.stats()))
    if as_json:
        console.print_json(stats.model_dump_json())
        return
    table = Table(show_header=False)
    for name, value in stats.model_dump().items():
        table.add_row(name, escape(str(value)))
    console.print(table)


@catalog_app.command("list")
def catalog_list(
    merchant: MerchantOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Most products shown in the table (--json lists all).")
    ] = 50,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The current products."""
    settings = load_settings(data_dir)
    products = run_command(_with_shop(settings, merchant, lambda shop: shop.products()))
    if as_json:
        console.print_json(json.dumps([p.model_dump(mode="json") for p in products], ensure_ascii=False))
        return
    table = Table(header_style="bold", caption=f"{min(limit, len(products))} of {len(products)} products")
    for column in ("sku", "title", "price", "brand", "category", "stock"):
        table.add_column(column, justify="right" if column == "price" else "left", overflow="fold")
    for product in products[:limit]:
        table.add_row(
            escape(product.sku),
            escape(product.title),
            price_label(product),
            escape(product.brand or ""),
            escape(" > ".join(product.category)),
            stock_label(product),
        )
    console.print(table)


@catalog_app.command("versions")
def catalog_versions(
    merchant: MerchantOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False
) -> None:
    """The kept catalog versions, oldest first."""
    settings = load_settings(data_dir)
    versions = run_command(_with_shop(settings, merchant, lambda shop: shop.versions()))
    if as_json:
        console.print_json(json.dumps([v.model_dump(mode="json") for v in versions], ensure_ascii=False))
        return
    table = Table(header_style="bold")
    for column in ("version", "created", "action", "kind", "note", "counts"):
        table.add_column(column)
    for version in versions:
        counts = ", ".join(f"{kind} {count}" for kind, count in version.counts.items())
        table.add_row(
            str(version.version),
            f"{version.created_at:%Y-%m-%d %H:%M:%S}",
            version.action,
            version.kind or "",
            escape(version.note),
            counts,
        )
    console.print(table)


@catalog_app.command("rollback")
def catalog_rollback(
    merchant: MerchantOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False
) -> None:
    """Restore the version before the current one (recorded as a new version)."""
    settings = load_settings(data_dir)
    version = run_command(_with_shop(settings, merchant, lambda shop: shop.rollback()))
    if as_json:
        console.print_json(version.model_dump_json())
        return
    console.print(f"restored version {version.previous} as version {version.version}: {escape(version.note)}")


async def _with_shop(settings: Settings, merchant: str | None, call: Callable[[Shop], Any]) -> Any:
    """Run `call` on the catalog of `merchant` (default: the configured default merchant)."""
    async with open_index(settings) as index:
        return await call(await index.merchant(merchant or settings.assistant.default_merchant))
