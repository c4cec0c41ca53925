"""The state database's schema, as the list of migrations that builds it.

The file's `PRAGMA user_version` counts the migrations applied; `Database.open` applies the rest. Each
entry upgrades the schema by one version: append, never edit a released one.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE dialogs (
            user_id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        """CREATE TABLE replies (
            turn_id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE roles (
            user_id TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('merchant', 'admin')),
            merchant_id TEXT,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL)""",
        """CREATE TABLE prompt_versions (
            name TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (name, version))""",
        """CREATE TABLE overrides (
            section TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (section, key))""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            user_id TEXT NOT NULL,
            merchant_id TEXT,
            turn_id TEXT,
            sku TEXT,
            value REAL,
            data TEXT)""",
        "CREATE INDEX events_at ON events (at, kind)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL)""",
    ),
    (
        """CREATE TABLE waiting (
            user_id TEXT NOT NULL,
            what TEXT NOT NULL,
            data TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (user_id, what))""",
    ),
    (
        """CREATE TABLE languages (
            user_id TEXT PRIMARY KEY,
            language TEXT NOT NULL CHECK (language IN ('zh', 'en')),
            chosen_at TEXT NOT NULL)""",
    ),
)
