"""Fixtures shared across test areas. Each section is owned by one area; area-only fixtures live in
that area's own conftest.py."""

from __future__ import annotations

# --- retrieval: embedder and a demo-catalog index built once per session -----------------------

# --- serving: the real embedded engine (session-scoped) and a scripted LLM server --------------
