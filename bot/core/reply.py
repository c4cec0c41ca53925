"""What a customer turn produces, independent of any channel.

`Assistant.turn` yields `TurnEvent`s: `ProductsShown` as soon as retrieval is done (channels render
cards right away), `TextDelta`s while the model writes (each one already checked, so the text streamed is a
prefix of the final reply), at most one `Replacement` when the answer as a whole was set aside after some of
it had been streamed (channels replace the streamed text in place), and exactly one `FinalReply` at the end.
Every channel (Telegram, the terminal, `shopguide ask --json`, the web sandbox through Telegram) renders
these; none looks inside the assistant.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Language = Literal["zh", "en"]
ButtonAction = Literal["details", "compare", "similar", "why", "buy", "like", "dislike"]
EvidenceKind = Literal["product", "review", "policy"]


class Evidence(BaseModel):
    """One catalog fact or review quote a claim rests on; shown by the "Why?" button."""

    ref: int = Field(description="The number the prompt gave this piece of evidence, [1], [2] ...")
    kind: EvidenceKind
    merchant_id: str
    sku: str | None = None
    source_id: str = Field(description="sku, review_id or policy_id")
    field: str | None = Field(None, description="e.g. 'price', 'attributes.material', 'text'")
    text: str


class ProductCard(BaseModel):
    """A product as a channel shows it: the catalog's own values, never the model's."""

    merchant_id: str
    sku: str
    title: str
    price: float | None = Field(description="None = the catalog gives no price (shown as 'price unknown').")
    currency: str
    in_stock: bool
    stock: int | None = None
    rating: float | None = None
    image_url: str | None = None
    url: str | None = None
    label: str | None = Field(None, description="e.g. 'nearest alternative' when nothing fits exactly")
    buttons: list[ButtonAction] = Field(default_factory=list)


class Reply(BaseModel):
    """The checked, final answer of one turn."""

    turn_id: str
    language: Language
    intent: str
    text: str
    products: list[ProductCard] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    quick_replies: list[str] = Field(
        default_factory=list, description="Suggested next messages (clarifying options, follow-ups)"
    )
    comparison: list[list[str]] | None = Field(None, description="Rows of a compact table, header first")
    fallback: bool = Field(False, description="True when the deterministic template replaced the model's text")
    handoff: bool = Field(False, description="True when the conversation should go to a human")


class ProductsShown(BaseModel):
    type: Literal["products"] = "products"
    turn_id: str = Field(description="The turn's id, known before its final reply, so cards carry their final buttons")
    language: Language = Field(description="The turn's language: the cards' own words are written in it")
    products: list[ProductCard]


class TextDelta(BaseModel):
    type: Literal["delta"] = "delta"
    text: str


class Replacement(BaseModel):
    """The text streamed so far is withdrawn: channels show `text` in its place (the final reply's text)."""

    type: Literal["replacement"] = "replacement"
    text: str
    reason: str = Field(description="Why the streamed answer was set aside, e.g. 'grounding: 2 of 3 pieces rejected'")


class FinalReply(BaseModel):
    type: Literal["final"] = "final"
    reply: Reply


TurnEvent = ProductsShown | TextDelta | Replacement | FinalReply


class UserRef(BaseModel):
    """Who is talking, as the assistant sees it: a channel-prefixed id (e.g. 'tg:42') and the shop in scope."""

    user_id: str
    merchant_id: str
    display_name: str | None = None
    language: Language | None = Field(
        None,
        description="What the channel knows of the user's language (a /lang choice, else the client's): the "
        "language of a first message with no words to tell by ('？？？', '👍').",
    )
