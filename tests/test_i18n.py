"""The message catalogue: every key in both languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import MESSAGES, t


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"en", "zh"}, key
    assert _fields(texts["en"]) == _fields(texts["zh"]), key


def test_t_fills_placeholders_in_the_asked_language() -> None:
    assert t("in_stock", "zh") == "有货"
    assert t("in_stock", "en") == "In stock"
