"""The model's part of a reply: answer now, improve if the model can.

The deterministic template (`Generation.template`, built from catalog facts by `bot.core.compose`) is ready
before the model is asked. `ModelOutlook` says whether the model is likely to beat it in time; if not, the
template is the answer at once. Otherwise the model gets `AssistantConfig.answer_wait_s` to show checked text
(or to return its whole structured answer); after that the template answers and the model is not waited for.

Nothing reaches the customer unchecked. The model's stream is cut into sentences, each checked by
`bot.core.grounding` before it is streamed; passing sentences are held back until the text so far draws on
the evidence and, for a specific question, states the fact asked for (or says the data lacks it), so the
streamed text is always a prefix of the final reply. The first sentence that fails ends the model's answer
(its stream is closed: a model caught inventing is not read further). The answer then stands only if more of
it passed than failed; if it is set aside after some of it was streamed, the template replaces what was
streamed: a `Replacement` event, which channels render in place, logged, and recorded with the turn's "fallback"
event (`replaced_streamed_chars`).

The prompt: the task's template as the system message, and the shop's data fenced as quoted data in the
user message (`bot.core.prompts.data_message`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bot.core.answers import FieldCheck, StructuredTask
from bot.core.claims import SentenceSplitter
from bot.core.draft import Draft, elapsed_ms
from bot.core.grounding import Checker, Facts
from bot.core.layout import EVIDENCE_LABELS
from bot.core.outlook import ModelOutlook
from bot.core.prompts import PromptBook, data_message
from bot.core.reply import Evidence, Replacement, TextDelta, UserRef
from bot.settings import AssistantConfig
from bot.state.store import StateStore
from serving.errors import LLMError
from serving.llm import LLMClient
from serving.protocol import ChatMessage, StreamChunk

logger = logging.getLogger(__name__)


@dataclass
class Generation:
    """What to ask the model, what it may say, and the template that answers without it."""

    task: str
    question: str
    facts: Facts
    template: str
    summary: str = ""  # a computed table or review counts, given to the model as shop data
    requirements: str = ""  # the customer's requirements in words
    structured: StructuredTask[Any] | None = field(default=None, repr=False)


@dataclass
class _Prompt:
    """The messages sent, the instructions alone (never an answer) and the evidence shown, by ref."""

    messages: list[ChatMessage]
    instructions: str
    evidence: dict[int, Evidence]


@dataclass
class _CheckedAnswer:
    """How the model's answer fares as it arrives: the text kept, the part of it already streamed, how many
    pieces (sentences, or a structured answer's items) were kept and removed, why it was set aside, the time
    spent checking and the seconds to the first token."""

    checker: Checker | None = None
    structured: bool = False
    text: str = ""
    streamed: str = ""
    kept: int = 0
    removed: int = 0
    reason: str | None = None
    seconds: float = 0.0
    first_token_s: float | None = None

    def take(self, sentence: str) -> str:
        """Check one sentence; returns the text to stream now ("" while it is held back). A failing sentence is
        removed and ends the answer (`done`); a first sentence in the wrong language sets it aside (`reason`)."""
        assert self.checker is not None
        tick = time.perf_counter()
        in_language = self.checker.language_ok(sentence)
        problems = self.checker.sentence(sentence) if in_language else []
        if not in_language and not self.kept and not self.removed:
            self.reason = "wrong language"
        elif problems or not in_language:
            self.removed += 1
        else:
            self.text += sentence
            self.kept += 1
        release = self._releasable()
        self.seconds += time.perf_counter() - tick
        return release

    @property
    def done(self) -> bool:
        """The model's answer is over: a sentence failed, or the answer was set aside."""
        return bool(self.removed or self.reason)

    def _releasable(self) -> str:
        """The kept text not streamed yet, once it may be: nothing failed, it draws on the evidence, and it
        answers what was asked."""
        assert self.checker is not None
        if self.done or not self.text.strip():
            return ""
        if not self.checker.on_evidence(self.text) or not self.checker.addresses(self.text):
            return ""
        release, self.streamed = self.text[len(self.streamed) :], self.text
        return release

    def verdict(self, text: str) -> str | None:
        """Why the answer is set aside for the template; None when it stands."""
        if self.reason is not None:
            return self.reason
        if not self.kept and not self.removed:
            return "the model wrote no complete sentence"
        # A structured answer's items stand alone, so dropping a bad one repairs it; a streamed answer is one
        # argument, cut short at its first bad sentence, so more of it must have passed than failed.
        if self.removed > (self.kept if self.structured else self.kept - 1):
            return f"grounding: {self.removed} of {self.removed + self.kept} pieces rejected"
        assert self.checker is not None
        if not self.checker.on_evidence(text):
            return "off evidence: the answer uses none of the evidence"
        if not self.checker.addresses(text):
            return "the answer does not state what was asked"
        return None


class Generator:
    """Writes the turn's answer into its draft: the model's checked text when it is in time, else the template
    (see the module docstring)."""

    def __init__(
        self, llm: LLMClient | None, state: StateStore, prompts: PromptBook, config: AssistantConfig, *, embedded: bool
    ) -> None:
        self._llm = llm
        self._state = state
        self._prompts = prompts
        self._config = config
        self._outlook = ModelOutlook(llm, config, embedded=embedded)

    async def answer(
        self, user: UserRef, generation: Generation, draft: Draft
    ) -> AsyncIterator[TextDelta | Replacement]:
        """The answer: checked `TextDelta`s as the model writes, a `Replacement` if what was streamed is set
        aside at the end; the final text is left in `draft.text` (`draft.fallback` when it is the template)."""
        started = time.perf_counter()
        check = _CheckedAnswer()
        check.reason = self._outlook.skip_reason()
        if check.reason is None and self._llm is not None:
            async for delta in self._ask(self._llm, user, generation, draft, check):
                yield delta
        text = check.text.strip()
        reason = check.verdict(text)
        if reason is None:
            draft.text = text
        else:
            draft.text = generation.template
            draft.fallback = True
            data: dict[str, object] = {"reason": reason[:300], "task": generation.task}
            if check.streamed:  # the customer saw some of it: it is withdrawn in place
                logger.info("turn %s: streamed text replaced by the template (%s)", draft.turn_id, reason)
                data["replaced_streamed_chars"] = len(check.streamed)
            await self._record(user, draft, "fallback", data)
            if check.streamed:
                yield Replacement(text=draft.text, reason=reason)
        draft.timings["generate"] = round(elapsed_ms(started) - check.seconds * 1000, 2)
        draft.timings["check"] = round(check.seconds * 1000, 2)

    async def _ask(
        self, llm: LLMClient, user: UserRef, generation: Generation, draft: Draft, check: _CheckedAnswer
    ) -> AsyncIterator[TextDelta]:
        """Ask the model, streamed or structured, within the wait and the turn budget; failures end in
        `check.reason`, what passed in `check.text`."""
        structured = generation.structured if self._config.structured_output else None
        try:
            if structured is not None:
                async with asyncio.timeout(self._config.answer_wait_s):
                    await self._structured_answer(llm, user, generation, structured, draft, check)
            else:
                async for sentence in self._checked_sentences(llm, user, generation, draft, check):
                    yield TextDelta(text=sentence)
        except TimeoutError:
            # What was checked stands (the verdict decides); with nothing, the template answers.
            if not check.kept:
                check.reason = check.reason or f"no checked answer within {self._config.answer_wait_s:g} s"
        except LLMError as exc:
            # An answer the model could not finish is not an answer: the template (in place of anything
            # streamed) says it all. The breaker counts the failure.
            error = f"{type(exc).__name__}: {exc}"
            check.reason = check.reason or error
            await self._record(user, draft, "llm_error", {"error": error[:300]})
            return
        self._outlook.tried(check.first_token_s)

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
        """The checked text to stream, as it may be released. Raises TimeoutError when nothing was released
        within the wait, or at the turn budget; a first sentence in the wrong language stops the answer."""
        prompt = await self._prompt(user, generation, draft, structured=False)
        check.checker = self._checker(generation, prompt)
        overrides = await self._state.get_overrides("llm")
        max_tokens = self._config.answer_tokens(llm.config.max_tokens, overrides.get("max_tokens"), structured=False)
        # `LLMClient.stream` is an async generator: closing it early ends the HTTP response.
        stream = llm.stream(prompt.messages, temperature=overrides.get("temperature"), max_tokens=max_tokens)
        clock = _Clock(self._config.answer_wait_s, self._config.turn_budget_s)
        async with contextlib.aclosing(_sentences(stream, clock, check)) as sentences:
            async for sentence in sentences:
                release = check.take(sentence)
                if release:
                    clock.streaming = True
                    yield release
                if check.done:
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
        check.structured = True
        overrides = await self._state.get_overrides("llm")
        max_tokens = self._config.answer_tokens(llm.config.max_tokens, overrides.get("max_tokens"), structured=True)
        asked = time.perf_counter()
        answer = await llm.structured(
            prompt.messages, task.schema, temperature=overrides.get("temperature"), max_tokens=max_tokens
        )
        check.first_token_s = time.perf_counter() - asked
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
            generation.facts.model_copy(
                update={
                    "instructions": prompt.instructions,
                    "question": generation.question,
                    "evidence": prompt.evidence,
                }
            )
        )

    async def _prompt(self, user: UserRef, generation: Generation, draft: Draft, *, structured: bool) -> _Prompt:
        """The task's instructions as the system message; the shop's data, fenced as quoted data, and the
        customer's message as the user's. The instructions alone are kept too: the model must not echo them."""
        products = [e for e in draft.evidence if e.kind == "product"][: self._config.prompt_products]
        chosen = [e for e in draft.evidence if e.kind != "product" or e in products]
        system = await self._prompts.render(
            f"{generation.task}.{draft.language}", shop=user.merchant_id, language=draft.language, structured=structured
        )
        data = data_message(
            draft.language,
            [(e.ref, EVIDENCE_LABELS[e.kind], e.text) for e in chosen],
            generation.question,
            summary=generation.summary,
            requirements=generation.requirements,
        )
        # No chat history is sent: references were resolved before retrieval, and a short prompt is a fast one.
        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=data)]
        return _Prompt(messages=messages, instructions=system, evidence={e.ref: e for e in chosen})


