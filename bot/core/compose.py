"""Deterministic answers in the customer's language, built from catalog facts only.

These are the replies that need no model (greeting, help, clarifying question, handoff, product
details, the evidence behind a card) and the templates the assistant falls back to when the model is
down, slow, or writes something the grounding check rejects. Every number in them is the catalog's.
The comparison table and the extractive review summary are built here too: they are facts, and the
model only adds words around them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from bot.core.dialog import Constraints
from bot.core.grounding import looks_like_instructions
from bot.core.reply import Evidence, Language
from retrieval.models import Policy, Product, Review
from retrieval.money import format_price as money

_SHORT_QUOTE = 70
_HAN = re.compile(r"[\u3400-\u9fff]")
# Chinese ways of asking about an attribute, mapped to the attribute names catalogs use.
_ASPECTS = {
    "续航": "battery",
    "电池": "battery",
    "电量": "battery",
    "重量": "weight",
    "多重": "weight",
    "多沉": "weight",
    "防水": "waterproof",
    "材质": "material",
    "面料": "material",
    "尺码": "size",
    "尺寸": "size",
    "多大": "size",
    "颜色": "color",
    "容量": "capacity",
    "功率": "power",
    "降噪": "anc",
    "保暖": "warmth",
}
_ASPECT_LABELS = {aspect: word for word, aspect in reversed(_ASPECTS.items())}
_QUESTION_WORDS = {
    "does",
    "the",
    "have",
    "has",
    "what",
    "how",
    "which",
    "this",
    "that",
    "with",
    "is",
    "are",
    "can",
    "will",
    "its",
    "it's",
    "long",
    "much",
    "many",
    "about",
    "there",
    "and",
    "for",
    "you",
    "your",
    "one",
}
_MAX_ATTRIBUTES = 5
_PROMPT_ATTRIBUTES = 3
_NOT_EVIDENCE = {"size", "fit"}  # long lists that explain no recommendation


def _t(language: Language, en: str, zh: str) -> str:
    return zh if language == "zh" else en


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_sentence(text: str, limit: int = _SHORT_QUOTE) -> str:
    sentence = re.split(r"(?<=[。！？!?])|(?<=[.;；])\s", text.strip(), maxsplit=1)[0]
    return _clip(sentence, limit)


# --- one product in words ------------------------------------------------------------------------


def stock_text(product: Product, language: Language) -> str:
    if not product.in_stock:
        return _t(language, "out of stock", "缺货")
    if product.stock is not None:
        return _t(language, f"{product.stock} in stock", f"库存 {product.stock} 件")
    return _t(language, "in stock", "有货")


def local_name(name: str, language: Language) -> str:
    """A bilingual name ('Li-Ning/李宁', '小米手环9 Xiaomi Smart Band 9') in the customer's language when
    it has a part in it: English replies keep the Latin part, Chinese replies the whole name."""
    if language == "zh":
        return name
    parts = [p.strip() for p in re.split(r"[/|]", name)]
    latin = [p for p in parts if p and not _HAN.search(p)]
    if latin:
        return latin[0]
    # "小米手环9 Xiaomi Smart Band 9" leaves a stray "9" in front of the Latin name.
    stripped = re.sub(r"^[^A-Za-z]+", "", re.sub(r"\s+", " ", _HAN.sub(" ", name))).strip(" -·,，")
    # The Latin part names the product only when it says more than a brand: "骆驼 CAMEL 全自动帐篷 3-4人"
    # would leave "CAMEL 3-4", so such names stay whole.
    return stripped if len(re.findall(r"[A-Za-z]{3,}", stripped)) >= 2 else name


def product_line(position: int, product: Product, language: Language) -> str:
    """'1. Title — ¥899 · 4.9★ · in stock'"""
    parts = [money(product.price, product.currency)]
    if product.rating is not None:
        parts.append(f"{product.rating:g}★")
    parts.append(stock_text(product, language))
    return f"{position}. {local_name(product.title, language)} — {' · '.join(parts)}"


def product_facts(product: Product) -> str:
    """The compact evidence line for one product: what a prompt and the "Why?" button show.

    Short on purpose: the embedded engine reads ~130 prompt tokens a second, and Chinese text costs
    SmolLM2's tokenizer several tokens a character.
    """
    parts = [product.title, f"price {money(product.price, product.currency)}"]
    if product.rating is not None:
        parts.append(f"rating {product.rating:g}/5")
    parts.append("in stock" if product.in_stock else "out of stock")
    attributes = [(k, v) for k, v in product.attributes.items() if k.casefold() not in _NOT_EVIDENCE]
    parts += [f"{key}: {value}" for key, value in attributes[:_PROMPT_ATTRIBUTES]]
    if product.description:
        parts.append(_clip(product.description, 60))
    return " | ".join(parts)


def constraints_text(constraints: Constraints, language: Language, currency: str = "CNY") -> str:
    """The hard requirements in words: 'under ¥500, not Nike, in stock' / '500元以内、不要Nike、有货'."""
    parts: list[str] = []
    currency = constraints.currency or currency
    low, high = constraints.price_min, constraints.price_max
    # Bounds derived from a shown product ("cheaper") are said as such: the number is not the customer's.
    if constraints.cheaper_than:
        parts.append(_t(language, f"cheaper than {constraints.cheaper_than}", f"比{constraints.cheaper_than}便宜"))
        high = None
    if constraints.pricier_than:
        parts.append(_t(language, f"pricier than {constraints.pricier_than}", f"比{constraints.pricier_than}贵"))
        low = None
    if low is not None and high is not None:
        parts.append(_t(language, f"{money(low, currency)}-{money(high, currency)}", f"{low:g}到{high:g}元"))
    elif high is not None:
        parts.append(_t(language, f"at most {money(high, currency)}", f"{high:g}元以内"))
    elif low is not None:
        parts.append(_t(language, f"at least {money(low, currency)}", f"{low:g}元以上"))
    brands = [local_name(b, language) for b in constraints.brands]
    excluded = [local_name(b, language) for b in constraints.exclude_brands]
    if brands:
        parts.append(_t(language, "brand " + " or ".join(brands), "品牌：" + "或".join(brands)))
    if excluded:
        parts.append(_t(language, "not " + ", ".join(excluded), "不要" + "、".join(excluded)))
    categories = [c for c in constraints.categories if bool(_HAN.search(c)) == (language == "zh")]
    if categories:
        parts.append(" / ".join(categories))
    if constraints.in_stock_only:
        parts.append(_t(language, "in stock", "有货"))
    if constraints.color:
        parts.append(_t(language, constraints.color, f"颜色：{constraints.color}"))
    return _t(language, ", ", "、").join(parts)


# --- recommendations -----------------------------------------------------------------------------


def recommendation(products: Sequence[Product], constraints: Constraints, language: Language) -> str:
    # The customer's own words are not echoed: a message is data, and may carry an injection attempt.
    wanted = constraints_text(constraints, language, products[0].currency if products else "CNY")
    if wanted:
        head = _t(language, f"Here is what I found for you ({wanted}):", f"为您找到以下商品（{wanted}）：")
    else:
        head = _t(language, "Here is what I found for you:", "为您找到以下商品：")
    lines = [product_line(i, p, language) for i, p in enumerate(products, 1)]
    tail = _t(
        language,
        "Tap a card for details, or tell me what to change (price, brand, colour).",
        "点商品卡片查看详情，或告诉我要调整什么（价格、品牌、颜色）。",
    )
    return "\n".join([head, *lines, tail])


def no_match(constraints: Constraints, alternatives: Sequence[Product], language: Language) -> str:
    wanted = constraints_text(constraints, language, alternatives[0].currency if alternatives else "CNY")
    if wanted:
        head = _t(
            language,
            f"Sorry, nothing in the shop matches all of your requirements ({wanted}).",
            f"抱歉，店里没有完全符合您要求（{wanted}）的商品。",
        )
    else:
        head = _t(language, "Sorry, nothing in the shop matches your request.", "抱歉，店里没有符合您要求的商品。")
    if not alternatives:
        return "\n".join(
            [head, _t(language, "Try another budget or a different kind of product.", "可以换个预算或换一类商品试试。")]
        )
    intro = _t(
        language,
        "The nearest alternatives (they do not meet all of your requirements):",
        "以下是最接近的替代选择（并不完全符合您的要求）：",
    )
    lines = [product_line(i, p, language) for i, p in enumerate(alternatives, 1)]
    return "\n".join([head, intro, *lines])


# --- comparison ----------------------------------------------------------------------------------


def comparison_table(
    products: Sequence[Product], reviews: dict[str, list[Review]], language: Language
) -> list[list[str]]:
    """Rows of a compact table, header first: price, brand, rating, stock, shared attributes, reviews."""
    header = [""] + [_clip(p.title, 28) for p in products]
    rows = [
        [_t(language, "Price", "价格"), *(money(p.price, p.currency) for p in products)],
        [_t(language, "Brand", "品牌"), *(p.brand or "-" for p in products)],
        [_t(language, "Rating", "评分"), *(f"{p.rating:g}/5" if p.rating is not None else "-" for p in products)],
        [_t(language, "Stock", "库存"), *(stock_text(p, language) for p in products)],
    ]
    keys: list[str] = []
    for product in products:
        for key in product.attributes:
            shared = sum(key in other.attributes for other in products) >= 2
            if shared and key not in keys:
                keys.append(key)
    for key in keys[:_MAX_ATTRIBUTES]:
        rows.append([key, *(_clip(p.attributes.get(key, "-"), 24) for p in products)])
    rows.append([_t(language, "Reviews", "评价"), *(review_counts(reviews.get(p.sku, []), language) for p in products)])
    return [header, *rows]


def table_text(table: list[list[str]]) -> str:
    return "\n".join(" | ".join(row) for row in table)


def comparison(products: Sequence[Product], summaries: dict[str, ReviewSummary], language: Language) -> str:
    head = _t(language, f"Comparing {len(products)} products:", f"对比 {len(products)} 件商品：")
    lines = [head]
    for i, product in enumerate(products, 1):
        line = product_line(i, product, language)
        summary = summaries.get(product.sku)
        if summary and summary.pros:
            line += _t(language, f" — buyers like: “{summary.pros[0]}”", f" —— 买家好评：“{summary.pros[0]}”")
        if summary and summary.cons:
            line += _t(language, f"; complaints: “{summary.cons[0]}”", f"；差评：“{summary.cons[0]}”")
        lines.append(line)
    cheapest = min(products, key=lambda p: p.price)
    lines.append(_t(language, f"Cheapest: {local_name(cheapest.title, language)}.", f"最便宜的是：{cheapest.title}。"))
    rated = [p for p in products if p.rating is not None]
    if rated:
        best = max(rated, key=lambda p: p.rating or 0)
        lines.append(
            _t(
                language,
                f"Best rated: {local_name(best.title, language)} ({best.rating:g}/5).",
                f"评分最高的是：{best.title}（{best.rating:g}/5）。",
            )
        )
    return "\n".join(lines)


def best_for_line(title: str, use: str, language: Language) -> str:
    """'• Title: who it suits [1]' under the model's comparison verdict."""
    return _t(language, f"• {title}: {use}", f"• {title}：{use}")


