"""Commands: chat (the terminal chat), ask (one turn for scripts), eval conversations (the regression suite) and
eval misbehaving (the suite against a model that misbehaves on purpose).

All three open the same stack as the bot (`bot.services.open_services`) and load the demo shop on a
fresh data dir, so `shopguide chat` answers on a fresh clone with nothing configured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.channels.terminal.chat import TerminalChat
from bot.channels.terminal.render import show_turn
from bot.cli.app import DataDirOption, JsonOption, app, console, err_console, eval_app, fail, load_settings
from bot.core.reply import FinalReply, Language, UserRef
from bot.evaluation.conversations import (
    Conversation,
    Failure,
    SuiteFileError,
    SuiteResult,
    default_suite_path,
    load_conversations,
    run_suite,
)
from bot.evaluation.conversations.misbehaving import MODES, PAYLOADS, MisbehavingLLM, Mode
from bot.services import DEMO_MERCHANT, Services, open_services
from bot.settings import Settings

UserOption = Annotated[str, typer.Option("--user", help="Who is talking; the dialog is kept per user as 'cli:<name>'.")]
MerchantOption = Annotated[
    str | None,
    typer.Option("--merchant", help="Whose catalog to shop (default: SHOPGUIDE_ASSISTANT__DEFAULT_MERCHANT)."),
]
NoLLMOption = Annotated[bool, typer.Option("--no-llm", help="Answer from retrieval only (template text, no model).")]


# --- chat -----------------------------------------------------------------------------------------


def _user_ref(settings: Settings, name: str, merchant: str | None) -> UserRef:
    if not name.strip():
        fail("--user needs a name, e.g. --user alice")
    return UserRef(
        user_id=f"cli:{name}", merchant_id=merchant or settings.assistant.default_merchant, display_name=name
    )


@app.command()
def chat(
    user: UserOption = "me",
    merchant: MerchantOption = None,
    no_llm: NoLLMOption = False,
    lang: Annotated[Language, typer.Option("--lang", help="Language of the welcome message: zh or en.")] = "zh",
    data_dir: DataDirOption = None,
) -> None:
    """Chat with the assistant in the terminal. Reads lines from stdin, so it can be scripted."""
    settings = load_settings(data_dir)
    asyncio.run(_chat(settings, _user_ref(settings, user, merchant), use_llm=not no_llm, language=lang))


@asynccontextmanager
async def _shop(settings: Settings, user: UserRef, *, use_llm: bool) -> AsyncIterator[Services]:
    """The services for one shopper; the demo shop is ingested on first use, any other must exist."""
    async with open_services(settings, ingest_demo=user.merchant_id == DEMO_MERCHANT, use_llm=use_llm) as services:
        if not (await (await services.index.merchant(user.merchant_id)).stats()).products:
            fail(
                f"merchant {user.merchant_id!r} has no products in {settings.data_dir}: upload a catalog "
                f"(shopguide ingest) or leave out --merchant to use the demo shop"
            )
        if use_llm and services.llm is None:
            err_console.print("[yellow]the LLM did not start: answers come from retrieval templates[/]")
        yield services


async def _chat(settings: Settings, user: UserRef, *, use_llm: bool, language: Language) -> None:
    err_console.print("[dim]starting (the first run ingests the demo catalog)...[/]")
    async with _shop(settings, user, use_llm=use_llm) as services:
        await TerminalChat(console, services.assistant, user).run(language)


# --- ask ------------------------------------------------------------------------------------------


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="The customer's message.")],
    user: Annotated[str, typer.Option("--user", help="Dialog owner; state is kept per user between calls.")],
    merchant: MerchantOption = None,
    as_json: JsonOption = False,
    no_llm: NoLLMOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """One turn for scripts: prints the reply (or, with --json, the final Reply with products and evidence, and
    under "events" everything a channel renders, in order, each with the milliseconds since the message arrived)."""
    if not text.strip():
        fail("the message is empty")
    settings = load_settings(data_dir)
    asyncio.run(_ask(settings, _user_ref(settings, user, merchant), text, as_json=as_json, use_llm=not no_llm))


async def _ask(settings: Settings, user: UserRef, text: str, *, as_json: bool, use_llm: bool) -> None:
    async with _shop(settings, user, use_llm=use_llm) as services:
        if not as_json:
            await show_turn(console, services.assistant.turn(user, text))
            return
        arrived = time.perf_counter()
        reply = None
        events: list[dict[str, object]] = []
        async for event in services.assistant.turn(user, text):
            ms = round((time.perf_counter() - arrived) * 1000, 1)
            if isinstance(event, FinalReply):
                reply = event.reply
                events.append({"type": event.type, "ms": ms, "text": reply.text})  # the rest is the top level
            else:
                events.append({**event.model_dump(mode="json"), "ms": ms})
        if reply is None:
            fail("the assistant ended the turn without a reply")
        output = {**reply.model_dump(mode="json"), "events": events}
        sys.stdout.write(json.dumps(output, ensure_ascii=False, indent=2) + "\n")


# --- eval conversations ---------------------------------------------------------------------------


SuiteOption = Annotated[
    Path | None, typer.Option("--suite", help="A conversations .jsonl file (default: the packaged suite).")
]
OnlyOption = Annotated[list[str] | None, typer.Option("--only", help="Run only this conversation id (repeatable).")]


@eval_app.command("conversations")
def eval_conversations(
    suite: SuiteOption = None,
    no_llm: NoLLMOption = False,
    llm_url: Annotated[
        str | None, typer.Option("--llm-url", help="OpenAI-compatible endpoint to test instead of the configured one.")
    ] = None,
    prompts_dir: Annotated[
        Path | None, typer.Option("--prompts-dir", help="Prompt templates to evaluate (default: prompts/).")
    ] = None,
    only: OnlyOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Run the conversation regression suite and print a pass rate per check."""
    conversations = _suite(suite, only)
    if prompts_dir is not None and not prompts_dir.is_dir():
        fail(f"--prompts-dir {prompts_dir} is not a directory")
    settings = load_settings(data_dir)
    if llm_url:
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"base_url": llm_url})})
    result = asyncio.run(_eval(settings, conversations, use_llm=not no_llm, prompts_dir=prompts_dir))
    if as_json:
        sys.stdout.write(json.dumps(result.summary(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_suite(result)


@eval_app.command("misbehaving")
def eval_misbehaving(
    suite: SuiteOption = None,
    only: OnlyOption = None,
    mode: Annotated[
        list[str] | None,
        typer.Option("--mode", help=f"Misbehave this way: {', '.join(MODES)} (repeatable; default: every mode)."),
    ] = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Run the conversation suite against a model that misbehaves on purpose (one run per mode): every streamed
    delta, replacement and final reply is checked for the misbehaviour's payloads."""
    conversations = _suite(suite, only)
    unknown = sorted(set(mode or []) - set(MODES))
    if unknown:
        fail(f"no misbehaving mode {', '.join(unknown)}; choose from {', '.join(MODES)}")
    modes = [m for m in MODES if not mode or m in mode]
    results = asyncio.run(_eval_misbehaving(load_settings(data_dir), conversations, modes))
    if as_json:
        summaries = {name: result.summary() for name, result in results.items()}
        sys.stdout.write(json.dumps(summaries, ensure_ascii=False, indent=2) + "\n")
        return
    for name, result in results.items():
        console.print(f"[bold]model misbehaving: {name}[/]")
        _print_suite(result)


def _suite(path: Path | None, only: list[str] | None) -> list[Conversation]:
    """The conversations of the suite at `path` (default: the packaged one), only those named when given."""
    suite_path = path or default_suite_path()
    try:
        conversations = load_conversations(suite_path)
    except SuiteFileError as exc:
        fail(str(exc))
    if only:
        unknown = sorted(set(only) - {c.id for c in conversations})
        if unknown:
            fail(f"no conversation with id {', '.join(unknown)} in {suite_path}")
        conversations = [c for c in conversations if c.id in only]
    return conversations


async def _eval_misbehaving(
    settings: Settings, conversations: list[Conversation], modes: list[Mode]
) -> dict[Mode, SuiteResult]:
    """The suite once per mode against a misbehaving endpoint started here, every reply and stream checked for
    the mode's payloads. The breaker never opens and nothing is retried, so every turn meets the misbehaviour."""
    results: dict[Mode, SuiteResult] = {}
    for mode in modes:
        async with MisbehavingLLM(mode) as server:
            llm = settings.llm.model_copy(
                update={"base_url": server.base_url, "max_retries": 0, "breaker_failures": 1_000_000}
            )
            results[mode] = await _eval(
                settings.model_copy(update={"llm": llm}),
                conversations,
                use_llm=True,
                prompts_dir=None,
                forbidden=PAYLOADS,
            )
    return results


async def _eval(
    settings: Settings,
    conversations: list[Conversation],
    *,
    use_llm: bool,
    prompts_dir: Path | None,
    forbidden: tuple[str, ...] = (),
) -> SuiteResult:
    merchants = {c.merchant for c in conversations}

    def progress(conversation: Conversation, failures: list[Failure]) -> None:
        mark = "[green]pass[/]" if not failures else f"[red]fail[/] ({', '.join(sorted({f.check for f in failures}))})"
        err_console.print(f"{escape(conversation.id)}: {mark}", highlight=False)

    async with open_services(
        settings, ingest_demo=DEMO_MERCHANT in merchants, use_llm=use_llm, prompts_dir=prompts_dir
    ) as services:
        if use_llm and services.llm is None:
            err_console.print("[yellow]the LLM did not start: evaluating retrieval-only answers[/]")
        return await run_suite(
            services.assistant,
            conversations,
            index=services.index,
            state=services.state,
            on_conversation=progress,
            forbidden=forbidden,
        )


def _print_suite(result: SuiteResult) -> None:
    checks = Table("check", "passed", "total", "rate", title="Checks", header_style="bold")
    for name, rate in result.checks.items():
        style = "" if rate.rate == 1 else "red"
        checks.add_row(name, str(rate.passed), str(rate.total), f"{rate.rate:.1%}", style=style)
    console.print(checks)
    console.print(
        f"conversations passed: [bold]{result.conversations_passed}/{result.conversations} ({result.pass_rate:.1%})[/]"
        f"   turns passed: {result.turns_passed}/{result.turns} ({result.turn_pass_rate:.1%})"
        f"   template fallbacks: {result.fallbacks}"
    )
    console.print(
        f"model text kept: {result.model_kept}/{result.model_turns} turns the model could answer"
        f"   streamed text replaced: {result.replacements}"
    )
    if result.latency:
        latency = Table("stage", "n", "p50 ms", "p95 ms", "mean ms", title="Turn latency", header_style="bold")
        for stage, summary in result.latency.items():
            latency.add_row(
                stage, str(summary.count), f"{summary.p50_ms:,.0f}", f"{summary.p95_ms:,.0f}", f"{summary.mean_ms:,.0f}"
            )
        console.print(latency)
    if result.failures:
        failures = Table(
            "conversation", "turn", "check", "detail", title="Failures", header_style="bold", show_lines=True
        )
        for failure in result.failures:
            failures.add_row(escape(failure.conversation), str(failure.turn), failure.check, escape(failure.detail))
        console.print(failures)
