"""Structured answers against a scripted LLM server: comparisons and review summaries are asked for as JSON
with the task's schema when `structured_output` is on (plain text when off), every field is checked, and an
answer with invented facts, refs to evidence that does not exist, or broken JSON gives way to the template."""

from __future__ import annotations

import json
import re

import pytest

from tests.assistant.conftest import press, say

VERDICT = (
    "The Northpeak Alpine Shell is more waterproof with a 10000mm rating, while the Columbia Trail Lite costs ¥299."
)


def ref_of(request: dict, needle: str) -> int:
    """The evidence number the prompt gave the piece of evidence containing `needle` (in the user message)."""
    data = request["messages"][-1]["content"]
    found = re.search(rf"^\[(\d+)\][^\n]*{re.escape(needle)}", data, re.M)
    assert found is not None, f"no evidence with {needle!r} in the prompt"
    return int(found.group(1))


def structured(answer):
    """A model that answers JSON requests with `answer(request)` and plain requests with a grounded sentence."""

    def handler(request: dict) -> str:
        if "response_format" not in request:
            return "The Columbia Trail Lite Jacket is the cheaper one at ¥299 [2]."
        built = answer(request)
        return built if isinstance(built, str) else json.dumps(built)

    return handler


def comparison(
    request: dict, *, verdict: str = VERDICT, cheap_use: str = "Day hikes on a budget", cheap_ref: int | None = None
) -> dict:
    shell, trail = ref_of(request, "Northpeak Alpine Shell"), ref_of(request, "Columbia Trail Lite")
    return {
        "verdict": verdict,
        "best_for": [
            {"ref": shell, "use": "Hikers who face heavy rain"},
            {"ref": cheap_ref or trail, "use": cheap_use},
        ],
    }


async def compare_two(assistant, user):
    await press(assistant, user, "compare", "JK-100")
    return await press(assistant, user, "compare", "JK-300")


async def test_a_comparison_asks_for_its_schema_and_shows_the_checked_answer(open_assistant, user, state):
    async with open_assistant(structured(comparison)) as assistant:
        turn = await compare_two(assistant, user)
        request = assistant.server.requests[-1]

    schema = request["response_format"]["json_schema"]
    assert request["response_format"]["type"] == "json_schema" and schema["name"] == "ComparisonAnswer"
    assert set(schema["schema"]["properties"]) == {"verdict", "best_for"} and not request.get("stream")
    reply = turn.reply
    assert not reply.fallback and reply.comparison and set(turn.skus) == {"JK-100", "JK-300"}
    shell, trail = (ref_of(request, name) for name in ("Northpeak Alpine Shell", "Columbia Trail Lite"))
    assert reply.text.splitlines() == [
        VERDICT,
        f"• Northpeak Alpine Shell Waterproof Jacket: Hikers who face heavy rain [{shell}]",
        f"• Columbia Trail Lite Jacket: Day hikes on a budget [{trail}]",
    ]
    assert not await state.events("fallback")


async def test_a_review_summary_keeps_the_points_its_reviews_back(open_assistant, user):
    def summary(request: dict) -> dict:
        dry, small = ref_of(request, "Stayed dry"), ref_of(request, "Runs small")
        product = ref_of(request, "Northpeak Alpine Shell")
        return {
            "pros": [
                {"point": "Keeps you dry in heavy rain", "refs": [dry]},
                {"point": "Ships free today", "refs": [dry]},
            ],
            "cons": [{"point": "Runs small", "refs": [small]}, {"point": "Great hood", "refs": [product]}],
        }

    async with open_assistant(structured(summary)) as assistant:
        await say(assistant, user, "waterproof jacket under 600")
        turn = await say(assistant, user, "what do people say about the Northpeak one?")
        request = assistant.server.requests[-1]

    reply = turn.reply
    assert request["response_format"]["json_schema"]["name"] == "ReviewsAnswer"
    assert reply.intent == "reviews" and not reply.fallback and turn.deltas == ""
    dry, small = ref_of(request, "Stayed dry"), ref_of(request, "Runs small")
    # An invented promise and a "review" point citing the product's own facts are dropped; the counts are computed.
    assert reply.text.splitlines() == [
        "What buyers say about Northpeak Alpine Shell Waterproof Jacket (3 reviews, average 4/5: 2 positive, 1 negative):",
        f"Pros: Keeps you dry in heavy rain [{dry}]",
        f"Cons: Runs small [{small}]",
    ]


@pytest.mark.parametrize(
    ("answer", "event"),
    [
        pytest.param(
            lambda r: comparison(r, verdict="The Columbia costs only ¥199.", cheap_use="Everyone, it is ¥99 today"),
            None,
            id="invented-prices",
        ),
        pytest.param(
            lambda r: comparison(r, verdict="Both jackets [9] are good.", cheap_ref=99), None, id="refs-to-no-evidence"
        ),
        pytest.param(lambda r: 'Sure! {"verdict": "The Northpeak', "llm_error", id="malformed-json"),
        pytest.param(lambda r: {"verdict": VERDICT}, "llm_error", id="schema-mismatch"),
    ],
)
async def test_a_bad_structured_answer_gives_way_to_the_template(open_assistant, user, state, answer, event):
    async with open_assistant(structured(answer)) as assistant:
        turn = await compare_two(assistant, user)

    reply = turn.reply
    assert reply.fallback and reply.text.startswith("Comparing 2 products:") and reply.comparison
    assert "¥199" not in reply.text and "¥99 " not in reply.text and "[9" not in reply.text
    assert [e.data["task"] for e in await state.events("fallback")] == ["compare"]
    assert len(await state.events("llm_error")) == (1 if event else 0)


async def test_with_structured_output_off_the_plain_text_path_answers(open_assistant, user):
    async with open_assistant(structured(comparison), structured_output=False) as assistant:
        turn = await compare_two(assistant, user)
        request = assistant.server.requests[-1]

    assert "response_format" not in request and "json_schema" not in request and request["stream"]
    assert "JSON" not in request["messages"][0]["content"]
    reply = turn.reply
    assert not reply.fallback and reply.text == "The Columbia Trail Lite Jacket is the cheaper one at ¥299 [2]."
    assert turn.deltas.strip() == reply.text
