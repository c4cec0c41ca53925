"""Test helpers shared across areas: the scripted LLM server and the deterministic test embedder."""
