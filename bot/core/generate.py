"""The model's part of a reply: the prompt with numbered evidence, the answer streamed sentence by sentence or
asked for as JSON, every piece checked by `bot.core.grounding` before it is kept, and the deterministic template
when the model is absent, fails, runs out of time, or too little of what it wrote passes the check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bot.core.answers import FieldCheck, StructuredTask
from bot.core.draft import Draft, elapsed_ms
from bot.core.grounding import EVIDENCE_LABELS, Checker, Facts, SentenceSplitter
from bot.core.prompts import PromptBook, quote
from bot.core.reply import Evidence, TextDelta, UserRef
from bot.settings import AssistantConfig
from bot.state.store import StateStore
from serving.errors import LLMError
from serving.llm import LLMClient
from serving.protocol import ChatMessage, StreamChunk

logger = logging.getLogger(__name__)


@dataclass
class Generation:
    """What to ask the model and what it may say."""

    task: str
    question: str
    context: dict[str, object]
    facts: Facts
    template: str
    structured: StructuredTask[Any] | None = field(default=None, repr=False)


@dataclass
class _Prompt:
    """The messages sent, the instructions alone (never an answer) and the evidence shown, by ref."""

    messages: list[ChatMessage]
    instructions: str
    evidence: dict[int, Evidence]


@dataclass
class _CheckedAnswer:
    """How the model's answer fared: the text kept, how many pieces (sentences, or a structured answer's items)
    were kept and removed, why it was set aside, time spent checking."""

    text: str = ""
    kept: int = 0
    removed: int = 0
    reason: str | None = None
    seconds: float = 0.0
    checker: Checker | None = None

    def take(self, checker: Checker, sentence: str) -> bool:
        """Whether `sentence` passes the check (it is kept) or not (removed). A first sentence in the wrong
        language sets the whole answer aside (`reason`)."""
        tick = time.perf_counter()
        in_language = checker.language_ok(sentence)
        problems = checker.sentence(sentence) if in_language else []
        self.seconds += time.perf_counter() - tick
        if not in_language and not self.kept and not self.removed:
            self.reason = "wrong language"
            return False
        if problems or not in_language:
            self.removed += 1
            return False
        self.text += sentence
        self.kept += 1
        return True

    def verdict(self, text: str) -> str | None:
        """Why the answer is set aside for the template; None when it stands."""
        if self.reason is not None:
            return self.reason
        if not self.kept and not self.removed:
            return "the model wrote no complete sentence"
        if not self.kept or self.removed > self.kept:
            return f"grounding: {self.removed} of {self.removed + self.kept} pieces rejected"
        if self.checker is not None and not self.checker.on_evidence(text):
            return "off evidence: the answer uses none of the evidence"
        return None


class Generator:
    """Writes the model's checked answer into a turn's draft (see the module docstring)."""

    def __init__(self, llm: LLMClient | None, state: StateStore, prompts: PromptBook, config: AssistantConfig) -> None:
        self._llm = llm
        self._state = state
        self._prompts = prompts
        self._config = config

    async def answer(self, user: UserRef, generation: Generation, draft: Draft) -> AsyncIterator[TextDelta]:
        """The model's checked answer: streamed sentence by sentence, or one structured answer when the task has a
        schema and the backend takes one. On any failure the template answers (`draft.fallback`)."""
        started = time.perf_counter()
        check = _CheckedAnswer()
        structured = generation.structured if self._config.structured_output else None
        if self._llm is None:
            check.reason = "no LLM configured"
        else:
            try:
                if structured is not None:
                    async with asyncio.timeout(self._config.turn_budget_s):
                        await self._structured_answer(self._llm, user, generation, structured, draft, check)
                else:
                    async for sentence in self._checked_sentences(self._llm, user, generation, draft, check):
                        yield TextDelta(text=sentence)
            except TimeoutError:
                # Checked sentences already streamed stand on their own; with none yet, the template answers.
                check.reason = None if check.kept else "turn budget exhausted"
            except LLMError as exc:
                check.reason = f"{type(exc).__name__}: {exc}"
                await self._record(user, draft, "llm_error", {"error": check.reason[:300]})
        text = check.text.strip()
        reason = check.verdict(text)
        if reason is None:
            draft.text = text
        else:
            draft.text = generation.template
            draft.fallback = True
            await self._record(user, draft, "fallback", {"reason": reason[:300], "task": generation.task})
        draft.timings["generate"] = round(elapsed_ms(started) - check.seconds * 1000, 2)
        draft.timings["check"] = round(check.seconds * 1000, 2)

    async def _record(self, user: UserRef, draft: Draft, kind: str, data: dict[str, object]) -> None:
        # One structured line per LLM error and fallback for operators. Only the reason's head ("LLMTimeout",
        # "grounding", "turn budget exhausted"): a detail may quote the model, never logged at INFO.
        reason = str(data.get("error") or data.get("reason") or "").split(":", 1)[0]
        log = logger.warning if kind == "llm_error" else logger.info
        log("%s turn=%s merchant=%s reason=%s", kind, draft.turn_id, user.merchant_id, reason)
        await self._state.record_event(
            kind, user.user_id, turn_id=draft.turn_id, data=data, merchant_id=user.merchant_id
        )

    async def _checked_sentences(
        self, llm: LLMClient, user: UserRef, generation: Generation, draft: Draft, check: _CheckedAnswer
    ) -> AsyncIterator[str]:
        """The model's sentences that pass the check, as they complete. Raises TimeoutError at the turn budget.

        A first sentence in the wrong language stops the answer at once.
        """
        prompt = await self._prompt(user, generation, draft, structured=False)
        checker = check.checker = self._checker(generation, prompt)
        overrides = await self._state.get_overrides("llm")
        max_tokens = self._config.answer_tokens(llm.config.max_tokens, overrides.get("max_tokens"), structured=False)
        # `LLMClient.stream` is an async generator: closing it early ends the HTTP response.
        stream = llm.stream(prompt.messages, temperature=overrides.get("temperature"), max_tokens=max_tokens)
        async with contextlib.aclosing(_sentences(stream, self._config.turn_budget_s)) as sentences:
            async for sentence in sentences:
                if check.take(checker, sentence):
                    yield sentence
                elif check.reason is not None:
                    return

    async def _structured_answer(
        self,
        llm: LLMClient,
        user: UserRef,
        generation: Generation,
        task: StructuredTask[Any],
        draft: Draft,
        check: _CheckedAnswer,
    ) -> None:
        """Ask for `task.schema`, check every field (`bot.core.answers.FieldCheck`) and lay out what passes.

        Raises `LLMError` (`LLMOutputError` for JSON that does not fit the schema) like any call to the model.
        """
        prompt = await self._prompt(user, generation, draft, structured=True)
        checker = check.checker = self._checker(generation, prompt)
        overrides = await self._state.get_overrides("llm")
        max_tokens = self._config.answer_tokens(llm.config.max_tokens, overrides.get("max_tokens"), structured=True)
        answer = await llm.structured(
            prompt.messages, task.schema, temperature=overrides.get("temperature"), max_tokens=max_tokens
        )
        tick = time.perf_counter()
        fields = FieldCheck(checker, prompt.evidence)
        if fields.language_ok(answer):
            check.text = task.layout(answer, fields)
            check.kept, check.removed = fields.kept, fields.removed
        else:
            check.reason = "wrong language"
        check.seconds += time.perf_counter() - tick

    def _checker(self, generation: Generation, prompt: _Prompt) -> Checker:
        return Checker(
            generation.facts.model_copy(update={"instructions": prompt.instructions, "question": generation.question})
        )

    async def _prompt(self, user: UserRef, generation: Generation, draft: Draft, *, structured: bool) -> _Prompt:
        """The stable instructions and the evidence as the system message; the customer's words as the user's.

        The instructions alone (the system message without the evidence) are kept too: the model must not
        echo them back as its answer.
        """
        products = [e for e in draft.evidence if e.kind == "product"][: self._config.prompt_products]
        chosen = [e for e in draft.evidence if e.kind != "product" or e in products]
        evidence = [{"ref": e.ref, "kind": e.kind, "label": EVIDENCE_LABELS[e.kind], "text": e.text} for e in chosen]
        system = await self._prompts.render(
            f"{generation.task}.{draft.language}",
            shop=user.merchant_id,
            language=draft.language,
            evidence=evidence,
            constraints=generation.context.get("constraints", ""),
            summary=generation.context.get("summary", ""),
            structured=structured,
        )
        instructions = system
        for item in evidence:
            instructions = instructions.replace(quote(item["text"]), " ")
        # No chat history is sent: references were resolved before retrieval, and a short prompt is a fast one.
        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=generation.question)]
        return _Prompt(messages=messages, instructions=instructions, evidence={e.ref: e for e in chosen})


async def _sentences(stream: AsyncGenerator[StreamChunk, None], budget_s: float) -> AsyncGenerator[str, None]:
    """The whole sentences of a model's stream as they complete, within `budget_s` (else TimeoutError).

    A last fragment cut off by max_tokens is dropped, since half a sentence is not an answer.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    splitter = SentenceSplitter()
    finish_reason: str | None = None
    async with contextlib.aclosing(stream):
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            try:
                chunk = await asyncio.wait_for(anext(stream), remaining)
            except StopAsyncIteration:
                rest = splitter.flush()
                if rest and finish_reason != "length":
                    yield rest
                return
            finish_reason = chunk.finish_reason or finish_reason
            for sentence in splitter.feed(chunk.text):
                yield sentence
