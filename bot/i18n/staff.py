"""Messages for merchants and admins."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
