"""Understanding one message against the dialog so far, in Chinese and English (pure, no I/O)."""

from __future__ import annotations

import pytest

from bot.core.dialog import DialogState
from bot.core.language import detect_language
from bot.core.understand import review_aspect, understand
from retrieval.models import Product
from retrieval.query import Vocabulary

VOCABULARY = Vocabulary(
    brands=["Nike/耐克", "Sony/索尼", "Bose"], categories=["冲锋衣", "Jackets", "Headphones", "耳机", "跑步鞋"]
)
SHOWN = [
    Product(merchant_id="m", sku="A", title="Nike Storm Jacket", price=300, brand="Nike/耐克", category=["Jackets"]),
    Product(merchant_id="m", sku="B", title="Sony WH-1000XM5", price=2499, brand="Sony/索尼", category=["Headphones"]),
    Product(merchant_id="m", sku="C", title="Bose QC45", price=1999, brand="Bose", category=["Headphones"]),
]


def after_search(**changes) -> DialogState:
    return DialogState(shown=[p.sku for p in SHOWN], **changes)


@pytest.mark.parametrize(
    ("text", "intent", "references"),
    [
        ("hi", "greeting", []),
        ("你好", "greeting", []),
        ("I want to talk to a human", "handoff", []),
        ("转人工", "handoff", []),
        ("人工客服几点上班？", "policy", []),
        ("what's your return policy", "policy", []),
        ("运费怎么算", "policy", []),
        ("tell me a joke", "out_of_scope", []),
        ("推荐一下", "clarify", []),
        ("I need a gift for my dad", "clarify", []),
        ("the second one", "reference", ["B"]),
        ("第二个", "reference", ["B"]),
        ("tell me more about the third", "reference", ["C"]),
        ("第二个防水吗", "product_question", ["B"]),
        ("is it waterproof?", "product_question", ["A"]),
        ("compare the first two", "compare", ["A", "B"]),
        ("对比前两个", "compare", ["A", "B"]),
        ("what do people say about the second one", "reviews", ["B"]),
        ("这个评价怎么样", "reviews", ["A"]),
        ("cheaper", "refine", []),
        ("便宜点的", "refine", []),
        ("red instead", "refine", []),
        ("有红色的吗？", "refine", []),
        ("不要这个牌子", "refine", ["A"]),
        ("under 300", "refine", []),
        ("有货的", "refine", []),
        ("waterproof ones", "refine", []),
        ("跑步鞋", "search", []),
        ("noise cancelling headphones", "search", []),
    ],
)
def test_intent_and_references(text, intent, references):
    understood = understand(text, after_search(), SHOWN, VOCABULARY)
    assert (understood.intent, understood.references) == (intent, references)
    assert understood.language == detect_language(text)


def test_cheaper_is_below_the_cheapest_shown_or_the_one_looked_at():
    assert understand("cheaper", after_search(), SHOWN, VOCABULARY).constraints.price_max == 299.99
    looked_at = understand("便宜点的", after_search(focus=["C"]), SHOWN, VOCABULARY).constraints
    assert looked_at.price_max == 1998.99 and looked_at.cheaper_than == "Bose QC45"


def test_not_this_brand_excludes_the_brand_looked_at_and_keeps_other_constraints():
    state = after_search(focus=["B"])
    state.constraints.price_max = 3000
    refined = understand("不要这个牌子", state, SHOWN, VOCABULARY).constraints
    assert refined.exclude_brands == ["Sony/索尼"] and refined.price_max == 3000


def test_a_new_price_bound_replaces_the_old_one_and_exclusions_add_up():
    state = after_search()
    state.constraints.price_max, state.constraints.exclude_brands = 500, ["Bose"]
    refined = understand("不要耐克，300以内", state, SHOWN, VOCABULARY).constraints
    assert refined.price_max == 300 and refined.exclude_brands == ["Bose", "Nike/耐克"]


def test_a_new_kind_of_product_is_a_new_search_with_fresh_constraints():
    state = after_search()
    state.constraints.exclude_brands = ["Bose"]
    understood = understand("防水冲锋衣，500元以内", state, SHOWN, VOCABULARY)
    assert understood.intent == "search"
    # The kind of product ranks (it stays in the query); only "只要冲锋衣" would make it a filter.
    assert "冲锋衣" in understood.constraints.query and understood.constraints.categories == []
    assert understood.constraints.exclude_brands == []


def test_references_with_nothing_shown_resolve_to_nothing():
    # An ordinal with nothing on screen has nothing to act on: the assistant asks what the customer wants.
    understood = understand("the second one", DialogState(), [], VOCABULARY)
    assert understood.intent == "clarify" and understood.references == []


def test_after_a_clarifying_question_a_budget_alone_starts_the_search():
    state = DialogState(last_intent="clarify")
    assert understand("300元以内", state, [], VOCABULARY).intent == "search"


def test_a_question_naming_a_model_is_a_product_question_but_do_you_have_is_a_search():
    assert understand("索尼WH-1000XM5续航多久？", DialogState(), [], VOCABULARY).intent == "product_question"
    assert understand("Do you have the iPhone 15?", DialogState(), [], VOCABULARY).intent == "search"


def test_review_aspect():
    assert review_aspect("what do buyers say about the zipper?") == "zipper"
    assert review_aspect("买家怎么评价拉链？") == "拉链"
    assert review_aspect("what do people say about the second one") == ""


def test_stored_state_of_another_version_starts_fresh():
    assert DialogState.load({"version": 999, "shown": ["A"]}) == DialogState()
    state = after_search(language="zh")
    assert DialogState.load(state.model_dump(mode="json")) == state
