"""The assistant's questions to one shop's catalog: does the shop sell this, which kind of product a request
means, the product a question names, the products to compare, the nearest alternatives, the policy passages
that answer a question, and the shop's main kinds of product."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.core.cues import color_aliases
from bot.core.dialog import Constraints
from bot.core.grounding import content_terms
from bot.core.language import detect_language
from bot.core.reply import Language
from retrieval.index import Shop
from retrieval.models import Policy, Product
from retrieval.search import fuse

POLICY_RRF_K = 60
POLICY_CANDIDATES = 8  # per ranking: a shop has few passages
CATEGORY_VOTERS = 8
LEXICAL_VOTERS = 3  # BM25 hits whose own words may show the shop sells what the encoder scored low
# Where a comparison request splits into the products it names ("the Sony WH-1000XM5 and the Bose QC45").
_NAMED_PARTS = re.compile(r"\bvs\.?\b|\bversus\b|\band\b|\bwith\b|,|，|、|和|与|跟|还是|对比|比较", re.I)
_NOT_A_NAME = re.compile(r"(?i)\W*(compare|the|these|those|which is better)?\W*")


class CatalogLookups:
    """Lookups in one merchant's catalog (`shop`) on behalf of a customer turn."""

    def __init__(self, shop: Shop, min_relevance: float) -> None:
        self.shop = shop
        self._min_relevance = min_relevance

    async def products(self, skus: Sequence[str]) -> list[Product]:
        """The products of `skus` that are still in the catalog, in order."""
        products = [await self.shop.product(sku) for sku in skus]
        return [p for p in products if p is not None]

    async def search(self, constraints: Constraints, topic: str, k: int | None) -> list[Product]:
        """The products that meet `constraints`, best first; with a colour, the variant in that colour stands in
        for its item and coloured items come first (a colour is a preference, not a filter)."""
        query = constraints.search_text() or " ".join(constraints.categories) or topic
        hits = await self.shop.search(query, constraints.filters(), k, sort=constraints.sort)
        if not constraints.color:
            return [hit.product for hit in hits]
        aliases = color_aliases(constraints.color)
        products = []
        for hit in hits:
            product = hit.product
            if not _has_color(product, aliases):
                variants = await self.products(hit.variants)
                product = next((v for v in variants if _has_color(v, aliases)), product)
            products.append(product)
        coloured = [p for p in products if _has_color(p, aliases)]
        return coloured or products

    async def intended(self, constraints: Constraints, topic: str) -> tuple[bool, Constraints]:
        """Whether the shop sells anything like the request, and the constraints with the kind of product it
        means: without a category of its own, "waterproof jacket" keeps to the category of the closest product."""
        query = constraints.search_text() or topic
        if not query.strip():
            return True, constraints
        if not await self.sells(query, constraints):
            return False, constraints
        if constraints.categories or not _names_more_than_brands(query, constraints.brands):
            return True, constraints
        hits = await self.shop.search(query, None, CATEGORY_VOTERS)
        leaf = _implied_category(query, [hit.product for hit in hits])
        return True, constraints.model_copy(update={"categories": [leaf]}) if leaf else constraints

    async def sells(self, query: str, constraints: Constraints) -> bool:
        """Whether the shop sells anything like `query`: it names one of the shop's own categories or brands,
        the closest product by meaning is close enough, or one product's name covers most of the query's words
        (an exact title such as "Atomic Habits" can score low with the encoder)."""
        if constraints.categories or constraints.brands:
            return True
        closest = await self.shop.search(query, None, 1, mode="dense")
        if closest and closest[0].score >= self._min_relevance:
            return True
        wanted = content_terms(query)
        for hit in await self.shop.search(query, None, LEXICAL_VOTERS, mode="lexical"):
            covered = {term for term in wanted if term in _name_text(hit.product)}
            # Two words at least: one shared word ("food" in "food-grade") is not the thing asked for.
            if len(covered) >= 2 and 2 * len(covered) >= len(wanted):
                return True
        return False

    async def named_product(self, constraints: Constraints, topic: str) -> Product | None:
        """The product a question names ('Does the Salomon X Ultra 4 have GORE-TEX?'), if the shop sells it."""
        if constraints.is_empty():
            return None
        # Asking "is it in stock?" must find the item even when it is not; the name, not a category, says which.
        wanted = constraints.model_copy(update={"in_stock_only": False})
        query = wanted.search_text() or topic
        closest = await self.shop.search(query, None, 1, mode="dense")
        if not closest or closest[0].score < self._min_relevance:
            return None
        found = await self.search(wanted, topic, 1)
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
        """The nearest products when nothing fits: the same kind of product with the other filters relaxed."""
        relaxed = Constraints(query=constraints.query, categories=constraints.categories, color=constraints.color)
        found = await self.search(relaxed, topic, None)
        if not found and constraints.categories:
            found = await self.search(Constraints(query=constraints.query), topic, None)

        def distance(product: Product) -> float:
            low, high, price = constraints.price_min, constraints.price_max, product.price
            if price is None:
                return float("inf") if low is not None or high is not None else 0.0
            return max(0.0, price - high if high is not None else 0.0) + max(
                0.0, low - price if low is not None else 0.0
            )

        return sorted(found, key=distance)[:3]

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


