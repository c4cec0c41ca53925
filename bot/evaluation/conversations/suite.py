"""The conversation suite as data: scripted conversations, the checks each turn expects (`Expect`), and the
loader of a suite file (JSON lines; format: docs/CONVERSATIONS.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import demo
from bot.core.dialog import Intent
from bot.core.reply import ButtonAction, Language


def default_suite_path() -> Path:
    """The suite shipped with ShopGuide (demo/shop/conversations.jsonl)."""
    return demo.conversations_path()


class Expect(BaseModel):
    """What one turn's reply must satisfy; each set key is one named check."""

    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    intent: Intent | None = None
    min_products: int | None = Field(None, ge=0)
    max_products: int | None = Field(None, ge=0)
    max_price: float | None = Field(None, ge=0)
    min_price: float | None = Field(None, ge=0)
    brand: str | None = None
    brand_not: list[str] | None = None
    category: str | None = None
    in_stock: bool | None = None
    no_match: bool | None = None
    skus_include: list[str] | None = None
    comparison: bool | None = None
    handoff: bool | None = None
    quick_replies: bool | None = None
    text_contains_any: list[str] | None = None
    text_not_contains: list[str] | None = None
    advice: bool | None = None
    states_fact: list[str] | None = None
    review_quote: bool | None = None


class ScriptedTurn(BaseModel):
    """One customer turn: a message (`user`), or a press of a card button (`press`) on card `card` (1-based) of
    the last reply that showed cards."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(None, min_length=1)
    press: ButtonAction | None = None
    card: int = Field(1, ge=1)
    expect: Expect = Field(default_factory=Expect)

    @model_validator(mode="after")
    def _one_action(self) -> ScriptedTurn:
        if (self.user is None) == (self.press is None):
            raise ValueError("a turn has either 'user' (a message) or 'press' (a card button)")
        return self

    @property
    def said(self) -> str:
        """What the customer did, as a failure report shows it."""
        return self.user if self.user is not None else f"[{self.press} on card {self.card}]"


class Conversation(BaseModel):
    id: str = Field(min_length=1)
    lang: Language
    merchant: str = "demo"
    turns: list[ScriptedTurn] = Field(min_length=1)


class SuiteFileError(ValueError):
    """The suite file cannot be used; the message names the line and the problem."""


def load_conversations(path: Path) -> list[Conversation]:
    """Parse a suite file (JSON lines; blank lines and lines starting with '#' are skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SuiteFileError(f"cannot read the conversation suite {path}: {exc.strerror or exc}") from exc
    conversations: list[Conversation] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            conversation = Conversation.model_validate_json(line)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
            raise SuiteFileError(f"{path}:{number}: {problems}") from exc
        if conversation.id in seen:
            raise SuiteFileError(
                f"{path}:{number}: conversation id {conversation.id!r} already used on line {seen[conversation.id]}"
            )
        seen[conversation.id] = number
        conversations.append(conversation)
    if not conversations:
        raise SuiteFileError(f"{path} holds no conversations")
    return conversations
