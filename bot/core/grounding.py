"""The grounding check: model text may only state what the evidence says.

Facts come from the catalog, words from the model. Every sentence the model writes is checked against the
evidence its prompt gave it (`Facts`) before any of it is streamed:
- it is in the customer's language (product names aside);
- every number that matters (a spec, a rating, a model number) appears in the evidence, and every amount of
  money equals an evidence product's price or a figure in a quoted shop policy;
- price, discount, free-shipping and availability claims rest on structured fields and policies only: nothing
  is called free / 免费 or discounted unless a quoted policy says so (never a description or a review), and
  "in stock" / "sold out" / "3 left" must agree with the products' stock;
- every brand named is the brand of an evidence product, every model-like or capitalised name appears in
  the evidence;
- every citation [n] points at a piece of evidence the prompt showed, and a sentence citing a review says
  something that review's text says;
- it is not the prompt's own instructions or evidence layout echoed back, nor a loop.

Whole-answer rules: the answer draws on the evidence at all (`on_evidence`), and an answer to a specific
question (stock, a spec, a policy) states the fact or says the shop's data does not have it (`addresses`).
A sentence that breaks a rule is removed (the repair); when too little is left, or the language is wrong,
the caller uses the deterministic template instead.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field

from bot.core import claims
from bot.core.claims import CITATION, SentenceSplitter, content_terms, join_sentences, split_sentences
from bot.core.held import description
from bot.core.language import detect_language
from bot.core.layout import EVIDENCE_LAYOUT
from bot.core.reply import Evidence, Language
from retrieval.models import Product

__all__ = ["AskedFact", "Checker", "Facts", "SentenceSplitter", "content_terms", "split_sentences"]

ViolationKind = Literal[
    "language",
    "echo",
    "repeat",
    "price",
    "number",
    "free",
    "discount",
    "stock",
    "brand",
    "name",
    "citation",
    "unsupported",
]

_SMALL_NUMBER = 10  # counts like "2 options" or "3 reviews" need no evidence; prices and specs do
_MAX_WORD_REPEATS = 3  # "lightweight, lightweight and lightweight": a model stuck in a loop
_MIN_SHARED_TERMS = 3
_MIN_ECHO = 4  # characters; shorter fragments ("Yes.") may match the instructions by chance
_RUN_WORDS, _RUN_HAN = 5, 8  # a shared run this long is the instructions paraphrased back
# Words a sentence about reviews uses whatever the reviews say: they show no support by a review.
_REVIEW_TALK = claims.stems(
    "buyer reviewer review customer user people find found love like liked pros cons many most some mention say said "
    "买家 评价 顾客 用户 大家 很多 觉得 认为 表示 喜欢 好评 差评 优点 缺点 提到 这款 产品 商品"
)
_BRAND_PARTS = re.compile(r"[/|()（）·,，]+")
_OFFERS: dict[ViolationKind, re.Pattern[str]] = {"free": claims.FREE, "discount": claims.DISCOUNT}
_PROMOTION_TIME = re.compile(
    r"\b(?:today|tonight|right now|this week(?:end)?|limited[- ]time|only now|for now)\b|今天|今日|现在|限时|本周|今晚",
    re.I,
)
# Words that say when, not what: "free today" names nothing a policy offers.
_NOT_OFFERED_THINGS = claims.stems(
    "today tonight now everything everyone all shop store policy 今天 现在 全部 所有 本店 政策"
)


class Violation(BaseModel):
    kind: ViolationKind
    claim: str = Field(description="The offending words, e.g. '¥99' or 'UltraJacket'.")
    sentence: str


class AskedFact(BaseModel):
    """What a specific question asks (a product's stock, a spec, a policy's terms): an answer states one of
    `statements`, or, when the shop's data has none (`statements` empty), says the data does not have it."""

    topic: str = Field(description="What was asked about, e.g. 'battery', 'stock', 'Returns'.")
    statements: list[str] = Field(default_factory=list, description="Ways of stating the fact, e.g. '30 hours', '30'.")


