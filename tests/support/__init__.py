"""Test helpers shared across areas (the scripted LLM server)."""