# --- reviews -------------------------------------------------------------------------------------


class ReviewSummary(BaseModel):
    """An extractive summary: counts by sentiment and short quotes from real reviews."""

    sku: str
    count: int
    average: float | None = None
    positive: int = 0
    negative: int = 0
    pros: list[str] = Field(default_factory=list)
    cons: list[str] = Field(default_factory=list)
    quoted: list[Review] = Field(default_factory=list, description="The reviews the quotes come from.")
    aspect: str = Field("", description="What the customer asked about, e.g. 'zipper'.")
    on_aspect: list[Review] = Field(default_factory=list, description="Reviews that speak to the aspect.")


def summarise_reviews(sku: str, reviews: Sequence[Review], language: Language, quotes: int = 2) -> ReviewSummary:
    """Ratings 4-5 count as positive, 1-2 as negative; quotes are the first sentence of the longest ones,
    in the customer's language when there are such reviews."""
    if not reviews:
        return ReviewSummary(sku=sku, count=0)
    good = sorted((r for r in reviews if r.rating >= 4), key=lambda r: (-r.rating, -len(r.text)))
    bad = sorted((r for r in reviews if r.rating <= 2), key=lambda r: (r.rating, -len(r.text)))

    def quotable(pool: list[Review]) -> list[Review]:
        # A review that addresses the assistant still counts, but is never quoted.
        safe = [r for r in pool if not looks_like_instructions(r.text)]
        return ([r for r in safe if _readable(r.text, language)] or safe)[:quotes]

    good_quotes, bad_quotes = quotable(good), quotable(bad)
    return ReviewSummary(
        sku=sku,
        count=len(reviews),
        average=round(sum(r.rating for r in reviews) / len(reviews), 1),
        positive=len(good),
        negative=len(bad),
        pros=[_first_sentence(r.text) for r in good_quotes],
        cons=[_first_sentence(r.text) for r in bad_quotes],
        quoted=[*good_quotes, *bad_quotes],
    )


