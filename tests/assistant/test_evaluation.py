"""The conversation suite's file format and checks, on hand-made replies against a tiny catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.reply import Evidence, ProductCard, Replacement, Reply, TextDelta
from bot.evaluation.conversations import (
    CatalogView,
    CheckRate,
    Conversation,
    Played,
    ScriptedTurn,
    SuiteFileError,
    SuiteResult,
    check_turn,
    compare_suites,
    conversations_for_prompt,
    default_suite_path,
    load_conversations,
    prices_in,
)
from retrieval.models import Product, Review

CATALOG = {
    "J1": Product(
        merchant_id="demo", sku="J1", title="Trail shell", price=399, brand="Peak", category=["outdoor", "jackets"]
    ),
    "J2": Product(
        merchant_id="demo", sku="J2", title="Storm shell", price=899, brand="Nike", category=["outdoor", "jackets"]
    ),
    "J3": Product(
        merchant_id="demo",
        sku="J3",
        title="Old shell",
        price=199,
        brand="Peak",
        category=["outdoor", "jackets"],
        in_stock=False,
    ),
}


REVIEWS = [
    Review(merchant_id="demo", sku="J1", review_id="r1", rating=5, text="Kept me dry all day. Great hood."),
    Review(merchant_id="demo", sku="J2", review_id="r2", rating=2, text="The zip broke in a week."),
]


class TinyShop:
    def __init__(self, merchant_id: str) -> None:
        self.merchant_id = merchant_id

    async def product(self, sku: str) -> Product | None:
        return CATALOG.get(sku) if self.merchant_id == "demo" else None

    async def reviews(self, sku: str) -> list[Review]:
        return [r for r in REVIEWS if r.sku == sku] if self.merchant_id == "demo" else []


class TinyCatalog:
    async def merchant(self, merchant_id: str) -> TinyShop:
        return TinyShop(merchant_id)


def card(sku: str, *, price: float | None = None, label: str | None = None) -> ProductCard:
    product = CATALOG[sku]
    return ProductCard(
        merchant_id="demo",
        sku=sku,
        title=product.title,
        price=product.price if price is None else price,
        currency="CNY",
        in_stock=product.in_stock,
        label=label,
    )


def reply(text: str, *cards: ProductCard, language: str = "en", **fields) -> Reply:
    return Reply(
        turn_id="t", language=language, intent=fields.pop("intent", "search"), text=text, products=list(cards), **fields
    )


async def checks(
    reply_: Reply | None,
    user: str = "a rain jacket",
    *,
    said: list[str] | None = None,
    stream: list[TextDelta | Replacement] | None = None,
    forbidden: tuple[str, ...] = (),
    **expect,
) -> dict[str, str | None]:
    """{check: None if passed else its detail}."""
    scripted = ScriptedTurn(user=user, expect=expect)
    conversation = Conversation(id="c", lang="en", turns=[scripted])
    played = Played(reply=reply_, error="boom", stream=stream or [])
    outcomes = await check_turn(
        played, scripted, conversation, CatalogView(TinyCatalog(), "demo"), said or [user], forbidden
    )
    return {o.check: None if o.passed else o.detail for o in outcomes}


def failed(detail: str | None) -> str:
    """The detail of a check that must have failed."""
    assert detail is not None, "the check passed"
    return detail


def write_suite(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "suite.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "a", "lang": "en", "turns": [{"user": "hi", "expect": {"intent": "greeting"}}]})


def test_load_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    second = json.dumps({"id": "b", "lang": "zh", "merchant": "acme", "turns": [{"user": "你好"}, {"user": "便宜点"}]})
    loaded = load_conversations(write_suite(tmp_path, "# a comment", GOOD, "", second))
    assert [(c.id, c.merchant, len(c.turns)) for c in loaded] == [("a", "demo", 1), ("b", "acme", 2)]
    assert loaded[0].turns[0].expect.intent == "greeting"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", ":1: "),
        (json.dumps({"id": "x", "lang": "en", "turns": [{"user": "hi", "expect": {"max_pric": 5}}]}), "max_pric"),
        (json.dumps({"id": "x", "lang": "en", "turns": [{"user": "hi", "expect": {"intent": "chitchat"}}]}), "intent"),
        (json.dumps({"id": "x", "lang": "fr", "turns": [{"user": "salut"}]}), "lang"),
        (json.dumps({"id": "x", "lang": "en", "turns": []}), "turns"),
    ],
)
def test_bad_lines_name_the_line_and_the_field(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(SuiteFileError, match=message):
        load_conversations(write_suite(tmp_path, line))


def test_duplicate_ids_empty_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SuiteFileError, match="already used on line 1"):
        load_conversations(write_suite(tmp_path, GOOD, GOOD))
    with pytest.raises(SuiteFileError, match="no conversations"):
        load_conversations(write_suite(tmp_path, "# nothing"))
    with pytest.raises(SuiteFileError, match="cannot read"):
        load_conversations(tmp_path / "missing.jsonl")


def test_packaged_suite_parses_when_present() -> None:
    path = default_suite_path()
    conversations = load_conversations(path)
    assert len(conversations) >= 60
    assert {c.lang for c in conversations} == {"zh", "en"}


def test_prices_in_text() -> None:
    assert prices_in("Trail shell ¥399, Storm 899元, or $49.99 and 1,299 CNY; size 42, 3 colours") == {
        399,
        899,
        49.99,
        1299,
    }


async def test_a_faithful_reply_passes_everything() -> None:
    got = await checks(
        reply("The Trail shell costs ¥399.", card("J1"), quick_replies=["cheaper?"]),
        max_price=500,
        brand="peak",
        brand_not=["Nike"],
        category="jackets",
        in_stock=True,
        skus_include=["J1"],
        min_products=1,
        max_products=3,
        quick_replies=True,
        intent="search",
        text_contains_any=["trail"],
        text_not_contains=["free"],
    )
    assert got == dict.fromkeys(got) and "grounded" in got and "language" in got and len(got) == 17
    assert {"streamed", "plain_text"} <= set(got)  # the rubric's checks of every turn


@pytest.mark.parametrize(
    ("the_reply", "detail"),
    [
        (reply("Only ¥99 today!", card("J1")), "match no product shown or cited: 99"),
        (reply("A great jacket.", card("J1", price=99)), "J1 says 99, the catalog 399"),
        (
            reply(
                "A great jacket.",
                ProductCard(merchant_id="demo", sku="ZZ", title="x", price=1, currency="CNY", in_stock=True),
            ),
            "ZZ is not in the catalog",
        ),
        (
            reply(
                "See [1].",
                evidence=[Evidence(ref=1, kind="product", merchant_id="demo", sku="QQ", source_id="QQ", text="x")],
            ),
            "cites QQ",
        ),
    ],
)
async def test_grounded_catches_invented_products_and_prices(the_reply: Reply, detail: str) -> None:
    assert detail in failed((await checks(the_reply))["grounded"])


async def test_grounded_allows_the_customers_budget_and_policy_figures() -> None:
    policy = Evidence(ref=1, kind="policy", merchant_id="demo", source_id="ship", text="Free shipping over 99 yuan")
    the_reply = reply(
        "Nothing under 150 yuan; shipping is free over ¥99.", card("J3", label="nearest alternative"), evidence=[policy]
    )
    assert (await checks(the_reply, "jacket under 150 yuan"))["grounded"] is None


async def test_filter_checks_fail_on_matches_but_spare_labelled_alternatives() -> None:
    the_reply = reply("Here.", card("J2"), card("J3", label="nearest alternative"))
    got = await checks(the_reply, max_price=500, brand="Peak", brand_not=["nike"], in_stock=True, no_match=True)
    assert got["max_price"] == "J2 costs 899"
    assert got["brand"] == "J2 is brand Nike"
    assert "J2 is brand Nike" in failed(got["brand_not"])
    assert got["in_stock"] is None  # J3 is out of stock but labelled as an alternative
    assert "J2" in failed(got["no_match"])


async def test_structure_checks_fail_when_the_reply_breaks_them() -> None:
    got = await checks(
        reply("我们有两件。", card("J1"), intent="compare"),
        "compare the first two",
        min_products=2,
        skus_include=["J2"],
        comparison=True,
        handoff=True,
        quick_replies=True,
        intent="search",
        text_contains_any=["storm"],
        text_not_contains=["两件"],
        category="shoes",
    )
    assert {name for name, detail in got.items() if detail} == {
        "language",
        "min_products",
        "skus_include",
        "comparison",
        "handoff",
        "quick_replies",
        "intent",
        "text_contains_any",
        "text_not_contains",
        "category",
    }
    assert got["skus_include"] == "missing J2 (shown: J1)"


async def test_language_follows_the_customers_message() -> None:
    assert (await checks(reply("Here you go.", language="en"), "防水夹克"))[
        "language"
    ] == "reply marked en, expected zh"
    assert failed((await checks(reply("Here you go.", language="zh"), "防水夹克"))["language"]).startswith(
        "reply text is not in zh"
    )
    assert (await checks(reply("给您推荐这件。", language="zh"), "防水夹克"))["language"] is None


async def test_chinese_product_names_in_an_english_reply_are_not_its_language() -> None:
    named = card("J1").model_copy(update={"title": "李宁 赤兔7 跑鞋 男 轻量"})
    english = reply("Here is what I found:\n1. 李宁 赤兔7 跑鞋 男 轻量 — ¥399", named)
    chinese = reply("为您找到以下商品，都很轻便：\n1. 李宁 赤兔7 跑鞋 男 轻量 — ¥399", named)
    assert (await checks(english, "light running shoes"))["language"] is None
    assert failed((await checks(chinese, "light running shoes"))["language"]).startswith("reply text is not in en")


async def test_a_turn_without_reply_fails_completed_only() -> None:
    assert await checks(None, intent="search") == {"completed": "boom"}


def suite(rates: dict[str, tuple[int, int]], passed: int, fallbacks: int = 0) -> SuiteResult:
    checks_ = {name: CheckRate(passed=p, total=t) for name, (p, t) in rates.items()}
    return SuiteResult(
        conversations=10,
        conversations_passed=passed,
        turns=20,
        turns_passed=passed * 2,
        checks=checks_,
        failures=[],
        fallbacks=fallbacks,
    )


def test_compare_suites_gate() -> None:
    active = suite({"grounded": (18, 20), "language": (20, 20)}, passed=8)
    assert compare_suites(suite({"grounded": (18, 20), "language": (20, 20)}, passed=8), active)
    assert compare_suites(suite({"grounded": (20, 20), "language": (20, 20)}, passed=9), active)
    assert not compare_suites(suite({"grounded": (20, 20), "language": (20, 20)}, passed=7), active)
    assert not compare_suites(suite({"grounded": (20, 20), "language": (19, 20)}, passed=9), active)
    assert not compare_suites(suite({"grounded": (20, 20)}, passed=9), active)


def test_a_draft_whose_model_text_is_thrown_away_more_often_is_worse() -> None:
    active = suite({"grounded": (20, 20)}, passed=10, fallbacks=2)
    assert compare_suites(suite({"grounded": (20, 20)}, passed=10, fallbacks=2), active)
    assert not compare_suites(suite({"grounded": (20, 20)}, passed=10, fallbacks=3), active)


def test_conversations_for_prompt_pick_language_and_task() -> None:
    def conversation(id_: str, lang: str, *intents: str) -> Conversation:
        return Conversation(id=id_, lang=lang, turns=[ScriptedTurn(user="x", expect={"intent": i}) for i in intents])

    suite_ = [
        conversation("a", "zh", "search", "refine"),
        conversation("b", "en", "search"),
        conversation("c", "zh", "policy"),
    ]
    assert [c.id for c in conversations_for_prompt(suite_, "recommend.zh")] == ["a"]
    assert [c.id for c in conversations_for_prompt(suite_, "policy.zh")] == ["c"]
    assert [c.id for c in conversations_for_prompt(suite_, "greeting.zh")] == ["a", "c"]
