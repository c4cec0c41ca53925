"""The prompt book: Jinja2 prompt templates, one per task and language, with admin-edited versions.

Templates live in `prompts/` as `<task>.<lang>.j2` (e.g. `recommend.zh.j2`); the file is version 0.
Admins' edits are stored as versions in the `StateStore`, and the active one is used from the next
turn on. `with_overrides` gives a view with draft texts in force, so a draft can be evaluated on the
conversation suite before it is activated.

Templates render in a sandbox with strict undefined variables: a template may only use the context
the assistant passes (`PROMPT_VARIABLES`), and `validate` says so before a bad draft is stored.
Evidence written by merchants and customers reaches a template as data; the `quote` filter writes it
as one JSON string so it cannot pose as instructions or break the numbered layout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from bot.state.store import StateStore

TEMPLATE_SUFFIX = ".j2"

PROMPT_VARIABLES: dict[str, str] = {
    "shop": "the merchant id the customer is talking to",
    "language": "'zh' or 'en', the customer's language",
    "constraints": "the customer's requirements in words (may be empty)",
    "evidence": "numbered evidence: items with .ref, .kind, .label and .text",
    "summary": "the computed review summary (reviews task) or the comparison table (compare task)",
    "structured": "true when the answer must be JSON (the backend holds the model to the task's schema), false for plain text",
}


class PromptError(ValueError):
    """A prompt name that does not exist, or a template text that cannot be used."""


def quote(value: object) -> str:
    """Data as one JSON string literal: quotes, newlines and brackets inside stay inert."""
    return json.dumps(str(value), ensure_ascii=False)


class PromptBook:
    """Prompt templates by name (`recommend.zh`), their active versions and rendering."""

    def __init__(self, prompts_dir: Path, state: StateStore, *, overrides: Mapping[str, str] | None = None) -> None:
        self._dir = prompts_dir
        self._state = state
        self._env = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
        )
        self._env.filters["quote"] = quote
        self._files = self._read_files(prompts_dir)
        self._compiled: dict[str, Template] = {}
        self._overrides: dict[str, str] = {}
        for name, text in (overrides or {}).items():
            self._require(name)
            self.validate(text)
            self._overrides[name] = text

    @staticmethod
    def _read_files(prompts_dir: Path) -> dict[str, str]:
        if not prompts_dir.is_dir():
            raise PromptError(f"prompt directory {prompts_dir} does not exist")
        return {
            path.name.removesuffix(TEMPLATE_SUFFIX): path.read_text("utf-8")
            for path in sorted(prompts_dir.glob(f"*{TEMPLATE_SUFFIX}"))
        }

    def names(self) -> list[str]:
        return sorted(self._files)

    def default_text(self, name: str) -> str:
        """The template file's text (version 0)."""
        self._require(name)
        return self._files[name]

    async def text(self, name: str) -> str:
        """The text in force: a draft override, else the active admin version, else the file."""
        self._require(name)
        if name in self._overrides:
            return self._overrides[name]
        active = await self._state.active_prompt(name)
        return active.text if active is not None else self._files[name]

    async def render(self, name: str, **context: object) -> str:
        unknown = set(context) - set(PROMPT_VARIABLES)
        if unknown:
            raise PromptError(f"prompt {name}: unknown context {', '.join(sorted(unknown))}")
        template = self._compile(await self.text(name))
        try:
            return template.render(**context).strip()
        except (UndefinedError, SecurityError) as exc:
            raise PromptError(f"prompt {name} failed to render: {exc}") from exc

    def validate(self, text: str) -> None:
        """Raise `PromptError` when `text` is not a usable template (syntax, unknown variables)."""
        if not text.strip():
            raise PromptError("the prompt text is empty")
        try:
            parsed = self._env.parse(text)
        except TemplateSyntaxError as exc:
            raise PromptError(f"template syntax error on line {exc.lineno}: {exc.message}") from exc
        unknown = meta.find_undeclared_variables(parsed) - set(PROMPT_VARIABLES)
        if unknown:
            known = ", ".join(PROMPT_VARIABLES)
            raise PromptError(f"unknown variable(s) {', '.join(sorted(unknown))}; a prompt may use: {known}")

    def with_overrides(self, overrides: Mapping[str, str]) -> PromptBook:
        """A view of this book with `overrides` ({name: text}) in force; the store is not touched."""
        return PromptBook(self._dir, self._state, overrides={**self._overrides, **overrides})

    def _require(self, name: str) -> None:
        if name not in self._files:
            raise PromptError(f"unknown prompt {name!r}; prompts: {', '.join(self.names())}")

    def _compile(self, text: str) -> Template:
        template = self._compiled.get(text)
        if template is None:
            self.validate(text)
            template = self._compiled[text] = self._env.from_string(text)
        return template