class Facts(BaseModel):
    """What the model was allowed to say: the evidence of one prompt."""

    language: Language
    products: list[Product] = Field(default_factory=list)
    reviews: list[str] = Field(
        default_factory=list, description="Review quotes: customers' words, never a source of prices."
    )
    policies: list[str] = Field(default_factory=list, description="The shop's policy passages.")
    notes: list[str] = Field(default_factory=list, description="Figures the assistant computed, e.g. review counts.")
    catalog_brands: list[str] = Field(default_factory=list, description="Every brand the shop sells (the vocabulary).")
    evidence_count: int = Field(0, description="How many numbered pieces of evidence the prompt had.")
    evidence: dict[int, Evidence] = Field(
        default_factory=dict, description="The numbered evidence the prompt showed (when known), by ref."
    )
    asked: AskedFact | None = Field(None, description="The fact a specific question asks for; None for open ones.")
    instructions: str = Field("", description="The prompt's own words (without the evidence): never an answer.")
    question: str = Field("", description="The customer's message: words taken from it show no use of the evidence.")

    def evidence_text(self) -> str:
        parts = []
        for product in self.products:
            parts += [product.sku, product.title, product.brand or "", description(product), " ".join(product.category)]
            parts += [f"{key} {value}" for key, value in product.attributes.items()]
            parts += [
                claims.plain_number(value) if value is not None else "" for value in (product.price, product.rating)
            ]
            parts.append(str(product.stock) if product.stock is not None else "")
        return unicodedata.normalize("NFKC", " ".join([*parts, *self.reviews, *self.policies, *self.notes]))

    def policy_text(self) -> str:
        """The shop's policies: with the products' structured fields, the only source of prices, 'free',
        discounts and stock. Descriptions and reviews are prose anyone may have written."""
        return unicodedata.normalize("NFKC", " ".join(self.policies))


