"""The one configuration object, read from the environment and `.env` (see `.env.example`).

Each layer owns a plain pydantic model of its own settings (`retrieval.config`, `serving.config`);
the bot's own sections live here. This object composes them so retrieval never imports serving and vice versa.
Nested values use a double underscore: `SHOPGUIDE_LLM__BASE_URL`, `SHOPGUIDE_RETRIEVAL__CHROMA_HOST`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.reply import Language
from retrieval.config import RetrievalConfig
from serving.config import LLMConfig, LocalEngineConfig, VLLMConfig


class AssistantConfig(BaseModel):
    """How one customer turn behaves."""

    answer_wait_s: float = Field(
        2.0,
        gt=0,
        description="Answer now, improve if the model can: once the checked template answer is ready, the longest "
        "the customer waits for the model's first checked text (or its whole JSON answer); then the template answers.",
    )
    embedded_model: bool = Field(
        False,
        description="Try the embedded CPU engine's answers at all. Off: with no SHOPGUIDE_LLM__BASE_URL the checked "
        "templates answer at once (docs/PERFORMANCE.md: the packaged model's text was rarely kept and cost seconds).",
    )
    turn_budget_s: float = Field(
        25.0, gt=0, description="Wall time for the model's whole streamed answer; at the end, what was streamed stands."
    )
    max_history_turns: int = Field(6, ge=0, le=50)
    default_merchant: str = Field(
        "demo", description="Merchant whose catalog customers see when not scoped by a deep link."
    )
    min_relevance: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Overrides the ranker's calibrated floor: below this answer probability the shop's best product "
        "is not what was asked for, so the answer is 'we do not sell that'. None = the floor trained with the ranker "
        "(retrieval/ranker.json).",
    )
    prompt_products: int = Field(
        3,
        ge=1,
        le=10,
        description="Products given to the model as evidence; the cards show them all. Each costs prompt time.",
    )
    answer_max_tokens: int = Field(
        120, ge=16, le=4096, description="Cap on a streamed answer's tokens (an admin's /llm max_tokens overrides it)."
    )
    structured_output: bool = Field(
        True,
        description="Ask for comparisons and review summaries as JSON constrained by a schema (sent in the form "
        "SHOPGUIDE_LLM__STRUCTURED_OUTPUT names). Turn off for an endpoint without JSON-schema support: plain text is used.",
    )
    structured_max_tokens: int = Field(
        240, ge=32, le=4096, description="Cap on a JSON answer's tokens: keys and evidence numbers cost tokens too."
    )

    def answer_tokens(self, llm_max_tokens: int, override: int | None, *, structured: bool) -> int:
        """The max_tokens sent with one answer: an admin's `/llm max_tokens` if set, else the LLM's
        default capped at this answer kind's own cap."""
        if override is not None:
            return override
        return min(llm_max_tokens, self.structured_max_tokens if structured else self.answer_max_tokens)


class TelegramConfig(BaseModel):
    """How the bot reaches Telegram (or a self-hosted / emulated Bot API server)."""

    token: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = Field(None, description="Public HTTPS URL Telegram posts updates to.")
    webhook_secret: str | None = Field(
        None, description="Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token)."
    )
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(8443, ge=1, le=65535)
    admin_ids: list[int] = Field(default_factory=list, description="Bootstrap admins (Telegram user ids).")
    support_chat_id: int | None = Field(None, description="Where /handoff forwards conversations.")
    support_language: Language = Field("en", description="Language of the handoff notices in the support chat.")
    stream_edit_interval_s: float = Field(1.0, gt=0, description="Minimum gap between streamed message edits.")
    waiting_input_ttl_s: float = Field(
        3600.0, gt=0, description="How long the file after /upload KIND or the text after /prompt set NAME is awaited."
    )
    retry_budget_s: float = Field(
        10.0,
        ge=0,
        description="How long one customer turn (or any other Bot API call) may spend retrying Bot API calls that "
        "failed with a 5xx or a network error, pausing with exponential backoff; 0 = no retries. 429 is retried "
        "as Telegram asks, apart from this.",
    )
    retry_backoff_s: float = Field(
        0.5, gt=0, description="The first pause before retrying a failed Bot API call; doubled after each failure."
    )


class Settings(BaseSettings):
    """All of ShopGuide's settings. Construct once at start-up and pass the parts down."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPGUIDE_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Chroma store, BM25 index, SQLite state, catalog versions.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    local_llm: LocalEngineConfig = Field(default_factory=LocalEngineConfig)
    vllm: VLLMConfig = Field(default_factory=VLLMConfig)
    assistant: AssistantConfig = Field(default_factory=AssistantConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)


def describe_invalid_settings(error: ValidationError) -> str:
    """Turn pydantic's report into lines naming the environment variable to fix."""
    lines = ["invalid configuration (environment or .env):"]
    for issue in error.errors():
        path = "__".join(str(part) for part in issue["loc"]).upper()
        lines.append(f"  SHOPGUIDE_{path}: {issue['msg']} (got {issue.get('input')!r})")
    return "\n".join(lines)
