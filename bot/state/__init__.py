"""The bot's durable state (SQLite), one `StateStore` over modules by concern: `dialogs` (dialogs and
replies), `roles`, `tuning` (prompt versions, settings overrides), `events` (metrics, stats), `audit`;
`database` holds the connection and transactions, `migrations` the schema."""
