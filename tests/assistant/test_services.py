"""open_services: the wiring against a scripted LLM, sampling overrides, and retrieval-only fallbacks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.core.reply import FinalReply, ProductsShown, Reply, UserRef
from bot.evaluation.conversations import gate_prompt_draft, load_conversations, run_suite
from bot.services import LLM_OVERRIDE_SECTION, Services, open_services
from bot.settings import Settings
from bot.state.store import StateStore
from serving.config import LLMConfig, LocalEngineConfig
from serving.llm import LLMClient
from tests.assistant.conftest import price_of
from tests.assistant.shop_data import tiny_shop_data_dir
from tests.support.llm_server import ScriptedLLMServer

SHOPPER = UserRef(user_id="cli:tester", merchant_id="demo")


@pytest.fixture(scope="module")
async def shop_dir(embedder, tmp_path_factory) -> Path:
    return await tiny_shop_data_dir(embedder, tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="module")
async def llm_server():
    async with ScriptedLLMServer(lambda request: "The Peak Trail Rain Jacket keeps you dry.") as server:
        yield server


@pytest.fixture
def start(embedder):
    """open_services with the session's embedder (loading one per test would cost seconds each)."""
    return lambda settings, **options: open_services(settings, embedder=embedder, **options)


def settings_for(data_dir: Path, **changes) -> Settings:
    return Settings(data_dir=data_dir, **changes)


async def final_reply(services: Services, text: str, user: UserRef = SHOPPER) -> tuple[list, Reply]:
    events = [event async for event in services.assistant.turn(user, text)]
    assert isinstance(events[-1], FinalReply)
    return events, events[-1].reply


async def test_configured_endpoint_is_used(start, shop_dir: Path, llm_server: ScriptedLLMServer) -> None:
    before = len(llm_server.requests)
    async with start(settings_for(shop_dir, llm=LLMConfig(base_url=llm_server.base_url))) as services:
        assert services.llm is not None and services.llm_config.base_url == llm_server.base_url
        events, reply = await final_reply(services, "rain jacket under 500")
    assert isinstance(events[0], ProductsShown)
    assert reply.products and all(price_of(card) <= 500 for card in reply.products)
    assert len(llm_server.requests) > before


async def test_sampling_overrides_apply_at_start_and_when_changed(
    start, shop_dir: Path, llm_server: ScriptedLLMServer
) -> None:
    state = await StateStore.open(shop_dir / "state.sqlite3")
    await state.set_override(LLM_OVERRIDE_SECTION, "temperature", 0.9, by="tg:1")
    await state.close()
    settings = settings_for(shop_dir, llm=LLMConfig(base_url=llm_server.base_url, top_p=0.9))
    try:
        async with start(settings) as services:
            assert services.llm_config.temperature == 0.9
            old_client = services.llm
            applied = await services.set_llm_override("top_p", 0.5, by="tg:1")
            assert applied.top_p == 0.5 and services.llm is not old_client
            await final_reply(services, "rain jacket")
            assert llm_server.requests[-1]["top_p"] == 0.5

            with pytest.raises(ValueError, match="top_p"):
                await services.set_llm_override("top_p", 7, by="tg:1")
            with pytest.raises(ValueError, match="cannot be changed at run time"):
                await services.set_llm_override("base_url", "http://elsewhere", by="tg:1")
            assert await services.state.get_overrides(LLM_OVERRIDE_SECTION) == {"temperature": 0.9, "top_p": 0.5}
            assert services.llm_config.top_p == 0.5

            restored = await services.set_llm_override("top_p", None, by="tg:1")
            assert restored.top_p == 0.9
    finally:
        async with start(settings_for(shop_dir, llm=LLMConfig(base_url=llm_server.base_url))) as services:
            for key in await services.state.get_overrides(LLM_OVERRIDE_SECTION):
                await services.set_llm_override(key, None, by="test")


async def test_engine_that_cannot_start_means_retrieval_only(start, shop_dir: Path, tmp_path: Path, caplog) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    settings = settings_for(shop_dir, local_llm=LocalEngineConfig(model_path=broken))
    with caplog.at_level(logging.WARNING, logger="bot.services"):
        async with start(settings) as services:
            assert services.llm is None
            _, reply = await final_reply(services, "rain jacket under 500")
    assert "not a GGUF model file" in caplog.text
    assert reply.fallback and reply.products and all(price_of(card) <= 500 for card in reply.products)


async def test_no_llm_starts_nothing(start, shop_dir: Path) -> None:
    async with start(settings_for(shop_dir), use_llm=False) as services:
        assert services.llm is None and services.llm_config is None
        assert await services.apply_llm_overrides() is None
        _, reply = await final_reply(services, "跑鞋")
    assert reply.language == "zh" and {card.sku for card in reply.products} <= {"SHOE-ROAD", "SHOE-TRAIL"}


async def test_draft_prompts_do_not_touch_the_active_assistant(
    start, shop_dir: Path, llm_server: ScriptedLLMServer
) -> None:
    async with start(settings_for(shop_dir, llm=LLMConfig(base_url=llm_server.base_url))) as services:
        name = "recommend.en"
        draft = services.assistant_with_prompts({name: "DRAFT MARKER for {{ shop }}"})
        await final_reply(services, "rain jacket", UserRef(user_id="cli:draft", merchant_id="demo"))
        active_request = llm_server.requests[-1]
        [_ async for _ in draft.turn(UserRef(user_id="cli:draft2", merchant_id="demo"), "rain jacket")]
        draft_request = llm_server.requests[-1]
    assert "DRAFT MARKER" not in str(active_request["messages"])
    assert "DRAFT MARKER" in str(draft_request["messages"])


