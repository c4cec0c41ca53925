"""The prompt book: Jinja2 prompt templates, one per task and language, with admin-edited versions; and the
user message that carries the shop's data.

A prompt is two messages. The system message is the task's template: who the assistant is, the task, the
rules, and how to treat the shop's data. Templates live in `prompts/` as `<task>.<lang>.j2` (e.g.
`recommend.zh.j2`); the file is version 0. Admins' edits are stored as versions in the `StateStore`, and the
active one is used from the next turn on. `with_overrides` gives a view with draft texts in force, so a draft
can be evaluated on the conversation suite before it is activated.

The user message (`data_message`) is built here, not by templates: the numbered evidence (products, reviews,
policies) and any computed table or summary, fenced between `<shop_data>` tags and labelled as quoted shop
data, then the customer's requirements and message. Catalog and review text is written by merchants,
suppliers and buyers, so it only ever reaches the model in the user's role, as quoted data; each piece is one
JSON string (`quote`) with its angle brackets escaped, so it can neither pose as instructions, break the
numbered layout, nor close the fence.

Templates render in a sandbox with strict undefined variables: a template may only use the context the
assistant passes (`PROMPT_VARIABLES`), and `validate` says so before a bad draft is stored. An admin version
stored before a variable was withdrawn no longer validates; the file answers instead (with a warning in
the log) until the admin stores a new version.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from bot.core.layout import DATA_LABELS
from bot.core.reply import Language
from bot.state.store import StateStore

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIX = ".j2"

PROMPT_VARIABLES: dict[str, str] = {
    "shop": "the merchant id the customer is talking to",
    "language": "'zh' or 'en', the customer's language",
    "structured": "true when the answer must be JSON (the backend holds the model to the task's schema), false for plain text",
}


class PromptError(ValueError):
    """A prompt name that does not exist, or a template text that cannot be used."""


def quote(value: object) -> str:
    """Data as one JSON string literal: quotes, newlines, brackets and angle brackets inside stay inert."""
    return json.dumps(str(value), ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def data_message(
    language: Language,
    evidence: Sequence[tuple[int, str, str]],
    question: str,
    *,
    summary: str = "",
    requirements: str = "",
) -> str:
    """The user message: the numbered evidence (`(ref, label, text)`) and `summary` (a computed table or review
    counts) fenced as quoted shop data, then the customer's requirements and their message."""
    labels = DATA_LABELS[language]
    lines = [labels["intro"], "<shop_data>"]
    if summary:
        lines += [f"{labels['summary']}:", *(quote(line) for line in summary.splitlines())]
    lines += [f"[{ref}] {label}: {quote(text)}" for ref, label, text in evidence]
    lines.append("</shop_data>")
    if requirements:
        lines.append(f"{labels['requirements']}: {quote(requirements)}")
    lines.append(f"{labels['message']}: {quote(question)}")
    return "\n".join(lines)


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
        """The text in force: a draft override, else the active admin version (while it validates), else the file."""
        self._require(name)
        if name in self._overrides:
            return self._overrides[name]
        active = await self._state.active_prompt(name)
        if active is None:
            return self._files[name]
        try:
            self.validate(active.text)
        except PromptError as exc:
            logger.warning(
                "prompt %s: the active version %s is not usable (%s); using the file", name, active.version, exc
            )
            return self._files[name]
        return active.text

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
