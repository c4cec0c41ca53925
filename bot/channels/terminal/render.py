"""How a turn looks in the terminal (rich): product cards and comparisons as tables, the model's text
streaming, then the checked reply. Used by `shopguide chat` and `shopguide ask`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.core.reply import FinalReply, ProductCard, ProductsShown, Replacement, Reply, TextDelta, TurnEvent
from retrieval.money import format_price


def cards_table(cards: list[ProductCard]) -> Table:
    table = Table(show_lines=False, header_style="bold")
    for column in ("#", "product", "price", "stock", "rating", "sku", "note"):
        table.add_column(column, justify="right" if column in ("#", "price", "rating") else "left")
    for number, card in enumerate(cards, start=1):
        if card.in_stock:
            stock = "in stock" if card.stock is None else f"in stock ({card.stock})"
        else:
            stock = "[red]out of stock[/]"
        table.add_row(
            str(number),
            escape(card.title),
            "price unknown" if card.price is None else format_price(card.price, card.currency),
            stock,
            f"{card.rating:.1f}" if card.rating is not None else "-",
            escape(card.sku),
            f"[yellow]{escape(card.label)}[/]" if card.label else "",
        )
    return table


def comparison_table(rows: list[list[str]]) -> Table:
    header, *body = rows
    table = Table(*[escape(cell) for cell in header], header_style="bold", show_lines=True)
    for row in body:
        table.add_row(*[escape(cell) for cell in row])
    return table


def render_reply(out: Console, reply: Reply, *, cards_already_shown: list[ProductCard]) -> None:
    """Everything of a final reply except what was already on screen."""
    out.print(Text(reply.text))
    if reply.products and [c.sku for c in reply.products] != [c.sku for c in cards_already_shown]:
        out.print(cards_table(reply.products))
    if reply.comparison and len(reply.comparison) >= 2:
        out.print(comparison_table(reply.comparison))
    if reply.handoff:
        out.print("[bold magenta]→ handed to a human colleague[/]", highlight=False)
    if reply.quick_replies:
        out.print("[dim]try:[/] " + "  |  ".join(escape(q) for q in reply.quick_replies), highlight=False)


async def show_turn(out: Console, events: AsyncIterator[TurnEvent]) -> Reply | None:
    """Render a turn as it happens: cards at once, the model's checked text streaming (or its replacement,
    when the assistant withdraws it), then the final reply.

    The streamed draft is transient: the final reply is printed in its place.
    """
    shown: list[ProductCard] = []
    reply: Reply | None = None
    draft = ""
    with Live(Text(""), console=out, auto_refresh=False, transient=True) as live:
        async for event in events:
            if isinstance(event, ProductsShown):
                shown = event.products
                out.print(cards_table(shown))
            elif isinstance(event, TextDelta):
                draft += event.text
                live.update(Text(draft, style="dim"), refresh=True)
            elif isinstance(event, Replacement):
                draft = event.text
                live.update(Text(draft, style="dim"), refresh=True)
            elif isinstance(event, FinalReply):
                reply = event.reply
    if reply is not None:
        render_reply(out, reply, cards_already_shown=shown)
    return reply