def review_counts(reviews: Sequence[Review], language: Language) -> str:
    if not reviews:
        return _t(language, "no reviews", "暂无评价")
    good = sum(r.rating >= 4 for r in reviews)
    bad = sum(r.rating <= 2 for r in reviews)
    return _t(language, f"{len(reviews)} ({good} good, {bad} bad)", f"{len(reviews)} 条（好评 {good}，差评 {bad}）")


def summary_counts(summary: ReviewSummary, language: Language) -> str:
    """The figures of a summary in one line; also given to the model as a note it may quote."""
    if summary.count == 0:
        return _t(language, "no reviews yet", "暂无评价")
    return _t(
        language,
        f"{summary.count} reviews, average {summary.average:g}/5: {summary.positive} positive, {summary.negative} negative",
        f"共 {summary.count} 条评价，平均 {summary.average:g}/5：好评 {summary.positive} 条，差评 {summary.negative} 条",
    )


def reviews_heading(product: Product, summary: ReviewSummary, language: Language) -> str:
    """'What buyers say about X (3 reviews, average 4/5: ...):' — the line above pros and cons."""
    title = local_name(product.title, language)
    return _t(
        language,
        f"What buyers say about {title} ({summary_counts(summary, language)}):",
        f"{title} 的买家评价（{summary_counts(summary, language)}）：",
    )


