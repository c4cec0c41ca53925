"""The ways customers, merchants and admins reach the assistant: Telegram, the terminal, the web sandbox.

Each channel only translates between its medium and `bot.core`; none of them holds conversation logic.
"""
