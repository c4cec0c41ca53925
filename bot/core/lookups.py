"""The assistant's questions to one shop's catalog: which hits answer the request (the ranker's answer model),
which names asked for it never mentions, which hits are of one kind, the product a question names, the products
to compare, the nearest alternatives of the kind asked for, the policy passages that answer a question, and the
shop's main kinds of product."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.core.cues import color_aliases
from bot.core.dialog import Constraints
from bot.core.language import detect_language
from bot.core.reply import Language
from retrieval.fusion import ProductHit, fuse
from retrieval.index import Shop
from retrieval.models import Policy, Product
from retrieval.query import parse_query

POLICY_RRF_K = 60
# The "nothing matches" decision reads this many of the first hits (`fitting.DECISION_WINDOW` chose the floor
# on the same number), however few are shown.
ANSWER_WINDOW = 10
ALTERNATIVES = 3
OTHER_KIND_SHARE = 0.85  # chosen on the dev splits against the conversation suite
POLICY_CANDIDATES = 8  # per ranking: a shop has few passages
# Where a comparison request splits into the products it names ("the Sony WH-1000XM5 and the Bose QC45").
_NAMED_PARTS = re.compile(r"\bvs\.?\b|\bversus\b|\band\b|\bwith\b|,|，|、|和|与|跟|还是|对比|比较", re.I)
_NOT_A_NAME = re.compile(r"(?i)\W*(compare|the|these|those|which is better)?\W*")


def search_query(constraints: Constraints, topic: str) -> str:
    """The text a request is searched with: its product words, else the kinds it names, else the message."""
    return constraints.search_text() or " ".join(constraints.categories) or topic


class CatalogLookups:
    """Lookups in one merchant's catalog (`shop`) on behalf of a customer turn.

    Whether a product answers a request is the ranker's answer probability for it against the model's floor
    (the threshold chosen when it was trained; `min_relevance` overrides it).
    """

    def __init__(self, shop: Shop, min_relevance: float | None = None) -> None:
        self.shop = shop
        self._floor = min_relevance if min_relevance is not None else shop.relevance_floor

    def answering(self, hits: Sequence[ProductHit]) -> list[ProductHit]:
        """The hits that are what was asked for, not merely the closest things the shop has (all of them when
        there is no answer model)."""
        floor = self._floor
        if floor is None:
            return list(hits)
        return [hit for hit in hits if hit.relevance is None or hit.relevance >= floor]

    def answers(self, hits: Sequence[ProductHit]) -> bool:
        """Whether any of the first hits answers the request."""
        return bool(self.answering(hits[:ANSWER_WINDOW]))

    async def products(self, skus: Sequence[str]) -> list[Product]:
        """The products of `skus` that are still in the catalog, in order."""
        products = [await self.shop.product(sku) for sku in skus]
        return [p for p in products if p is not None]

    async def hits(self, constraints: Constraints, topic: str, k: int | None) -> list[ProductHit]:
        """The search itself: the products that meet the hard constraints, best first, each with its relevance."""
        return await self.shop.search(search_query(constraints, topic), constraints.filters(), k, sort=constraints.sort)

    async def matches(self, constraints: Constraints, topic: str, k: int | None) -> list[ProductHit]:
        """The products that meet the hard constraints and answer the request, best first (at most `k`, the
        shop's page by default); empty when nothing does."""
        shown = k or self.shop.top_k
        hits = await self.hits(constraints, topic, max(shown, ANSWER_WINDOW))
        return self.answering(hits)[:shown]

    async def with_color(self, hits: Sequence[ProductHit], color: str | None) -> list[Product]:
        """The products of `hits`; with a colour, the variant in that colour stands in for its item and coloured
        items come first (a colour is a preference, not a filter)."""
        if not color:
            return [hit.product for hit in hits]
        aliases = color_aliases(color)
        products = []
        for hit in hits:
            product = hit.product
            if not _has_color(product, aliases):
                variants = await self.products(hit.variants)
                product = next((v for v in variants if _has_color(v, aliases)), product)
            products.append(product)
        coloured = [p for p in products if _has_color(p, aliases)]
        return coloured or products

    async def named_kinds(self, text: str) -> list[str]:
        """The shop's categories that `text` names, in either language and at any level of the tree."""
        return parse_query(text, await self.shop.vocabulary()).categories

    async def missing_brands(self, text: str, language: Language, message: str) -> list[str]:
        """Names the customer asks for in `text` (the words of their `message` that describe the product) that
        appear nowhere in the catalog ("Do you sell Dyson?", "vivo的手机"): Latin words written like a name (in a
        Chinese message any, in an English one capitalised past the message's first word), of which no product
        says a word."""
        missing = []
        for name in _name_like(text, language, message):
            if not await self.shop.search(name, None, 1, mode="lexical"):
                missing.append(name)
        return missing

    async def named_product(self, constraints: Constraints, topic: str) -> Product | None:
        """The product a question names ('Does the Salomon X Ultra 4 have GORE-TEX?'), if the shop sells it."""
        if constraints.is_empty():
            return None
        # Asking "is it in stock?" must find the item even when it is not; the name, not a category, says which.
        wanted = constraints.model_copy(update={"in_stock_only": False})
        hits = await self.hits(wanted, topic, 1)
        if not self.answers(hits):
            return None
        found = await self.with_color(hits, wanted.color)
        return found[0] if found else None

    async def products_named(self, text: str, limit: int) -> list[Product]:
        """'compare the Sony WH-1000XM5 and the Bose QC45': the best match for each named part (at most `limit`)."""
        parts = [p.strip() for p in _NAMED_PARTS.split(text)]
        parts = [p for p in parts if len(p) >= 2 and not _NOT_A_NAME.fullmatch(p)]
        if len(parts) < 2:
            return []
        found: list[Product] = []
        for part in parts[:limit]:
            hits = await self.shop.search(part, None, 1)
            if hits and hits[0].product.sku not in {p.sku for p in found}:
                found.append(hits[0].product)
        return found

    async def alternatives(self, constraints: Constraints, topic: str) -> list[Product]:
        """The nearest products when nothing fits: products of the kind asked for outside the hard limits (price,
        stock, brand), nearest to them first; empty when the shop has nothing of that kind."""
        relaxed = Constraints(query=constraints.query, categories=constraints.categories, color=constraints.color)
        found = await self.matches(relaxed, topic, ANSWER_WINDOW)
        if not found and constraints.categories:
            found = await self.matches(Constraints(query=constraints.query), topic, ANSWER_WINDOW)

        def distance(hit: ProductHit) -> float:
            low, high, price = constraints.price_min, constraints.price_max, hit.product.price
            if price is None:
                return float("inf") if low is not None or high is not None else 0.0
            return max(0.0, price - high if high is not None else 0.0) + max(
                0.0, low - price if low is not None else 0.0
            )

        return await self.with_color(sorted(found, key=distance)[:ALTERNATIVES], constraints.color)

    async def policies(self, question: str, language: Language, k: int = 2) -> list[Policy]:
        """The passages that answer `question`, in the customer's language when the shop writes both.

        The other language's passages are set aside first. The best passage of each ranking (dense, BM25)
        leads, then the rest by reciprocal-rank fusion: a shop has few passages, and a question worded
        unlike its answer ("service hours" / "live chat 9:00-22:00") is found by one ranking only.
        """
        rankings = []
        for mode in ("dense", "lexical"):
            hits = await self.shop.search_policies(question, k=POLICY_CANDIDATES, mode=mode)
            own = [h.policy for h in hits if detect_language(f"{h.policy.title} {h.policy.text}") == language]
            rankings.append(own or [h.policy for h in hits])
        by_id = {policy.policy_id: policy for ranking in rankings for policy in ranking}
        ids = list(by_id)  # `fuse` ranks rows: a passage's row is its place in this list
        row = {policy_id: number for number, policy_id in enumerate(ids)}
        fused = fuse([[(row[p.policy_id], 0.0) for p in ranking] for ranking in rankings], POLICY_RRF_K)
        leaders = [ranking[0].policy_id for ranking in rankings if ranking]
        return [by_id[policy_id] for policy_id in dict.fromkeys([*leaders, *(ids[r] for r, _ in fused)])][:k]

    async def main_kinds(self, language: Language, count: int = 3) -> list[str]:
        """The shop's most stocked kinds of product (second category level), named in the customer's script:
        a quick reply in the other language would switch the conversation's language."""
        kinds: dict[str, int] = {}
        for product in await self.shop.products():
            kind = product.category[1] if len(product.category) > 1 else next(iter(product.category), None)
            if kind and (detect_language(kind) or language) == language:
                kinds[kind] = kinds.get(kind, 0) + 1
        return sorted(kinds, key=lambda kind: kinds[kind], reverse=True)[:count]


def one_kind(hits: Sequence[ProductHit], named: Sequence[str]) -> list[ProductHit]:
    """The hits of one kind of product. The kind the customer `named` (categories of the shop their words name),
    when the best hit is of it, keeps the list to that kind: a search for 充电宝 under 200 does not fill up with
    chargers. Else the leaf category two of the first three hits share keeps it to that kind, except for hits
    of another kind the ranker finds nearly as likely to answer (`OTHER_KIND_SHARE` of the best hit's
    probability): toys for a three-year-old come in many kinds. A ranking, not a filter: the best hit always
    stays, and without a named kind or such agreement nothing is cut."""
    if not hits:
        return []
    best = hits[0]
    kinds = [kind for kind in named if kind in best.product.category]
    if not kinds:
        leaves = [hit.product.category[-1] for hit in hits[:3] if hit.product.category]
        kinds = [leaf for leaf in leaves if leaves.count(leaf) >= 2][:1]
    if not kinds:
        return list(hits)

    def kept(hit: ProductHit) -> bool:
        if any(kind in hit.product.category for kind in kinds):
            return True
        if best.relevance is None or hit.relevance is None:
            return False
        return hit.relevance >= OTHER_KIND_SHARE * best.relevance

    return [best, *(hit for hit in hits[1:] if kept(hit))]


def same_kind(hits: Sequence[ProductHit], shown: Sequence[Product]) -> list[ProductHit]:
    """The hits of the leaf category most of the `shown` products have, the first one's on a tie (all hits when
    they have none)."""
    leaves = [p.category[-1] for p in shown if p.category]
    if not leaves:
        return list(hits)
    kind = max(leaves, key=lambda leaf: (leaves.count(leaf), -leaves.index(leaf)))  # ties: the first shown
    return [hit for hit in hits if hit.product.category and hit.product.category[-1] == kind]


_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z'&-]{2,}(?![A-Za-z0-9])")


def _name_like(text: str, language: Language, message: str) -> list[str]:
    """The words of `text` written like a brand or model name (see `CatalogLookups.missing_brands`): in a
    Chinese message every Latin word; in an English one the capitalised words, the first word of the
    `message` only when the next one is capitalised too ("Le Creuset")."""
    words = list(_LATIN_WORD.finditer(unicodedata.normalize("NFKC", text)))
    if language == "zh":
        return [w.group(0) for w in words]
    opening = unicodedata.normalize("NFKC", message).lstrip()
    names = []
    for index, word in enumerate(words):
        written = word.group(0)
        if not any(c.isupper() for c in written):
            continue
        first = index == 0 and not text[: word.start()].strip() and opening.startswith(written)
        if not first or (len(words) > 1 and words[1].group(0)[0].isupper()):
            names.append(written)
    return names


def _has_color(product: Product, aliases: tuple[str, ...]) -> bool:
    text = " ".join([product.title, *product.attributes.values()]).casefold()
    return any(alias.casefold() in text for alias in aliases)
