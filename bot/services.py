"""Wiring: open the catalog index, the state store, the LLM (an endpoint, or the embedded engine) and
the assistant from one `Settings`, and close them in reverse order.

The terminal chat, the evaluation runner and the Telegram bot all start through `open_services`, so
every entry point runs the same stack. Reach the assistant through `services.assistant` each time
rather than keeping a reference: an admin's change to the LLM sampling settings swaps in a new client
and assistant (turns already running finish on the old ones).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, Field, ValidationError

import demo
from bot.core.assistant import Assistant
from bot.core.prompts import PromptBook
from bot.settings import Settings
from bot.state.store import StateStore
from retrieval.embed import Embedder
from retrieval.index import CatalogIndex
from serving.config import LLMConfig
from serving.errors import EngineStartError
from serving.llm import LLMClient
from serving.local import LocalEngine

logger = logging.getLogger(__name__)

DEMO_MERCHANT = demo.MERCHANT
DEFAULT_PROMPTS_DIR = Path(str(files("prompts")))
STATE_FILE = "state.sqlite3"  # the state store, under the data dir
# The sampling settings an admin may change at run time (`/llm`); stored as StateStore overrides and
# validated by `LLMConfig` itself, so its field constraints are the one definition of what is allowed.
LLM_OVERRIDE_SECTION = "llm"
LLM_OVERRIDABLE: tuple[str, ...] = ("temperature", "top_p", "max_tokens")


class SettingLimits(BaseModel):
    """The values a numeric setting accepts, read from its pydantic field constraints."""

    whole: bool = Field(description="Only whole numbers.")
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False

    def __str__(self) -> str:
        """Interval notation: [0, 2], (0, 1], [1, 8192]."""
        low = "-∞" if self.low is None else f"{self.low:g}"
        high = "∞" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"


class LLMSampling(BaseModel):
    """The sampling settings in force and the token caps actually sent with each kind of answer."""

    temperature: float
    top_p: float
    max_tokens: int
    overridden: frozenset[str] = Field(description="Keys an admin changed with /llm.")
    answer_max_tokens: int = Field(description="Sent with a streamed text answer.")
    structured_max_tokens: int = Field(description="Sent with a JSON answer (comparison, review summary).")


@dataclass
class Services:
    """Everything a channel needs to serve customers; built by `open_services`."""

    settings: Settings
    index: CatalogIndex
    state: StateStore
    prompts: PromptBook
    llm: LLMClient | None
    assistant: Assistant
    # Clients replaced by `apply_llm_overrides`, closed at shutdown so turns still using them can finish.
    _retired: list[LLMClient] = field(default_factory=list, repr=False)

    @property
    def embedded_llm(self) -> bool:
        """The LLM is the embedded CPU engine (no endpoint configured)."""
        return not self.settings.llm.base_url

    @property
    def llm_config(self) -> LLMConfig | None:
        """The LLM settings in force (None in retrieval-only mode)."""
        return self.llm.config if self.llm is not None else None

    def assistant_with_prompts(self, overrides: Mapping[str, str]) -> Assistant:
        """An assistant that uses draft prompt texts (`{name: text}`) without activating them; for the
        evaluation gate of `/prompt set`."""
        return self.assistant.with_prompts(self.prompts.with_overrides(dict(overrides)))

    async def set_llm_override(self, key: str, value: Any, by: str) -> LLMConfig | None:
        """Validate and store one sampling override (`value=None` restores the configured default),
        then apply it. `value` may be text ("0.7"); the number `LLMConfig` makes of it is stored.
        Raises ValueError naming the problem; nothing is stored then."""
        if key not in LLM_OVERRIDABLE:
            raise ValueError(f"{key!r} cannot be changed at run time; use one of: {', '.join(LLM_OVERRIDABLE)}")
        if value is not None:
            current = await self.state.get_overrides(LLM_OVERRIDE_SECTION)
            value = getattr(_merged_llm_config(self.settings.llm, {**current, key: value}), key)
        await self.state.set_override(LLM_OVERRIDE_SECTION, key, value, by)
        return await self.apply_llm_overrides()

    async def llm_sampling(self) -> LLMSampling | None:
        """What the model is asked with now (None in retrieval-only mode), for operators to see."""
        config = self.llm_config
        if config is None:
            return None
        overrides = await self.state.get_overrides(LLM_OVERRIDE_SECTION)
        assistant = self.settings.assistant
        override = overrides.get("max_tokens")
        return LLMSampling(
            temperature=config.temperature,
            top_p=config.top_p,
            max_tokens=config.max_tokens,
            overridden=frozenset(overrides),
            answer_max_tokens=assistant.answer_tokens(config.max_tokens, override, structured=False),
            structured_max_tokens=assistant.answer_tokens(config.max_tokens, override, structured=True),
        )

    async def apply_llm_overrides(self) -> LLMConfig | None:
        """Put the stored sampling overrides in force; returns the LLM settings now used."""
        if self.llm is None:
            return None
        overrides = await self.state.get_overrides(LLM_OVERRIDE_SECTION)
        wanted = _merged_llm_config(self.llm.config, _sampling(overrides, self.settings.llm))
        if wanted != self.llm.config:
            self._retired.append(self.llm)
            self.llm = LLMClient(wanted)
            self.assistant = Assistant(
                self.index, self.llm, self.state, self.prompts, self.settings.assistant, embedded_llm=self.embedded_llm
            )
            logger.info("LLM sampling now %s", {key: getattr(wanted, key) for key in LLM_OVERRIDABLE})
        return self.llm.config

    async def _close_llm_clients(self) -> None:
        for client in [*self._retired, *([self.llm] if self.llm else [])]:
            await client.close()


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    ingest_demo: bool = False,
    use_llm: bool = True,
    prompts_dir: Path | None = None,
    embedder: Embedder | None = None,
) -> AsyncIterator[Services]:
    """Open the whole stack for `settings`.

    - `ingest_demo`: load the demo shop (merchant "demo") when it has never been ingested, so a fresh
      clone answers at once.
    - `use_llm=False`: retrieval-only (template answers); no engine is started.
    - `prompts_dir`: the prompt templates (default: the project's `prompts/`).
    - `embedder`: one already loaded (tests share one); default: loaded from `settings.retrieval`.
    An empty `settings.llm.base_url` starts the embedded engine; if it cannot start, the services run
    retrieval-only and say so in the log instead of failing.
    """
    async with AsyncExitStack() as stack:
        data_dir = settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        index = await CatalogIndex.open(data_dir, settings.retrieval, embedder=embedder)
        stack.push_async_callback(index.close)
        if ingest_demo:
            await ingest_demo_catalog(index)
        state = await StateStore.open(data_dir / STATE_FILE)
        stack.push_async_callback(state.close)
        llm_config = await _llm_endpoint(settings, stack) if use_llm else None
        llm = LLMClient(llm_config) if llm_config is not None else None
        prompts = PromptBook(prompts_dir or DEFAULT_PROMPTS_DIR, state)
        services = Services(
            settings=settings,
            index=index,
            state=state,
            prompts=prompts,
            llm=llm,
            assistant=Assistant(index, llm, state, prompts, settings.assistant, embedded_llm=not settings.llm.base_url),
        )
        stack.push_async_callback(services._close_llm_clients)
        await services.apply_llm_overrides()
        yield services


async def ingest_demo_catalog(index: CatalogIndex, source: Traversable | None = None) -> bool:
    """Ingest the demo shop (default: the packaged `demo/shop/`) as merchant "demo" when that
    merchant has no catalog yet; True when it did. Products go first: reviews must name known SKUs."""
    if await (await index.merchant(DEMO_MERCHANT)).versions():
        return False
    source = source or demo.shop_dir()
    logger.info("first run: ingesting the demo catalog into merchant %r (takes a minute or two)", DEMO_MERCHANT)
    for kind, name in demo.CATALOG_FILES.items():
        report = await (await index.merchant(DEMO_MERCHANT)).ingest(kind, name, (source / name).read_bytes())
        if not report.ok:
            problems = report.parsed.errors or [f"row {e.row}: {e.field}: {e.reason}" for e in report.rejected[:3]]
            raise RuntimeError(
                f"the demo catalog file {name} does not ingest cleanly ({'; '.join(problems)}); reinstall ShopGuide"
            )
    return True


async def _llm_endpoint(settings: Settings, stack: AsyncExitStack) -> LLMConfig | None:
    """The endpoint to talk to: the configured one, or the embedded engine started now (None if it cannot start)."""
    if settings.llm.base_url:
        return settings.llm
    try:
        engine = await stack.enter_async_context(LocalEngine(settings.local_llm))
    except EngineStartError as exc:
        logger.warning("the embedded LLM engine did not start (%s); answering from retrieval only", exc)
        return None
    return engine.client_config(settings.llm)


def _sampling(overrides: Mapping[str, Any], defaults: LLMConfig) -> dict[str, Any]:
    """The sampling values in force: stored overrides over the configured defaults."""
    return {key: overrides.get(key, getattr(defaults, key)) for key in LLM_OVERRIDABLE}


def llm_setting_limits(key: str) -> SettingLimits:
    """What `LLMConfig` accepts for one numeric setting (from its `ge`/`gt`/`le`/`lt` constraints)."""
    field_info = LLMConfig.model_fields[key]
    limits = SettingLimits(whole=field_info.annotation is int)
    for constraint in field_info.metadata:
        if isinstance(constraint, Ge | Gt):
            low = constraint.gt if isinstance(constraint, Gt) else constraint.ge
            if isinstance(low, int | float):
                limits.low, limits.low_open = float(low), isinstance(constraint, Gt)
        elif isinstance(constraint, Le | Lt):
            high = constraint.lt if isinstance(constraint, Lt) else constraint.le
            if isinstance(high, int | float):
                limits.high, limits.high_open = float(high), isinstance(constraint, Lt)
    return limits


def _merged_llm_config(base: LLMConfig, changes: Mapping[str, Any]) -> LLMConfig:
    try:
        return LLMConfig.model_validate({**base.model_dump(), **changes})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"invalid LLM setting: {problems}") from exc
