"""Ingest throughput: products/s of a full catalog upload beside the raw encode rate of the same embedder.

    .venv/bin/python bench/ingest.py --size 10000

The upload goes through `CatalogIndex.ingest` on a fresh data directory (parse, validate, embed, Chroma,
BM25, snapshot and manifest); the raw rate encodes the very texts the index embeds, with nothing else,
once before and once after the upload (averaged).
The figure is the ratio (target: at least 0.85). Embedder settings come from the environment / .env
like the application's, or from the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from synthetic_catalog import generate_products, to_jsonl

from bot.settings import Settings
from retrieval.catalog import parse_catalog_file
from retrieval.derived import document_text
from retrieval.embed import open_embedder
from retrieval.index import CatalogIndex


async def main(args: argparse.Namespace) -> None:
    config = Settings().retrieval
    overrides = {
        "embed_backend": args.embed_backend,
        "embed_model": args.embed_model,
        "embed_batch_size": args.batch_size,
    }
    # Generated catalogs may exceed the upload limits meant for a merchant's file.
    limits = {"max_upload_bytes": 2**31, "max_rows": 10**7}
    config = config.model_copy(update={**limits, **{k: v for k, v in overrides.items() if v is not None}})
    embedder = await open_embedder(config)
    data = to_jsonl(generate_products(args.size))
    parsed = parse_catalog_file("products", "bench.jsonl", data, "bench", max_bytes=len(data), max_rows=args.size)
    texts = [document_text(record) for record in parsed.records]

    async def raw_encode() -> float:
        started = time.perf_counter()
        await embedder.embed(texts)
        return time.perf_counter() - started

    # Raw encoding runs before and after the upload and the two are averaged, so a change in machine
    # load during the run does not favour either side.
    encode_before = await raw_encode()
    with tempfile.TemporaryDirectory(dir=args.data_dir) as data_dir:
        index = await CatalogIndex.open(Path(data_dir), config, embedder=embedder)
        started = time.perf_counter()
        report = await (await index.merchant("bench")).ingest("products", "bench.jsonl", data)
        ingest_s = time.perf_counter() - started
        await index.close()
    encode_after = await raw_encode()
    if not report.ok:
        raise SystemExit(f"generated catalog was rejected: {report.parsed.errors or report.rejected[:3]}")

    encode_s = (encode_before + encode_after) / 2
    encode_rate = len(texts) / encode_s
    ingest_rate = args.size / ingest_s
    print(
        f"embedder: {embedder.name} ({embedder.dim} dims), batch size {config.embed_batch_size}, {args.size:,} products"
    )
    print(f"raw encode      {encode_rate:8.1f} texts/s    ({encode_before:.1f} s before, {encode_after:.1f} s after)")
    print(f"catalog ingest  {ingest_rate:8.1f} products/s ({ingest_s:.1f} s)")
    print(f"ratio           {ingest_rate / encode_rate:8.2f}x  (target >= 0.85x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="products in the generated catalog")
    parser.add_argument("--embed-backend", choices=["use", "sentence-transformers"])
    parser.add_argument(
        "--embed-model", help="for sentence-transformers: a local directory or packaged:all-MiniLM-L6-v2"
    )
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--data-dir", help="where the temporary data directory goes (default: the system temp dir)")
    asyncio.run(main(parser.parse_args()))