def leaf_category(products: Sequence[Product]) -> str | None:
    """The most common leaf category among `products`."""
    leaves = [p.category[-1] for p in products if p.category]
    return max(set(leaves), key=leaves.count) if leaves else None


def _names_more_than_brands(query: str, brands: Sequence[str]) -> bool:
    """False when the query is only a brand ("Nike"): then every kind of product of that brand is wanted."""
    rest = query.casefold()
    for brand in brands:
        for name in re.split(r"[/|()（）]+", brand.casefold()):
            if name.strip():
                rest = rest.replace(name.strip(), " ")
    return bool(re.search(r"[a-z]{3,}|[\u4e00-\u9fff]", rest))


def _implied_category(query: str, products: Sequence[Product]) -> str | None:
    """The leaf category the query means, voted by the best hits: rank-weighted, and a hit whose title
    has the query's head noun ("waterproof hiking *jacket*", "跑步*耳机*") counts much more, so hiking
    shoes do not win a search for a hiking jacket."""
    head = _head_noun(query)
    votes: dict[str, float] = {}
    for rank, product in enumerate(products):
        if not product.category:
            continue
        weight = 1.0 / (rank + 1) + (1.0 if head and head in product.title.casefold() else 0.0)
        votes[product.category[-1]] = votes.get(product.category[-1], 0.0) + weight
    return max(votes, key=lambda leaf: votes[leaf]) if votes else None


def _head_noun(query: str) -> str | None:
    """'headphones for running' -> 'headphone', '防水登山夹克' -> '夹克': the last word before any modifier."""
    core = re.split(r"\b(?:for|with|under|in|that|which|to|from|below|over)\b|[,，]", query.casefold())[0]
    han = re.findall(r"[\u4e00-\u9fff]+", core)
    words = re.findall(r"[a-z]{3,}", core)
    if words and (not han or core.rfind(words[-1]) > core.rfind(han[-1])):
        return words[-1].removesuffix("s")
    return han[-1][-2:] if han else None


def _has_color(product: Product, aliases: tuple[str, ...]) -> bool:
    text = " ".join([product.title, *product.attributes.values()]).casefold()
    return any(alias.casefold() in text for alias in aliases)


def _name_text(product: Product) -> str:
    """What a product is called (title, brand, category), folded like `content_terms` folds a query. Not the
    description: "for MagSafe iPhones" does not make a power bank an iPhone."""
    return unicodedata.normalize("NFKC", " ".join([product.title, product.brand or "", *product.category])).casefold()
