"""The assistant's own phrases around catalog facts (labels, follow-up suggestions)."""

from __future__ import annotations

MESSAGES = {
    "nearest_alternative": {"en": "nearest alternative", "zh": "最接近的替代"},
}
