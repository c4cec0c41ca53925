"""The one configuration object: every setting documented, .env read, bad values named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from bot.settings import Settings, describe_invalid_settings

ROOT = Path(__file__).resolve().parents[1]


def _env_names(model: type[BaseModel], prefix: str = "SHOPGUIDE_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#?\s*(SHOPGUIDE_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = [name for name in _env_names(Settings) if name not in documented]
    assert not missing, f".env.example lacks: {missing}"
    unknown = documented - set(_env_names(Settings))
    assert not unknown, f".env.example documents settings that do not exist: {sorted(unknown)}"


def test_env_example_as_is_is_a_valid_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.retrieval.embed_backend == "use"
    assert settings.llm.base_url is None  # embedded engine by default


def test_dotenv_and_nested_sections_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "SHOPGUIDE_LLM__BASE_URL=http://vllm:8000/v1\nSHOPGUIDE_TELEGRAM__ADMIN_IDS=[1, 2]\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPGUIDE_RETRIEVAL__CHROMA_HOST", "chroma")
    settings = Settings()
    assert settings.llm.base_url == "http://vllm:8000/v1"
    assert settings.telegram.admin_ids == [1, 2]
    assert settings.retrieval.chroma_host == "chroma"


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPGUIDE_LLM__TEMPERATURE", "7")
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = describe_invalid_settings(caught.value)
    assert "SHOPGUIDE_LLM__TEMPERATURE" in message
    assert "less than or equal to 2" in message