SUITE = [
    {
        "id": "en-budget",
        "lang": "en",
        "turns": [
            {
                "user": "rain jacket under 500",
                "expect": {"max_price": 500, "min_products": 1, "intent": "search", "text_not_contains": ["only ¥99"]},
            }
        ],
    },
    {
        "id": "en-broken-expectation",
        "lang": "en",
        "turns": [{"user": "rain jacket under 500", "expect": {"max_products": 0}}],
    },
    {
        "id": "zh-two-turns",
        "lang": "zh",
        "turns": [
            {"user": "防水夹克 500元以内", "expect": {"max_price": 500, "brand_not": ["Nike"]}},
            {"user": "第二个", "expect": {"intent": "reference", "max_products": 1}},
        ],
    },
]


async def test_suite_runner_against_scripted_llm(start, shop_dir: Path, tmp_path: Path) -> None:
    """The model invents a price (the assistant must cut it), and one expectation is broken on purpose."""
    suite_file = tmp_path / "suite.jsonl"
    suite_file.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in SUITE), encoding="utf-8")
    conversations = load_conversations(suite_file)
    lying_model = "The Peak Trail Rain Jacket keeps you dry [1]. Today it costs only ¥99!"
    async with (
        ScriptedLLMServer(lambda request: lying_model) as server,
        start(settings_for(shop_dir, llm=LLMConfig(base_url=server.base_url, max_retries=0))) as services,
    ):
        result = await run_suite(services.assistant, conversations, index=services.index, state=services.state)
        assert server.requests, "the runner never reached the model"

    assert [(f.conversation, f.turn, f.check) for f in result.failures] == [
        ("en-broken-expectation", 1, "max_products")
    ]
    assert (result.conversations, result.conversations_passed, result.turns, result.turns_passed) == (3, 2, 4, 3)
    assert result.checks["max_products"].passed == 1 and result.checks["max_products"].total == 2
    assert result.checks["grounded"].rate == 1.0 and result.checks["language"].rate == 1.0
    # In English the lie came after a checked sentence that had streamed: the template replaced it in place (2
    # turns); the Chinese turn's English answer was set aside before anything streamed.
    assert result.checks["streamed"].rate == 1.0
    assert (result.model_turns, result.model_kept, result.replacements) == (3, 0, 2)
    assert {"total", "first_products", "understand", "retrieve", "generate", "check"} <= set(result.latency)


@pytest.mark.slow
async def test_no_url_starts_the_embedded_engine(start, shop_dir: Path) -> None:
    async with start(settings_for(shop_dir)) as services:
        config = services.llm_config
        assert config.base_url.startswith("http://127.0.0.1:") and config.structured_output == "llamacpp"
        assert await services.llm.health()
    async with LLMClient(config.model_copy(update={"max_retries": 0})) as probe:
        assert not await probe.health()  # the engine stopped with the services


async def test_prompt_gate_rejects_a_draft_that_does_worse(start, shop_dir: Path, tmp_path: Path) -> None:
    suite_file = tmp_path / "suite.jsonl"
    turn = {"user": "rain jacket under 500", "expect": {"text_contains_any": ["keeps you dry"]}}
    suite_file.write_text(json.dumps({"id": "dry", "lang": "en", "turns": [turn]}), encoding="utf-8")
    conversations = load_conversations(suite_file)

    def model(request: dict) -> str:  # answers the draft prompt worse than the active one
        draft = "DRAFT" in json.dumps(request["messages"])
        return (
            "Buy the Peak Trail Rain Jacket now."
            if draft
            else "The Peak Trail Rain Jacket keeps you dry with taped seams [1]."
        )

    async with (
        ScriptedLLMServer(model) as server,
        start(settings_for(shop_dir, llm=LLMConfig(base_url=server.base_url, max_retries=0))) as services,
    ):
        worse = await gate_prompt_draft(services, {"recommend.en": "DRAFT for {{ shop }}"}, conversations)
        same = await gate_prompt_draft(
            services, {"recommend.en": services.prompts.default_text("recommend.en")}, conversations
        )
        assert await services.state.active_prompt("recommend.en") is None  # nothing was activated
    assert (worse.active.pass_rate, worse.draft.pass_rate, worse.passed) == (1.0, 0.0, False)
    assert same.passed and same.draft.pass_rate == 1.0


async def test_suite_runner_presses_card_buttons(start, shop_dir: Path, tmp_path: Path) -> None:
    """A suite turn can press a button on the cards last sent; its answer is checked like any reply."""
    suite = {
        "id": "zh-buttons",
        "lang": "zh",
        "turns": [
            {"user": "防水夹克", "expect": {"min_products": 2}},
            {"press": "details", "card": 2, "expect": {"language": "zh", "text_contains_any": ["品牌"]}},
            {"press": "compare", "card": 1},
            {"press": "compare", "card": 2, "expect": {"comparison": True, "advice": True}},
            {"press": "why", "card": 9},
        ],
    }
    path = tmp_path / "suite.jsonl"
    path.write_text(json.dumps(suite, ensure_ascii=False), encoding="utf-8")
    async with start(settings_for(shop_dir), use_llm=False) as services:
        result = await run_suite(services.assistant, load_conversations(path), index=services.index)
    assert [(f.turn, f.user, f.detail) for f in result.failures] == [
        (5, "[why on card 9]", "no card 9 on screen to press why on")
    ]
    assert result.checks["advice"].rate == 1.0 and result.checks["language"].passed == 4
