"""The terminal channel: `shopguide chat` and `shopguide ask` render turns with rich."""
