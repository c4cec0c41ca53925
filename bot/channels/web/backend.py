"""Which LLM answers in the sandbox, as the page's header shows it, so nobody mistakes the tiny embedded
model for what a production deployment (vLLM with a strong model) would answer."""

from __future__ import annotations

from pydantic import BaseModel

from bot.services import Services
from serving.local import PACKAGED_MODEL_FILE


class BackendInfo(BaseModel):
    label: str
    model: str
    note: str = ""


def describe_backend(services: Services) -> BackendInfo:
    config = services.llm_config
    if config is None:
        return BackendInfo(
            label="no LLM (retrieval only)",
            model="none",
            note="The embedded engine did not start: answers are the checked templates.",
        )
    if services.settings.llm.base_url:
        return BackendInfo(label=f"endpoint {config.base_url}", model=config.model)
    model_path = services.settings.local_llm.model_path
    return BackendInfo(
        label="embedded llama.cpp (CPU)",
        model=model_path.name if model_path else PACKAGED_MODEL_FILE,
        note="A tiny demo model: facts come from the catalog, its prose is weak. Production uses vLLM.",
    )