class _Clock:
    """The deadlines of a streamed answer: the wait for its first released text, then the turn budget."""

    def __init__(self, wait_s: float, budget_s: float) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.started = loop.time()
        self._first = self.started + min(wait_s, budget_s)
        self._last = self.started + budget_s
        self.streaming = False

    def remaining(self) -> float:
        return (self._last if self.streaming else self._first) - self._loop.time()

    def elapsed(self) -> float:
        return self._loop.time() - self.started


async def _sentences(
    stream: AsyncGenerator[StreamChunk, None], clock: _Clock, check: _CheckedAnswer
) -> AsyncGenerator[str, None]:
    """The whole sentences of a model's stream as they complete, within the clock's deadlines (else
    TimeoutError); the seconds to the first token go in `check.first_token_s`.

    A last fragment cut off by max_tokens is dropped, since half a sentence is not an answer.
    """
    splitter = SentenceSplitter()
    finish_reason: str | None = None
    async with contextlib.aclosing(stream):
        while True:
            remaining = clock.remaining()
            if remaining <= 0:
                raise TimeoutError
            try:
                chunk = await asyncio.wait_for(anext(stream), remaining)
            except StopAsyncIteration:
                rest = splitter.flush()
                if rest and finish_reason != "length":
                    yield rest
                return
            if check.first_token_s is None and chunk.text:
                check.first_token_s = clock.elapsed()
            finish_reason = chunk.finish_reason or finish_reason
            for sentence in splitter.feed(chunk.text):
                yield sentence
