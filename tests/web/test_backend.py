"""The sandbox header says truthfully who answers: the checked templates on the defaults (the embedded engine
runs but its text is not used), the model by name only when its text may reach the customer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from bot.channels.web.backend import TEMPLATES, describe_backend
from bot.services import Services
from bot.settings import AssistantConfig, Settings
from serving.config import LLMConfig
from serving.local import PACKAGED_MODEL_FILE

ENDPOINT = "http://vllm.internal.example:8000/v1"


def services(*, base_url: str = "", embedded_model: bool = False, started: bool = True) -> Services:
    """What the header reads of the services: the settings, and the LLM settings in force (None: no LLM)."""
    settings = Settings(
        _env_file=None,
        llm=LLMConfig(base_url=base_url, model="big-model"),
        assistant=AssistantConfig(embedded_model=embedded_model),
    )
    in_force = LLMConfig(base_url=base_url or "http://127.0.0.1:8765/v1", model=settings.llm.model)
    return cast(Services, SimpleNamespace(settings=settings, llm_config=in_force if started else None))


def test_on_the_defaults_the_templates_answer_and_the_idle_embedded_model_is_not_named_as_answering() -> None:
    info = describe_backend(services())
    assert (info.label, info.model) == (TEMPLATES, "no model")
    assert PACKAGED_MODEL_FILE in info.note and "not used" in info.note
    assert "SHOPGUIDE_ASSISTANT__EMBEDDED_MODEL" in info.note


def test_the_embedded_model_is_named_when_its_text_is_used() -> None:
    info = describe_backend(services(embedded_model=True))
    assert (info.label, info.model) == ("embedded llama.cpp (CPU)", PACKAGED_MODEL_FILE)
    assert "passes the checks" in info.note


@pytest.mark.parametrize("embedded_model", [False, True])
def test_an_endpoint_is_named_with_its_model(embedded_model: bool) -> None:
    info = describe_backend(services(base_url=ENDPOINT, embedded_model=embedded_model))
    assert (info.label, info.model) == (f"endpoint {ENDPOINT}", "big-model")
    assert "checked template" in info.note


def test_without_a_model_the_templates_answer() -> None:
    info = describe_backend(services(started=False))
    assert (info.label, info.model) == (TEMPLATES, "no model") and "did not start" in info.note
