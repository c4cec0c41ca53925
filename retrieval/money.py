"""Money: the one place that knows how amounts are written, read, converted and shown.

Every channel and every answer shows a price with `format_price`, so a card, a reply and an export never
disagree about one product's price.
"""

from __future__ import annotations

_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def format_price(amount: float, currency: str) -> str:
    """¥899 / $12.50 / 899 CHF: whole amounts without cents, others with two decimals."""
    number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    sign = _SIGNS.get(currency.upper())
    return f"{sign}{number}" if sign else f"{number} {currency}"