class GroundingResult(BaseModel):
    text: str = Field(description="The text with every violating sentence removed.")
    kept: int
    removed: int
    violations: list[Violation] = Field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Worth showing: the language is right and most of what the model said survived."""
        if any(v.kind == "language" for v in self.violations):
            return False
        return self.kept > 0 and self.removed <= self.kept


class Checker:
    """Checks sentences against one prompt's `Facts`; build once per answer."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        evidence = facts.evidence_text()
        self._evidence_folded = evidence.casefold()
        self._evidence_words = set(re.findall(r"[a-z0-9'&-]+", self._evidence_folded))
        self._numbers = {claims.to_float(m.group("n")) for m in claims.ANY_NUMBER.finditer(evidence)}
        policies = facts.policy_text()
        self._prices = {round(p.price, 2) for p in facts.products if p.price is not None} | {
            round(claims.to_float(m.group("before") or m.group("after")), 2) for m in claims.MONEY.finditer(policies)
        }
        # "Free" and discounts only for what a policy sentence offers free or discounted ("free shipping on
        # orders of ¥99 or more"): the claim must name something that sentence names beside the offer word.
        self._offer_terms = {kind: _offer_terms(policies, pattern) for kind, pattern in _OFFERS.items()}
        self._timed_offers = {
            kind: any(_PROMOTION_TIME.search(s) for s in split_sentences(policies) if pattern.search(s))
            for kind, pattern in _OFFERS.items()
        }
        own = {alias.casefold() for p in facts.products if p.brand for alias in _aliases(p.brand)}
        self._foreign_brands = {
            alias: brand
            for brand in facts.catalog_brands
            for alias in _aliases(brand)
            if alias.casefold() not in own and alias.casefold() not in self._evidence_folded
        }
        self._names = [p.title for p in facts.products] + [p.brand for p in facts.products if p.brand]
        self._instructions = claims.squash(facts.instructions)
        self._instruction_runs = _runs(facts.instructions)
        self._seen: set[str] = set()
        self._evidence_terms = content_terms(evidence) - content_terms(facts.question)
        self._name_terms = claims.stems(" ".join(self._names))

    def language_ok(self, text: str) -> bool:
        """Whether `text` is in the customer's language once product names are taken out."""
        stripped = unicodedata.normalize("NFKC", text)
        for name in sorted(self._names, key=len, reverse=True):
            stripped = stripped.replace(unicodedata.normalize("NFKC", name), " ")
        detected = detect_language(CITATION.sub(" ", stripped))
        return detected is None or detected == self.facts.language

    def sentence(self, sentence: str) -> list[Violation]:
        """Every rule the sentence breaks (language is judged on the whole text, see `check`)."""
        text = unicodedata.normalize("NFKC", sentence)
        body = CITATION.sub(" ", text)
        refs = [int(m.group(1)) for m in CITATION.finditer(text)]
        found = [
            *self._echoes(sentence.strip(), text),
            *self._citations(refs),
            *self._amounts(body),
            *self._offers(body),
            *self._availability(body, refs),
            *self._foreign_brands_named(body),
            *self._unknown_names(body),
            *self._unsupported(body, refs),
        ]
        return [Violation(kind=kind, claim=claim, sentence=sentence.strip()) for kind, claim in found]

    def _echoes(self, written: str, text: str) -> list[tuple[ViolationKind, str]]:
        """The prompt's instructions or evidence layout copied out (`written`, normalised as `text`); a sentence
        said before, or a word looping."""
        found: list[tuple[ViolationKind, str]] = []
        core = claims.squash(CITATION.sub(" ", text))
        echoed = (len(core) >= _MIN_ECHO and core in self._instructions) or EVIDENCE_LAYOUT.search(text)
        if echoed or _runs(text) & self._instruction_runs or self._says_nothing(text):
            found.append(("echo", written))
        words = re.findall(r"[a-z]{4,}", text.casefold())
        if core in self._seen or any(words.count(word) >= _MAX_WORD_REPEATS for word in set(words)):
            found.append(("repeat", written))
        self._seen.add(core)
        return found

    def _says_nothing(self, text: str) -> bool:
        """A list number, or a product's name and nothing else ("1. 小米 充电宝 20000mAh", "2."): no answer."""
        rest = CITATION.sub(" ", text)
        for name in sorted(self._names, key=len, reverse=True):
            rest = rest.replace(unicodedata.normalize("NFKC", name), " ")
        return not re.search(r"[^\W\d_]{2,}", re.sub(r"^\s*\d+[.)、]", " ", rest))

    def _citations(self, refs: list[int]) -> list[tuple[ViolationKind, str]]:
        """Citations [n] of evidence the prompt did not have."""
        return [("citation", f"[{ref}]") for ref in refs if not self._shown(ref)]

    def _shown(self, ref: int) -> bool:
        if self.facts.evidence:
            return ref in self.facts.evidence
        return 1 <= ref <= self.facts.evidence_count

    def _amounts(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Money that is no evidence price, then other numbers (10 and up) that appear nowhere in the evidence."""
        found: list[tuple[ViolationKind, str]] = []
        money_spans = []
        for match in claims.MONEY.finditer(body):
            money_spans.append(match.span())
            amount = claims.to_float(match.group("before") or match.group("after"))
            if round(amount, 2) not in self._prices:
                found.append(("price", match.group(0)))
        for match in claims.ANY_NUMBER.finditer(body):
            if any(start <= match.start() < end for start, end in money_spans):
                continue
            value = claims.to_float(match.group("n"))
            if value >= _SMALL_NUMBER and value not in self._numbers:
                found.append(("number", match.group(0)))
        return found

    def _offers(self, body: str) -> list[tuple[ViolationKind, str]]:
        """'Free' and discount words, unless the sentence is about what a quoted policy offers that way."""
        found: list[tuple[ViolationKind, str]] = []
        for kind, pattern in _OFFERS.items():
            offers = list(pattern.finditer(body))
            if not offers:
                continue
            offered = bool(_offer_terms(body, pattern) & self._offer_terms[kind])
            # "Free today", "限时优惠": a promotion, which only a policy that runs one can license.
            if not offered or (_PROMOTION_TIME.search(body) and not self._timed_offers[kind]):
                found += [(kind, match.group(0)) for match in offers]
        return found

    def _availability(self, body: str, refs: list[int]) -> list[tuple[ViolationKind, str]]:
        """'In stock', 'sold out' and stock counts that disagree with the stock of the products the sentence is
        about (those it cites or names, else all of the evidence's)."""
        about = self._products_meant(body, refs)
        if not about:
            return []
        found: list[tuple[ViolationKind, str]] = []
        out = list(claims.OUT_OF_STOCK.finditer(body))
        if out and all(p.in_stock for p in about):
            found.append(("stock", out[0].group(0)))
        spans = [m.span() for m in out]
        said_in = [m for m in claims.IN_STOCK.finditer(body) if not any(a <= m.start() < b for a, b in spans)]
        if said_in and not any(p.in_stock for p in about):
            found.append(("stock", said_in[0].group(0)))
        counts = {p.stock for p in about if p.stock is not None}
        found += [("stock", str(count)) for count in claims.stock_counts(body) if counts and count not in counts]
        return found

    def _products_meant(self, body: str, refs: list[int]) -> list[Product]:
        by_sku = {p.sku: p for p in self.facts.products}
        cited = [self.facts.evidence[r].sku for r in refs if r in self.facts.evidence]
        meant = [by_sku[sku] for sku in cited if sku in by_sku]
        if not meant:
            folded = body.casefold()
            meant = [p for p in self.facts.products if _named(p, folded)]
        return meant or self.facts.products

    def _foreign_brands_named(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Brands the shop sells that none of the evidence products has."""
        return [("brand", brand) for alias, brand in self._foreign_brands.items() if _mentions(body, alias)]

    def _unknown_names(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Model-like names (letters with digits, CamelCase) and runs of capitalised words ("Zen Aroma
        Diffuser") that are not in the evidence."""
        found: list[tuple[ViolationKind, str]] = [
            ("name", match.group(0))
            for match in claims.MODEL_NAME.finditer(body)
            if not claims.UNITS_NOT_NAMES.match(match.group(0))
            and match.group(0).casefold() not in self._evidence_folded
        ]
        for match in claims.TITLE_RUN.finditer(body):
            words = [w for w in match.group(0).casefold().split() if w not in claims.NOT_NAME_WORDS]
            if len(words) >= 2 and any(w not in self._evidence_words for w in words):
                found.append(("name", match.group(0)))
        return found

    def _unsupported(self, body: str, refs: list[int]) -> list[tuple[ViolationKind, str]]:
        """Citations of reviews that do not say what the sentence says."""
        found: list[tuple[ViolationKind, str]] = []
        for ref in dict.fromkeys(refs):
            cited = self.facts.evidence.get(ref)
            if cited is not None and cited.kind == "review" and not self.supports(body, cited):
                found.append(("unsupported", f"[{ref}]"))
        return found

    def supports(self, claim: str, review: Evidence) -> bool:
        """Whether the review says something the claim says: a term they share beyond product names and the
        words any talk of reviews uses ("buyers", "love", "评价"). Terms are compared within one language, so a
        claim in the other language than the review's is not supported (the safe side)."""
        claimed = claims.stems(CITATION.sub(" ", claim)) - self._name_terms - _REVIEW_TALK
        return bool(claimed & claims.stems(review.text))

    def on_evidence(self, text: str) -> bool:
        """Whether an answer draws on the evidence at all: it cites it, or shares a few of its own
        terms beyond the customer's words ("The product is a quality product." does not)."""
        if any(self._shown(int(m.group(1))) for m in CITATION.finditer(text)):
            return True
        return len(content_terms(text) & self._evidence_terms) >= _MIN_SHARED_TERMS

    def addresses(self, text: str) -> bool:
        """Whether the answer states the fact a specific question asks for, or, when the shop's data lacks it,
        says so (and never both: "the catalog does not say ... it is 30 hours" contradicts itself)."""
        asked = self.facts.asked
        if asked is None:
            return True
        folded = unicodedata.normalize("NFKC", text).casefold()
        no_data = claims.NO_DATA.search(folded) is not None
        if not asked.statements:
            return no_data
        return not no_data and any(s.casefold() in folded for s in asked.statements)

    def check(self, text: str) -> GroundingResult:
        """Check a whole answer: wrong language rejects it, other violations remove their sentence."""
        if not self.language_ok(text):
            return GroundingResult(
                text="",
                kept=0,
                removed=1,
                violations=[Violation(kind="language", claim=text[:60], sentence=text[:200])],
            )
        kept, violations, removed = [], [], 0
        for sentence in split_sentences(text):
            problems = self.sentence(sentence)
            if problems:
                violations += problems
                removed += 1
            else:
                kept.append(sentence)
        return GroundingResult(text=join_sentences(kept), kept=len(kept), removed=removed, violations=violations)


def _runs(text: str) -> set[str]:
    """Runs of five words (eight Chinese characters) in `text`: a sentence sharing one with the prompt's
    instructions paraphrases them back ("the product that fits the customer best and says why")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.findall(r"[a-z']+", folded)
    han = "".join(re.findall(r"[\u4e00-\u9fff]", folded))
    return {" ".join(words[i : i + _RUN_WORDS]) for i in range(len(words) - _RUN_WORDS + 1)} | {
        han[i : i + _RUN_HAN] for i in range(len(han) - _RUN_HAN + 1)
    }


def _offer_terms(text: str, offer: re.Pattern[str]) -> set[str]:
    """The terms of the sentences of `text` that make an offer (`offer` matches in them), the offer words
    themselves and words of time aside: what is offered ("shipping", "order", "包邮" ...)."""
    terms: set[str] = set()
    for sentence in split_sentences(text):
        if offer.search(sentence):
            terms |= claims.stems(offer.sub(" ", sentence))
    return terms - _NOT_OFFERED_THINGS


def _named(product: Product, folded: str) -> bool:
    """Whether lower-cased text names the product: its title, a two-word run of it, or its brand."""
    title = unicodedata.normalize("NFKC", product.title).casefold()
    if title in folded:
        return True
    words = re.findall(r"[a-z0-9-]{3,}|[\u4e00-\u9fff]{2,}", title)
    if any(f"{a} {b}" in folded for a, b in zip(words, words[1:], strict=False)):
        return True
    return any(_mentions(folded, alias.casefold()) for alias in _aliases(product.brand or ""))


def _aliases(brand: str) -> set[str]:
    """'Nike/耐克' -> {'Nike/耐克', 'Nike', '耐克'}; single Latin letters are too ambiguous to count."""
    name = unicodedata.normalize("NFKC", brand).strip()
    parts = {name, *(part.strip() for part in _BRAND_PARTS.split(name))}
    return {part for part in parts if len(part) >= 2}


def _mentions(text: str, alias: str) -> bool:
    """Latin brand names match as written, so the brand "Keep" is not the verb "keep"."""
    if alias.isascii():
        return re.search(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])", text) is not None
    return alias in text