def review_points(heading: str, pros: Sequence[str], cons: Sequence[str], language: Language) -> str:
    """The model's checked pros and cons under the computed heading."""
    lines = [heading]
    if pros:
        lines.append(_t(language, "Pros: ", "优点：") + _t(language, "; ", "；").join(pros))
    if cons:
        lines.append(_t(language, "Cons: ", "缺点：") + _t(language, "; ", "；").join(cons))
    return "\n".join(lines)


def reviews_answer(product: Product, summary: ReviewSummary, language: Language) -> str:
    title = local_name(product.title, language)
    if summary.count == 0:
        return _t(language, f"{title} has no reviews yet.", f"{title} 暂时还没有评价。")
    lines = [reviews_heading(product, summary, language)]
    if summary.pros:
        lines.append(_t(language, "Pros: ", "优点：") + " / ".join(f"“{q}”" for q in summary.pros))
    if summary.cons:
        lines.append(_t(language, "Cons: ", "缺点：") + " / ".join(f"“{q}”" for q in summary.cons))
    elif summary.pros:
        lines.append(_t(language, "No negative reviews so far.", "目前没有差评。"))
    if summary.aspect:
        mentions = [r for r in summary.on_aspect if summary.aspect.casefold() in r.text.casefold()] or summary.on_aspect
        if mentions:
            quotes = " / ".join(f"“{_first_sentence(r.text, 90)}” ({r.rating}/5)" for r in mentions[:2])
            lines.append(_t(language, f"On “{summary.aspect}”: {quotes}", f"关于“{summary.aspect}”：{quotes}"))
        else:
            lines.append(_t(language, f"No review mentions “{summary.aspect}”.", f"没有评价提到“{summary.aspect}”。"))
    return "\n".join(lines)


# --- product questions, details, policies ---------------------------------------------------------


