"""The grounding check: model text may only state what the evidence says.

Facts come from the catalog, words from the model. Every sentence the model writes is checked
against the evidence the prompt gave it (`Facts`):
- it is in the customer's language (product names aside);
- every number that matters (a price, a spec, a rating, a model number) appears in the evidence, and
  every amount of money equals an evidence product's price or a figure in a quoted passage;
- nothing is called free / 免费 unless a quoted policy says so;
- every brand named is the brand of an evidence product, every model-like name appears in the evidence;
- every citation [n] points at a piece of evidence that exists;
- it is not the prompt's own instructions echoed back (small models do that).

A sentence that breaks a rule is removed (the repair); when too little is left, or the language is
wrong, the caller uses the deterministic template instead. `SentenceSplitter` cuts a token stream
into sentences so checking can happen while the model is still writing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field

from bot.core.language import detect_language
from bot.core.reply import EvidenceKind, Language
from retrieval.models import Product

ViolationKind = Literal["language", "echo", "repeat", "price", "number", "free", "brand", "name", "citation"]

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:US\$|\$|¥|￥|RMB|CNY|USD)\s*(?P<before>{_NUMBER})"
    rf"|(?P<after>{_NUMBER})\s*(?:元|块|yuan|rmb|cny|dollars?|usd)",
    re.I,
)
_ANY_NUMBER = re.compile(rf"(?<![\w.,])(?P<n>{_NUMBER})")
_CITATION = re.compile(r"\[(\d+)\]")
_FREE = re.compile(
    r"(?<!-)\bfree\b|\bfor nothing\b|\bno charge\b|\bat no cost\b|\bcosts? nothing\b|免费|白送|不要钱|零元|(?<![\d.])0\s*元",
    re.I,
)
# Letters and digits together (WH-1000XM5, X9000) or CamelCase (UltraJacket): names a model invents.
_MODEL_NAME = re.compile(r"\b(?:[A-Za-z]+-?\d+[A-Za-z0-9-]*|\d+[A-Za-z]+[A-Za-z0-9-]*|[A-Z][a-z]+[A-Z][A-Za-z]+)\b")
_UNITS_NOT_NAMES = re.compile(
    r"^\d+(?:\.\d+)?(?:kg|g|mg|cm|mm|m|km|ml|l|gb|tb|mb|mah|w|v|hz|khz|mhz|ghz|h|hr|hrs|min|s|k|x|p|d|nd|rd|st|th|in|ft|lb|lbs|oz|mp)$",
    re.I,
)
# Text that talks to the assistant instead of about the product: quoted to nobody, never used as evidence.
_INSTRUCTIONS = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|rules|prompts?)\b|\bsystem prompt\b|\byou are now\b|"
    r"\badmin mode\b|\btell (?:every|all)\w*\b|忽略.{0,12}(?:指令|规则|提示)|系统提示|告诉(?:大家|所有人|每个)|你现在是",
    re.I,
)
# How each kind of evidence is labelled in a prompt ("[1] product: ..."); an answer that repeats a label
# is the evidence block copied out, so the echo rule below recognises these same words.
EVIDENCE_LABELS: dict[EvidenceKind, str] = {"product": "product", "review": "buyer review", "policy": "shop policy"}
# The evidence block copied out as it was laid out in the prompt ("[1] product: ... | price ¥499 | ...").
_EVIDENCE_LAYOUT = re.compile(
    r"\|[^|]*\||^\s*(?:\d+\.\s*)?\[?\d*\]?\s*(?:"
    + "|".join(re.escape(label) for label in EVIDENCE_LABELS.values())
    + r")\s*[:：]",
    re.I,
)
_SMALL_NUMBER = 10  # counts like "2 options" or "3 reviews" need no evidence; prices and specs do
_MAX_WORD_REPEATS = 3  # "lightweight, lightweight and lightweight": a model stuck in a loop
_MIN_SHARED_TERMS = 3
_GENERIC = frozenset(
    [
        "product",
        "products",
        "item",
        "items",
        "shop",
        "store",
        "customer",
        "customers",
        "service",
        "quality",
        "price",
        "prices",
        "great",
        "good",
        "best",
        "with",
        "that",
        "this",
        "from",
        "have",
        "will",
        "your",
        "about",
        "which",
        "their",
        "they",
        "them",
        "also",
        "very",
        "more",
        "most",
        "some",
        "other",
    ]
)
_MIN_ECHO = 4  # characters; shorter fragments ("Yes.") may match the instructions by chance
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.])(?=\s)")
_BRAND_PARTS = re.compile(r"[/|()（）·,，]+")


def looks_like_instructions(text: str) -> bool:
    """True for review or description text that addresses the assistant ("ignore your rules ...")."""
    return _INSTRUCTIONS.search(text) is not None


class Violation(BaseModel):
    kind: ViolationKind
    claim: str = Field(description="The offending words, e.g. '¥99' or 'UltraJacket'.")
    sentence: str


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
    instructions: str = Field("", description="The prompt's own words (without the evidence): never an answer.")
    question: str = Field("", description="The customer's message: words taken from it show no use of the evidence.")

    def evidence_text(self) -> str:
        parts = []
        for product in self.products:
            parts += [product.sku, product.title, product.brand or "", product.description, " ".join(product.category)]
            parts += [f"{key} {value}" for key, value in product.attributes.items()]
            parts += [_plain(value) if value is not None else "" for value in (product.price, product.rating)]
            parts.append(str(product.stock) if product.stock is not None else "")
        return unicodedata.normalize("NFKC", " ".join([*parts, *self.reviews, *self.policies, *self.notes]))

    def official_text(self) -> str:
        """Merchant-authored text (products, policies): the only source of prices and of 'free'."""
        return unicodedata.normalize(
            "NFKC", " ".join([*self.policies, *(f"{p.description} {p.attributes}" for p in self.products)])
        )


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
        self._numbers = {_to_float(m.group("n")) for m in _ANY_NUMBER.finditer(evidence)}
        official = facts.official_text()
        self._prices = {round(p.price, 2) for p in facts.products if p.price is not None} | {
            _to_float(m.group("n")) for m in _ANY_NUMBER.finditer(official)
        }
        self._free_allowed = _FREE.search(official) is not None
        own = {alias.casefold() for p in facts.products if p.brand for alias in _aliases(p.brand)}
        self._foreign_brands = {
            alias: brand
            for brand in facts.catalog_brands
            for alias in _aliases(brand)
            if alias.casefold() not in own and alias.casefold() not in self._evidence_folded
        }
        self._names = [p.title for p in facts.products] + [p.brand for p in facts.products if p.brand]
        self._instructions = _squash(facts.instructions)
        self._seen: set[str] = set()
        self._evidence_terms = content_terms(evidence) - content_terms(facts.question)

    def language_ok(self, text: str) -> bool:
        """Whether `text` is in the customer's language once product names are taken out."""
        stripped = unicodedata.normalize("NFKC", text)
        for name in sorted(self._names, key=len, reverse=True):
            stripped = stripped.replace(unicodedata.normalize("NFKC", name), " ")
        detected = detect_language(_CITATION.sub(" ", stripped))
        return detected is None or detected == self.facts.language

    def sentence(self, sentence: str) -> list[Violation]:
        """Every rule the sentence breaks (language is judged on the whole text, see `check`)."""
        text = unicodedata.normalize("NFKC", sentence)
        body = _CITATION.sub(" ", text)
        claims = [
            *self._echoes(sentence.strip(), text),
            *self._citations(text),
            *self._amounts(body),
            *self._free(body),
            *self._foreign_brands_named(body),
            *self._unknown_names(body),
        ]
        return [Violation(kind=kind, claim=claim, sentence=sentence.strip()) for kind, claim in claims]

    def _echoes(self, written: str, text: str) -> list[tuple[ViolationKind, str]]:
        """The prompt's instructions or evidence layout copied out (`written`, normalised as `text`); a sentence
        said before, or a word looping."""
        found: list[tuple[ViolationKind, str]] = []
        core = _squash(_CITATION.sub(" ", text))
        if (len(core) >= _MIN_ECHO and core in self._instructions) or _EVIDENCE_LAYOUT.search(text):
            found.append(("echo", written))
        words = re.findall(r"[a-z]{4,}", text.casefold())
        if core in self._seen or any(words.count(word) >= _MAX_WORD_REPEATS for word in set(words)):
            found.append(("repeat", written))
        self._seen.add(core)
        return found

    def _citations(self, text: str) -> list[tuple[ViolationKind, str]]:
        """Citations [n] of evidence the prompt did not have."""
        return [
            ("citation", match.group(0))
            for match in _CITATION.finditer(text)
            if not 1 <= int(match.group(1)) <= self.facts.evidence_count
        ]

    def _amounts(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Money that is no evidence price, then other numbers (10 and up) that appear nowhere in the evidence."""
        found: list[tuple[ViolationKind, str]] = []
        money_spans = []
        for match in _MONEY.finditer(body):
            money_spans.append(match.span())
            amount = _to_float(match.group("before") or match.group("after"))
            if round(amount, 2) not in self._prices:
                found.append(("price", match.group(0)))
        for match in _ANY_NUMBER.finditer(body):
            if any(start <= match.start() < end for start, end in money_spans):
                continue
            value = _to_float(match.group("n"))
            if value >= _SMALL_NUMBER and value not in self._numbers:
                found.append(("number", match.group(0)))
        return found

    def _free(self, body: str) -> list[tuple[ViolationKind, str]]:
        """'Free' when no policy or product text offers anything free."""
        return [] if self._free_allowed else [("free", match.group(0)) for match in _FREE.finditer(body)]

    def _foreign_brands_named(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Brands the shop sells that none of the evidence products has."""
        return [("brand", brand) for alias, brand in self._foreign_brands.items() if _mentions(body, alias)]

    def _unknown_names(self, body: str) -> list[tuple[ViolationKind, str]]:
        """Model-like names (letters with digits, CamelCase) that are not in the evidence."""
        return [
            ("name", match.group(0))
            for match in _MODEL_NAME.finditer(body)
            if not _UNITS_NOT_NAMES.match(match.group(0)) and match.group(0).casefold() not in self._evidence_folded
        ]

    def on_evidence(self, text: str) -> bool:
        """Whether an answer draws on the evidence at all: it cites it, or shares a few of its own
        terms beyond the customer's words ("The product is a quality product." does not)."""
        if any(1 <= int(m.group(1)) <= self.facts.evidence_count for m in _CITATION.finditer(text)):
            return True
        return len(content_terms(text) & self._evidence_terms) >= _MIN_SHARED_TERMS

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


class SentenceSplitter:
    """Cuts streamed text into whole sentences as they complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        pieces = _SENTENCE_END.split(self._buffer)
        self._buffer = pieces.pop()
        return [p for p in pieces if p.strip()]

    def flush(self) -> str:
        rest, self._buffer = self._buffer, ""
        return rest if rest.strip() else ""


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    sentences = splitter.feed(text)
    rest = splitter.flush()
    return [*sentences, rest] if rest else sentences


def join_sentences(sentences: list[str]) -> str:
    return "".join(sentences).strip()


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


def content_terms(text: str) -> set[str]:
    """Content terms: Latin words of 4+ letters (generic shop words aside), figures, Chinese character pairs."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = {w.removesuffix("s") for w in re.findall(r"[a-z]{4,}|\d{2,}", folded)} - _GENERIC
    pairs = {run[i : i + 2] for run in re.findall(r"[\u4e00-\u9fff]{2,}", folded) for i in range(len(run) - 1)}
    return words | pairs


def _squash(text: str) -> str:
    """Text without spaces and punctuation, case-folded: how an echoed instruction is recognised."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).casefold()


def _to_float(raw: str) -> float:
    return float(raw.replace(",", ""))


def _plain(value: float) -> str:
    """1299.0 -> '1299', 12.5 -> '12.5': how the evidence writes numbers."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
