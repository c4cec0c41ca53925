"""The web channel: the local sandbox. The real Telegram bot runs against the Bot API emulator
(`bot.emulator`), and a chat page in the browser plays a customer, a merchant and an admin through the
emulator's user side. `sandbox.open_sandbox` assembles it; `shopguide demo` runs it."""