def product_answer(product: Product, question: str, reviews: Sequence[Review], language: Language) -> tuple[str, bool]:
    """Catalog facts that bear on `question`; the flag is False when nothing in the catalog does."""
    latin = {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", question)} - _QUESTION_WORDS
    latin -= {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", f"{product.title} {product.brand or ''}")}
    words = latin | {aspect for word, aspect in _ASPECTS.items() if word in question}
    matched = [
        f"{_ASPECT_LABELS.get(key, key) if language == 'zh' else key}: {value}"
        for key, value in product.attributes.items()
        if any(w in key.casefold() or w in value.casefold() for w in words)
    ]
    sentences = [
        s for s in re.split(r"(?<=[。！？!?.])\s*", product.description) if s and any(w in s.casefold() for w in words)
    ]
    # Quotes and description sentences in another language would make the answer unreadable to the customer.
    sentences = [s for s in sentences if _readable(s, language)]
    quotes = [f"“{_first_sentence(r.text)}”" for r in reviews[:2] if _readable(r.text, language)]
    head = _t(
        language,
        f"About {local_name(product.title, language)} ({money(product.price, product.currency)}, {stock_text(product, language)}):",
        f"关于 {product.title}（{money(product.price, product.currency)}，{stock_text(product, language)}），商品资料中的相关信息如下：",
    )
    if matched or sentences:
        return "\n".join([head, *matched, *sentences[:2], *quotes]), True
    facts = [f"{key}: {value}" for key, value in list(product.attributes.items())[:_MAX_ATTRIBUTES]]
    unknown = _t(
        language,
        "The catalog does not say that exactly. What it does say:",
        "商品资料里没有直接说明这一点。已知信息如下：",
    )
    description = [_clip(product.description, 160)] if _readable(product.description, language) else []
    return "\n".join([head, unknown, *facts, *description, *quotes]).strip(), False


def _readable(text: str, language: Language) -> bool:
    return bool(_HAN.search(text)) == (language == "zh")


def currency_not_convertible(currency: str, base: str, language: Language) -> str:
    return _t(
        language,
        f"Prices in this shop are in {base}, and I can't convert {currency}. Could you give your budget in {base}?",
        f"本店以{base}标价，暂时无法换算{currency}。可以用{base}告诉我您的预算吗？",
    )


def not_sold(language: Language) -> str:
    return _t(
        language,
        "Sorry, the shop does not sell anything like that. Tell me what else you need and I'll look.",
        "抱歉，本店没有这类商品。您还需要什么？我帮您找找。",
    )


def details(product: Product, language: Language) -> str:
    lines = [product.title, f"{money(product.price, product.currency)} · {stock_text(product, language)}"]
    if product.brand:
        lines.append(_t(language, f"Brand: {product.brand}", f"品牌：{product.brand}"))
    if product.category:
        lines.append(_t(language, "Category: ", "类目：") + " > ".join(product.category))
    if product.rating is not None:
        lines.append(_t(language, f"Rating: {product.rating:g}/5", f"评分：{product.rating:g}/5"))
    lines += [f"{key}: {value}" for key, value in product.attributes.items()]
    if product.description:
        lines.append(product.description)
    return "\n".join(lines)


def policy_answer(policies: Sequence[Policy], language: Language) -> str:
    if not policies:
        return _t(
            language,
            "I could not find that in the shop's policies. I can pass you to a human colleague.",
            "店铺政策里没有找到相关说明，我可以为您转接人工客服。",
        )
    lines = [_t(language, "From the shop's policies:", "根据店铺政策：")]
    lines += [f"{p.title}: {_clip(p.text, 300)}" for p in policies]
    return "\n".join(lines)


def evidence_text(evidence: Sequence[Evidence], language: Language) -> str:
    """What the "Why?" button shows: each catalog field and quote a card rests on."""
    if not evidence:
        return _t(language, "This reply rested on no catalog facts.", "这条回复没有引用商品资料。")
    kinds = {
        "product": _t(language, "catalog", "商品资料"),
        "review": _t(language, "review", "买家评价"),
        "policy": _t(language, "policy", "店铺政策"),
    }
    return "\n".join(
        [_t(language, "Why this answer:", "依据：")] + [f"[{e.ref}] {kinds[e.kind]}: {e.text}" for e in evidence]
    )


# --- conversation ------------------------------------------------------------------------------


def greeting(language: Language) -> str:
    return _t(
        language,
        "Hello! I'm ShopGuide, the shop's assistant. Tell me what you are looking for, your budget and what it is for.",
        "您好！我是本店的导购助手 ShopGuide。告诉我您想买什么、预算多少、用在什么场合，我来帮您挑。",
    )


def help_text(language: Language) -> str:
    return _t(
        language,
        'I can find products ("waterproof jacket under 500"), narrow them down ("cheaper", "not this brand"), '
        'compare them ("compare the first two"), tell you what buyers say, and answer questions about shipping, '
        "returns and warranty. Ask for a human at any time.",
        "我可以帮您找商品（“500元以内的防水冲锋衣”）、继续筛选（“便宜点的”“不要这个牌子”）、对比商品（“对比前两个”）、"
        "总结买家评价，也能回答发货、退换、保修等问题。随时可以要求转人工。",
    )


def clarify(language: Language, kinds: Sequence[str] = ()) -> tuple[str, list[str]]:
    """One clarifying question; quick replies for the shop's main kinds of product, budget and use."""
    text = _t(
        language,
        "Happy to help! What are you shopping for, and roughly what budget and use do you have in mind?",
        "很乐意帮您挑选！您想买哪类商品？大概的预算和用途是什么？",
    )
    options = _t(
        language,
        "Under 300|300 to 1000|Over 1000|For outdoor sports|For everyday use",
        "300元以内|300到1000元|1000元以上|户外运动用|日常通勤用",
    ).split("|")
    return text, [*kinds, *options]


def out_of_scope(language: Language) -> str:
    return _t(
        language,
        "Sorry, I can only help with this shop: finding and comparing products, reviews, shipping, returns and warranty.",
        "抱歉，我只能帮您处理本店的事情：找商品、比较商品、看评价，以及发货、退换和保修等问题。",
    )


def handoff(language: Language) -> str:
    return _t(
        language,
        "I'm passing you to a human colleague; they will reply here as soon as they can.",
        "正在为您转接人工客服，请稍候，同事会尽快在这里回复您。",
    )


def need_products(language: Language) -> str:
    return _t(
        language,
        "Which products do you mean? Search for something first, or tap Compare on two product cards.",
        "您指的是哪些商品？请先搜索商品，或在两张商品卡片上点“对比”。",
    )


def compare_added(count: int, language: Language) -> str:
    return _t(
        language,
        f"Added to the comparison ({count}). Tap Compare on one more product to see them side by side.",
        f"已加入对比（{count} 件）。再在一件商品上点“对比”即可并排比较。",
    )


def compare_request(language: Language) -> str:
    """The request a Compare button stands for, as the customer would write it."""
    return _t(language, "Compare these products for me.", "帮我对比一下这些商品。")


def buy(product: Product, language: Language) -> str:
    title = local_name(product.title, language)
    if product.url:
        return _t(
            language,
            f"{title}: {money(product.price, product.currency)}. Buy it here: {product.url}",
            f"{title}：{money(product.price, product.currency)}。购买链接：{product.url}",
        )
    return _t(
        language,
        f"{title} has no online link; ask a human colleague to order it.",
        f"{title} 没有在线购买链接，可以联系人工客服下单。",
    )


def feedback_ack(liked: bool, language: Language) -> str:
    if liked:
        return _t(language, "Thanks for the feedback!", "感谢您的反馈！")
    return _t(
        language,
        "Thanks, noted. Tell me what to change and I'll look again.",
        "收到，谢谢！告诉我哪里不合适，我再帮您找找。",
    )


def similar_intro(product: Product, language: Language) -> str:
    return _t(language, f"Similar to {local_name(product.title, language)}:", f"与 {product.title} 相似的商品：")


def unknown_product(language: Language) -> str:
    return _t(language, "That product is no longer in the catalog.", "该商品已不在商品目录中。")


def expired(language: Language) -> str:
    return _t(
        language,
        "That answer is too old to explain; ask again and I'll show the evidence.",
        "这条回复已过期，请重新提问，我会给出依据。",
    )
