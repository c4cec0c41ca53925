"""The bot's durable state (SQLite): dialogs, replies, roles, prompt versions, settings overrides, events, audit."""
