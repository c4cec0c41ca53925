"""What every intent's handler works with during one customer turn (`TurnContext`): who is talking, the shop's
catalog, the dialog so far, the products on screen, the shop's brands, and the draft reply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from bot.core.dialog import DialogState
from bot.core.draft import Draft, card
from bot.core.generate import Generation, Generator
from bot.core.grounding import AskedFact, Facts
from bot.core.lookups import CatalogLookups
from bot.core.reply import Language, ProductsShown, Replacement, TextDelta, UserRef
from bot.state.store import StateStore
from retrieval.models import Product


@dataclass
class TurnContext:
    """One turn in progress. Handlers change `dialog` and `draft`; the assistant saves both at the end."""

    user: UserRef
    catalog: CatalogLookups
    dialog: DialogState
    shown: list[Product]  # the last product list, as on the customer's screen
    brands: list[str]  # every brand the shop sells: the grounding check's vocabulary
    draft: Draft
    generator: Generator
    state: StateStore

    @property
    def language(self) -> Language:
        return self.draft.language

    def show(self, products: Sequence[Product], label: str | None = None) -> ProductsShown:
        """The cards of `products`, to send before the text is written."""
        cards = [card(p, label) for p in products]
        return ProductsShown(turn_id=self.draft.turn_id, language=self.language, products=cards)

    def facts(
        self,
        *,
        products: Sequence[Product] = (),
        reviews: Sequence[str] = (),
        policies: Sequence[str] = (),
        notes: Sequence[str] = (),
        asked: AskedFact | None = None,
    ) -> Facts:
        """What the model may say in this turn: the evidence given, against the shop's brands and the draft's
        numbered evidence; `asked`, the fact a specific question must be answered with."""
        return Facts(
            language=self.language,
            products=list(products),
            reviews=list(reviews),
            policies=list(policies),
            notes=list(notes),
            catalog_brands=self.brands,
            evidence_count=len(self.draft.evidence),
            asked=asked,
        )

    def generate(self, generation: Generation) -> AsyncIterator[TextDelta | Replacement]:
        """The turn's answer into the draft: the model's checked text when it is in time, else the template
        (`bot.core.generate`), streamed as it is checked."""
        return self.generator.answer(self.user, generation, self.draft)

    async def save_dialog(self) -> None:
        """Save the dialog now, so the buttons of cards sent before the reply ends already see it."""
        await self.state.save_dialog(self.user.user_id, self.dialog.model_dump(mode="json"))
