"""The rubric: what makes a reply worth reading and safe to have watched arrive, in both languages.

Checked on every turn:
- `streamed`: what the customer watched arrive was the final reply, or was replaced by it: the text streamed
  since the last replacement is a prefix of the final text, a replacement carries the final text, and no
  state of the streamed text shows an invented price or a forbidden phrase;
- `plain_text`: no raw Markdown (`**bold**`, `# heading`, table rules) and no sentence cut off with "…".

Checked when a turn's `expect` asks for it:
- `advice`: a best pick named with a reason (a catalog fact of that product), a line for every other product
  shown, and a question for what to ask next;
- `states_fact`: the fact asked for is stated, and the reply does not also say the shop's data lacks it;
- `review_quote`: a quoted sentence that one of the shown products' reviews really says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

from bot.core.claims import NO_DATA
from bot.core.compose.products import local_name
from bot.core.reply import Language, Replacement, Reply, TextDelta
from retrieval.models import Product, Review
from retrieval.money import format_price

StreamEvent = TextDelta | Replacement

_MARKDOWN = re.compile(r"\*\*|__|^\s*#{1,6}\s|^\s*\|?\s*:?-{3,}|`", re.M)
_CUT = re.compile(r"[\w\u4e00-\u9fff]…\s*$|[\w\u4e00-\u9fff]\.\.\.\s*$", re.M)
_BEST_PICK: dict[Language, re.Pattern[str]] = {
    "en": re.compile(r"\b(?:my pick|best pick|i(?:'d| would) (?:go for|pick|recommend)|recommend)\b", re.I),
    "zh": re.compile(r"推荐|首选|最适合"),
}
_QUOTE = re.compile(r"[“\"]([^”\"]{6,})[”\"]")


def streamed(
    stream: Sequence[StreamEvent],
    reply: Reply,
    invented_prices: Callable[[str], set[float]],
    forbidden: Iterable[str],
) -> list[str]:
    """What was streamed agrees with the final reply and shows nothing the final text may not show
    (`invented_prices(text)`: the prices in a text that no product shown or cited has)."""
    problems: list[str] = []
    shown = ""
    seen: list[str] = []
    for event in stream:
        if isinstance(event, Replacement):
            if event.text.strip() != reply.text.strip():
                problems.append(f"a replacement that is not the final text: {event.text[:80]!r}")
            shown = event.text
        else:
            shown += event.text
        seen.append(shown)
    if shown.strip() and not reply.text.strip().startswith(shown.strip()):
        problems.append(f"streamed text is not a prefix of the final reply: {shown[:80]!r}")
    forbidden = [f.casefold() for f in forbidden]
    for text in seen:
        invented = sorted(invented_prices(text))
        if invented:
            problems.append(f"streamed an invented price {invented[0]:g}: {text[:80]!r}")
        problems += [f"streamed {phrase!r}: {text[:80]!r}" for phrase in forbidden if phrase in text.casefold()]
    return list(dict.fromkeys(problems))


def plain_text(reply: Reply) -> list[str]:
    """No raw Markdown, no sentence cut off with an ellipsis."""
    problems = []
    if markup := _MARKDOWN.search(reply.text):
        problems.append(f"raw Markdown {markup.group(0)!r} in {reply.text[:80]!r}")
    if cut := _CUT.search(reply.text):
        problems.append(f"a sentence cut off: {reply.text[max(0, cut.start() - 40) : cut.end()]!r}")
    return problems


def advice(reply: Reply, products: Mapping[str, Product | None]) -> list[str]:
    """A best pick with a reason from its facts, a line for every other product shown, a next question."""
    text, language = reply.text, reply.language
    known = [p for p in (products.get(card.sku) for card in reply.products) if p is not None]
    if not known:
        return ["no products to advise on"]
    problems = []
    pick = _BEST_PICK[language].search(text)
    if pick is None:
        problems.append("names no best pick")
    else:
        line = text[pick.start() :].split("\n", 1)[0]
        best = next((p for p in known if _names(line, p, language)), None)
        if best is None:
            problems.append(f"the pick names no product shown: {line[:80]!r}")
        elif not any(fact in line for fact in _facts(best)):
            problems.append(f"the pick gives no catalog fact of {best.sku} as its reason: {line[:80]!r}")
    unmentioned = [p.sku for p in known if not _names(text, p, language)]
    if unmentioned:
        problems.append(f"no line on {', '.join(unmentioned)}")
    if not text.rstrip().endswith(("?", "？")):
        problems.append("does not end with a question for what to ask next")
    return problems


def states_fact(wanted: Sequence[str], reply: Reply) -> list[str]:
    """The reply states one of `wanted`, and does not also say the shop's data lacks it."""
    text = unicodedata.normalize("NFKC", reply.text).casefold()
    problems = []
    if not any(unicodedata.normalize("NFKC", w).casefold() in text for w in wanted):
        problems.append(f"states none of {list(wanted)}: {reply.text[:100]!r}")
    if NO_DATA.search(text):
        problems.append(f"says the shop's data lacks what it also states: {reply.text[:100]!r}")
    return problems


def review_quote(reply: Reply, reviews: Mapping[str, Sequence[Review]]) -> list[str]:
    """A quoted sentence that a review of one of the shown products says word for word."""
    quotes = [q.strip() for q in _QUOTE.findall(reply.text)]
    texts = [review.text for items in reviews.values() for review in items]
    if not any(quote in text for quote in quotes for text in texts):
        return [f"quotes no review of the products shown: {quotes[:2] or reply.text[:80]!r}"]
    return []


def _names(text: str, product: Product, language: Language) -> bool:
    folded = text.casefold()
    return any(name.casefold() in folded for name in {product.title, local_name(product.title, language)})


def _facts(product: Product) -> list[str]:
    """How a reply can cite the product's catalog facts: its price, rating, attribute values, stock."""
    price = [] if product.price is None else [format_price(product.price, product.currency)]
    facts = [*price, *product.attributes.values()]
    if product.rating is not None:
        facts.append(f"{product.rating:g}")
    if product.stock is not None:
        facts.append(str(product.stock))
    return [fact for fact in facts if fact]
