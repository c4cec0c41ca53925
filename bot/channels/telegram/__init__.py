"""The Telegram channel: translates between Telegram updates and the assistant."""
