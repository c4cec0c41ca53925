"""The terminal chat loop: lines from stdin in, turns rendered with rich, card buttons as /commands.

It reads stdin line by line, so `printf 'tent under 300\n' | shopguide chat` scripts it.
"""

from __future__ import annotations

import asyncio
import sys

from rich.console import Console
from rich.markup import escape

from bot.channels.terminal.render import render_reply, show_turn
from bot.core.assistant import Assistant
from bot.core.reply import ButtonAction, Language, ProductCard, Reply, UserRef

CARD_ACTIONS: tuple[ButtonAction, ...] = ("details", "compare", "similar", "why", "buy", "like", "dislike")
CHAT_HELP = (
    "Type a message to shop. Commands: /why N (evidence for card N), /details N, /compare N, /similar N, "
    "/buy N, /like N, /dislike N, /reset (forget this conversation), /help, /quit. Ctrl-D also ends."
)


class TerminalChat:
    """One customer's conversation in the terminal."""

    def __init__(self, console: Console, assistant: Assistant, user: UserRef) -> None:
        self._console = console
        self._assistant = assistant
        self._user = user
        self._last: Reply | None = None  # the reply whose cards `/why N` and friends refer to

    async def run(self, language: Language) -> None:
        """Greet, then answer each line from stdin until /quit or end of input."""
        render_reply(self._console, self._assistant.welcome(self._user, language), cards_already_shown=[])
        self._console.print(f"[dim]{CHAT_HELP}[/]", highlight=False)
        while (line := await asyncio.to_thread(self._read_line, "[bold cyan]you>[/] ")) is not None:
            line = line.strip()
            if line.lower() in ("/quit", "/exit", "/q"):
                break
            if line.startswith("/"):
                reply = await self._command(line)
            elif line:
                reply = await show_turn(self._console, self._assistant.turn(self._user, line))
            else:
                continue
            if reply is not None and reply.products:
                self._last = reply

    async def _command(self, line: str) -> Reply | None:
        """Run one /command; returns the reply it produced, if any."""
        command, _, argument = line[1:].partition(" ")
        command = command.lower()
        if command == "help":
            self._console.print(CHAT_HELP, highlight=False)
        elif command == "reset":
            await self._assistant.reset(self._user)
            self._console.print("[dim]conversation forgotten[/]")
        elif command in CARD_ACTIONS:
            card = self._card(argument)
            if card is not None:
                turn_id = self._last.turn_id if self._last else None
                return await show_turn(self._console, self._assistant.action(self._user, command, card.sku, turn_id))
        else:
            self._console.print(f"[red]unknown command /{escape(command)}[/]; {CHAT_HELP}", highlight=False)
        return None

    def _card(self, argument: str) -> ProductCard | None:
        """Card N (1-based) of the last reply, or None after telling the user what is wrong."""
        if self._last is None or not self._last.products:
            self._console.print("[red]no products on screen yet[/]: ask for something first")
            return None
        cards = self._last.products
        if not argument.strip().isdigit() or not 1 <= int(argument) <= len(cards):
            self._console.print(f"[red]give a card number from 1 to {len(cards)}[/], e.g. /why 1")
            return None
        return cards[int(argument) - 1]

    def _read_line(self, prompt: str) -> str | None:
        """One line from stdin, or None at end of input; prompts only when a person is typing."""
        if sys.stdin.isatty():
            self._console.print(prompt, end="")
        line = sys.stdin.readline()
        return None if line == "" else line.rstrip("\n")
