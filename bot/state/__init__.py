"""The bot's durable state (SQLite): one `StateStore` (`store.py`) combining a module per concern:
`dialogs` (dialogs and replies), `roles`, `languages` (/lang choices), `tuning` (prompt versions,
settings overrides), `events` (metrics, stats), `audit`, `waiting` (inputs the bot waits for);
`database` holds the connection and transactions, `migrations` the schema."""
