"""Search latency on generated catalogs, beside the floor: a bare Chroma query plus one query embedding.

    .venv/bin/python bench/retrieval_latency.py --sizes 10000,100000 --queries 200

For each size a fresh catalog is ingested through `CatalogIndex`, then every query runs three ways,
interleaved so load changes hit all three alike: the floor (embed the query, then a top-k Chroma query on
the same collection, no filter), `CatalogIndex.search` unfiltered, and `CatalogIndex.search` with one of
several filter sets (price, category, brand, stock, exclusions; from ~1% to ~85% of the catalog allowed).
The figure is p95 of search over p95 of the floor (target: at most 1.5x, filtered searches included).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from synthetic_catalog import generate_products, generate_queries, to_jsonl

from bot.settings import Settings
from retrieval.embed import open_embedder
from retrieval.index import CatalogIndex
from retrieval.query import SearchFilters
from retrieval.store import VectorStore

MERCHANT = "bench"
FILTER_SETS = {
    "price <= 300": SearchFilters(price_max=300),
    "category 跑鞋": SearchFilters(categories=["跑鞋"]),
    "brand + in stock": SearchFilters(brands=["Peak", "小米"], in_stock_only=True),
    "category + price 100-500": SearchFilters(categories=["数码"], price_min=100, price_max=500),
    "not brand + in stock": SearchFilters(exclude_brands=["Nordic"], in_stock_only=True),
}


async def bench_size(size: int, queries: list[str], k: int, config, embedder, data_dir: str | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # A kept data dir makes a re-run's ingest a no-op upload of unchanged rows (nothing re-embedded).
        directory = Path(data_dir) / f"catalog-{size}" if data_dir else Path(scratch)
        index = await CatalogIndex.open(directory, config, embedder=embedder)
        started = time.perf_counter()
        report = await (await index.merchant(MERCHANT)).ingest(
            "products", "bench.jsonl", to_jsonl(generate_products(size))
        )
        if not report.ok:
            raise SystemExit(f"generated catalog was rejected: {report.parsed.errors or report.rejected[:3]}")
        print(f"\n{size:,} products ingested in {time.perf_counter() - started:.0f} s")
        store = await VectorStore.open(directory, config, embedder.name, embedder.dim)
        products = await (await index.merchant(MERCHANT)).products()
        filters = FILTER_SETS
        shop = await index.merchant(MERCHANT)
        for name, f in filters.items():
            share = sum(f.matches(p) for p in products) / len(products)
            print(f"  filter {name:<26} allows {share:6.1%} of the catalog")

        async def floor(query: str) -> None:
            vector = (await embedder.embed([query]))[0]
            await store.query("products", MERCHANT, vector, k)

        plain = SearchFilters()
        names = list(filters)
        timings: dict[str, list[float]] = {"floor": [], "unfiltered": [], "filtered": []}
        per_filter: dict[str, list[float]] = {name: [] for name in names}
        for warm_up in queries[:10]:
            await floor(warm_up)
            await shop.search(warm_up, plain, k)
            await shop.search(warm_up, filters[names[0]], k)
        for i, query in enumerate(queries):
            name = names[i % len(names)]
            for label, call in (
                ("floor", floor(query)),
                ("unfiltered", shop.search(query, plain, k)),
                ("filtered", shop.search(query, filters[name], k)),
            ):
                started = time.perf_counter()
                await call
                elapsed = (time.perf_counter() - started) * 1000
                timings[label].append(elapsed)
                if label == "filtered":
                    per_filter[name].append(elapsed)
        floor_p95 = _p95(timings["floor"])
        print(f"  {'':<34}{'p50 ms':>8}{'p95 ms':>8}{'p95 / floor':>13}")
        for label, values in [*timings.items(), *((f"  {n}", v) for n, v in per_filter.items())]:
            print(f"  {label:<34}{statistics.median(values):8.1f}{_p95(values):8.1f}{_p95(values) / floor_p95:12.2f}x")
        await store.close()
        await index.close()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def main(args: argparse.Namespace) -> None:
    # Generated catalogs may exceed the upload limits meant for a merchant's file.
    config = Settings().retrieval.model_copy(update={"max_upload_bytes": 2**31, "max_rows": 10**7})
    embedder = await open_embedder(config)
    queries = generate_queries(args.queries)
    print(
        f"embedder {embedder.name} ({embedder.dim} dims); {args.queries} queries per size, top {args.k}; "
        f"exact dense search up to {config.exact_search_max:,} allowed products, Chroma ANN above"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        await bench_size(size, queries, args.k, config, embedder, args.data_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated catalog sizes")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=5, help="results per search")
    parser.add_argument("--data-dir", help="keep the catalogs here and reuse them on the next run (default: temporary)")
    asyncio.run(main(parser.parse_args()))
