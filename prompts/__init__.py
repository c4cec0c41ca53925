"""The default prompt templates, `<task>.<lang>.j2`, shipped as package data (version 0 of each prompt)."""
