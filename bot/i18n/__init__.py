"""Every sentence ShopGuide says to people, in Chinese and English: `t(key, language, **values)`.

The phrases live in catalogues by who reads them (`answers`: the assistant's replies; `channel`: what the
channels add around them; `staff`: merchants' and admins' messages; `held`: merchants' messages about held
catalog text). A key lives in exactly one catalogue
and has both languages with the same `{placeholders}`; `tests/test_i18n.py` checks that.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.reply import Language
from bot.i18n import answers, channel, held, staff

Catalogue = Mapping[str, Mapping[Language, str]]


def _merge(*catalogues: Catalogue) -> dict[str, Mapping[Language, str]]:
    merged: dict[str, Mapping[Language, str]] = {}
    for catalogue in catalogues:
        for key, texts in catalogue.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice")
            merged[key] = texts
    return merged


MESSAGES = _merge(answers.MESSAGES, channel.MESSAGES, staff.MESSAGES, held.MESSAGES)


def t(key: str, language: Language, /, **values: object) -> str:
    """The message `key` in `language`, with `{name}` placeholders filled from `values`."""
    return MESSAGES[key][language].format(**values)
