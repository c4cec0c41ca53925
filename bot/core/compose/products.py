"""One product in words: stock, its name in the customer's language, a list line, the evidence line a prompt
shows, the details card, the buy link and the heading of similar products. A held description
(`bot.core.held`) is never part of any of them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core import held
from bot.core.compose.text import HAN, plain, price_text, whole_sentences
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product
from retrieval.screening import private_url

_PROMPT_ATTRIBUTES = 3
_PROMPT_DESCRIPTION = 120  # characters of whole sentences; a longer first sentence is left out, never cut
_NOT_EVIDENCE = {"size", "fit"}  # long lists that explain no recommendation


def stock_text(product: Product, language: Language) -> str:
    if not product.in_stock:
        return t("stock_out", language)
    if product.stock is not None:
        return t("stock_count", language, count=product.stock)
    return t("stock_in", language)


def local_name(name: str, language: Language) -> str:
    """A bilingual name ('Li-Ning/李宁', '小米手环9 Xiaomi Smart Band 9') in the customer's language when
    it has a part in it: English replies keep the Latin part, Chinese replies the whole name."""
    if language == "zh":
        return name
    parts = [p.strip() for p in re.split(r"[/|]", name)]
    latin = [p for p in parts if p and not HAN.search(p)]
    if latin:
        return latin[0]
    # "小米手环9 Xiaomi Smart Band 9" leaves a stray "9" in front of the Latin name.
    stripped = re.sub(r"^[^A-Za-z]+", "", re.sub(r"\s+", " ", HAN.sub(" ", name))).strip(" -·,，")
    # The Latin part names the product only when it says more than a brand: "骆驼 CAMEL 全自动帐篷 3-4人"
    # would leave "CAMEL 3-4", so such names stay whole.
    return stripped if len(re.findall(r"[A-Za-z]{3,}", stripped)) >= 2 else name


def product_line(position: int, product: Product, language: Language) -> str:
    """'1. Title — ¥899 · 4.9★ · in stock'"""
    parts = [price_text(product.price, product.currency, language)]
    if product.rating is not None:
        parts.append(f"{product.rating:g}★")
    parts.append(stock_text(product, language))
    return f"{position}. {local_name(product.title, language)} — {' · '.join(parts)}"


def product_lines(products: Sequence[Product], language: Language) -> list[str]:
    """The numbered list lines of `products`, from 1."""
    return [product_line(i, p, language) for i, p in enumerate(products, 1)]


def product_facts(product: Product) -> str:
    """The compact evidence line for one product: what a prompt and the "Why?" button show.

    Short on purpose: the embedded engine reads ~130 prompt tokens a second, and Chinese text costs
    SmolLM2's tokenizer several tokens a character. English only: it is the prompt's evidence, not a reply.
    """
    parts = [product.title, f"price {price_text(product.price, product.currency, 'en')}"]
    if product.rating is not None:
        parts.append(f"rating {product.rating:g}/5")
    parts.append("in stock" if product.in_stock else "out of stock")
    attributes = [(k, v) for k, v in product.attributes.items() if k.casefold() not in _NOT_EVIDENCE]
    parts += [f"{key}: {value}" for key, value in attributes[:_PROMPT_ATTRIBUTES]]
    summary = whole_sentences(plain(held.description(product)), _PROMPT_DESCRIPTION)
    if summary:
        parts.append(summary)
    return " | ".join(parts)


def details(product: Product, language: Language) -> str:
    lines = [
        product.title,
        f"{price_text(product.price, product.currency, language)} · {stock_text(product, language)}",
    ]
    if product.brand:
        lines.append(t("detail_brand", language, brand=product.brand))
    if product.category:
        lines.append(t("detail_category", language, path=" > ".join(product.category)))
    if product.rating is not None:
        lines.append(t("detail_rating", language, rating=product.rating))
    lines += [f"{key}: {value}" for key, value in product.attributes.items()]
    description = plain(held.description(product))
    if description:
        lines.append(description)
    return "\n".join(lines)


def buy(product: Product, language: Language) -> str:
    title = local_name(product.title, language)
    url = public_url(product.url)
    if url:
        return t(
            "buy_link", language, title=title, price=price_text(product.price, product.currency, language), url=url
        )
    return t("buy_no_link", language, title=title)


def public_url(url: str | None) -> str | None:
    """`url`, unless it points at a private, loopback or link-local address (never passed on to a customer)."""
    return url if url and not private_url(url) else None


def similar_intro(product: Product, language: Language) -> str:
    return t("similar_to", language, title=local_name(product.title, language))
