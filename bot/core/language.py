"""Which language a piece of text is written in: Chinese or English, decided per message.

The customer's language is the reply's language, and the grounding check uses the same measure to
reject model text written in the wrong one (the embedded SmolLM2 writes English only).
"""

from __future__ import annotations

import re

from bot.core.reply import Language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> Language | None:
    """'zh' or 'en', or None when the text has no words to tell by (digits, emoji, '?').

    Mixed text counts Han characters against Latin words, so '耐克跑鞋 size 42' is Chinese and
    'show me the 华为 phone' is English.
    """
    han = len(_HAN.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if han == 0 and words == 0:
        return None
    return "zh" if han >= words else "en"


def is_written_in(text: str, language: Language) -> bool:
    """True when `text` reads as `language`; text with no words at all passes (nothing to judge)."""
    detected = detect_language(text)
    return detected is None or detected == language
