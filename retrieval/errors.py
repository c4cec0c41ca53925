"""The retrieval layer's errors that callers turn into messages for merchants and customers."""

from __future__ import annotations


class CatalogError(ValueError):
    """A catalog request that cannot be carried out; the message says why and what to do."""


class CurrencyNotConvertible(CatalogError):
    """A price limit in `currency` cannot be compared with a catalog priced in `base`: no rate for one of them.

    The assistant tells the customer which currency the shop prices in, so they can restate the limit.
    """

    def __init__(self, currency: str, base: str) -> None:
        super().__init__(
            f"prices here are in {base} and there is no exchange rate for {currency}; state the limit in {base}, "
            "or add both currencies to SHOPGUIDE_RETRIEVAL__CURRENCY_RATES."
        )
        self.currency = currency
        self.base = base
