"""Test helpers shared across areas (scripted servers, emulators)."""
