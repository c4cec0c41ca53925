"""Per-customer dialog state: what the assistant remembers between turns.

`DialogState` holds the customer's language, the search constraints in force (`Constraints`), the products
last shown, the ones referred to and the ones being compared, and a short history; it is stored as a JSON
blob by `StateStore.save_dialog`, so a conversation survives a restart. How one message changes it is
`bot.core.understand`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.core.reply import Language
from retrieval.query import SearchFilters, SortOrder

Intent = Literal[
    "search",
    "refine",
    "reference",
    "compare",
    "product_question",
    "reviews",
    "policy",
    "greeting",
    "clarify",
    "out_of_scope",
    "handoff",
]

DIALOG_VERSION = 1


class Constraints(BaseModel):
    """What the customer is looking for: product words plus the hard filters in force."""

    query: str = ""
    price_min: float | None = None
    price_max: float | None = None
    currency: str | None = Field(None, description="The currency of price_min/price_max; None = the shop's own.")
    cheaper_than: str | None = Field(None, description="Title of the product whose price set price_max ('cheaper').")
    pricier_than: str | None = Field(
        None, description="Title of the product whose price set price_min ('more expensive')."
    )
    categories: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    exclude_brands: list[str] = Field(default_factory=list)
    in_stock_only: bool = False
    color: str | None = Field(None, description="A soft preference: matching products rank first.")
    sort: SortOrder = "relevance"

    def filters(self) -> SearchFilters:
        return SearchFilters(
            price_min=self.price_min,
            price_max=self.price_max,
            currency=self.currency,
            categories=list(self.categories),
            brands=list(self.brands),
            exclude_brands=list(self.exclude_brands),
            in_stock_only=self.in_stock_only,
        )

    def search_text(self) -> str:
        return " ".join(part for part in (self.query, self.color or "") if part).strip()

    def is_empty(self) -> bool:
        return self == Constraints()


class HistoryTurn(BaseModel):
    user: str
    reply: str


class DialogState(BaseModel):
    """Everything remembered about one customer's conversation."""

    version: int = DIALOG_VERSION
    language: Language = "en"
    constraints: Constraints = Field(default_factory=Constraints)
    shown: list[str] = Field(default_factory=list, description="SKUs of the last product list, in the order shown.")
    focus: list[str] = Field(default_factory=list, description="SKUs the customer last referred to.")
    compare: list[str] = Field(default_factory=list, description="SKUs added with the Compare button.")
    last_intent: Intent | None = None
    history: list[HistoryTurn] = Field(default_factory=list)

    @classmethod
    def load(cls, data: dict | None) -> DialogState:
        """A stored blob, or a fresh state when there is none or it is from an incompatible version."""
        if not data or data.get("version") != DIALOG_VERSION:
            return cls()
        return cls.model_validate(data)

    def remember(self, user_text: str, reply_text: str, keep: int) -> None:
        self.history = [*self.history, HistoryTurn(user=user_text, reply=reply_text)][-keep:] if keep else []
