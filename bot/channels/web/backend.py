"""Who answers in the sandbox, as the page's header says it: the checked templates, or which model and where.

On the defaults the embedded engine is started but its text is not used (`AssistantConfig.embedded_model` is
off), so the header says the checked templates answer; a model is named only when its text may reach the
customer, and then the note says it must arrive in time and pass the checks. Nobody should mistake the tiny
embedded model for what a production deployment (vLLM with a strong model) would answer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.services import Services
from serving.local import PACKAGED_MODEL_FILE

TEMPLATES = "checked templates from the catalog"


class BackendInfo(BaseModel):
    label: str = Field(description="What answers: the checked templates, or the LLM backend.")
    model: str = Field(description="The model whose text may reach the customer, or 'no model'.")
    note: str = ""


def describe_backend(services: Services) -> BackendInfo:
    config = services.llm_config
    if config is None:
        return BackendInfo(
            label=TEMPLATES,
            model="no model",
            note="The embedded engine did not start: every answer is a checked template built from catalog facts.",
        )
    if services.settings.llm.base_url:
        return BackendInfo(
            label=f"endpoint {config.base_url}",
            model=config.model,
            note="The model's text is shown when it arrives in time and passes the checks; otherwise the checked "
            "template answers.",
        )
    model_path = services.settings.local_llm.model_path
    model = model_path.name if model_path else PACKAGED_MODEL_FILE
    if not services.settings.assistant.embedded_model:
        return BackendInfo(
            label=TEMPLATES,
            model="no model",
            note=f"The embedded engine ({model}) is started but its text is not used "
            "(SHOPGUIDE_ASSISTANT__EMBEDDED_MODEL=false, the default): every answer is a checked template built "
            "from catalog facts. Set it to true to try the tiny model, or point SHOPGUIDE_LLM__BASE_URL at vLLM.",
        )
    return BackendInfo(
        label="embedded llama.cpp (CPU)",
        model=model,
        note="A tiny demo model: its text replaces the checked template only when it arrives in time and passes "
        "the checks, and its prose is weak. Production uses vLLM.",
    )
