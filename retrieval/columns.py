"""A merchant's products as filterable columns (numpy), plus their variant groups.

`ProductColumns.mask(filters)` is how every hard filter is applied: prices compared in each product's own
currency with the bounds converted into it, brands by the brand field (or, for a product without one, by the
brand its title names), stock, excluded SKUs, and categories only when the customer restricted to them
explicitly (`SearchFilters.categories`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property

import numpy as np

from retrieval.brands import title_brands, title_names_brand
from retrieval.models import Product
from retrieval.money import NoRate, base_currency, convert
from retrieval.query import SearchFilters
from retrieval.variants import variant_key


class ProductColumns:
    """A merchant's products with their filterable fields as arrays, plus variant groups.

    `currency` is the catalog's base currency (its products' most common one); `base_prices` are the
    prices in it, NaN where unknown (no price, or no rate for the product's currency), for ordering by price.
    """

    def __init__(self, products: Sequence[Product], rates: Mapping[str, float] | None = None) -> None:
        self.products = products
        self.rates: Mapping[str, float] = rates or {}
        self.currency = base_currency(p.currency for p in products)
        self.prices = np.array([np.nan if p.price is None else p.price for p in products], dtype=np.float64)
        currency_rows: dict[str, list[int]] = defaultdict(list)
        for row, product in enumerate(products):
            currency_rows[product.currency].append(row)
        self._currency_rows = {code: np.array(rows, dtype=np.int64) for code, rows in currency_rows.items()}
        self.base_prices = self.prices.copy()
        for code, rows in self._currency_rows.items():
            if self.currency is not None and code != self.currency:
                try:
                    self.base_prices[rows] *= convert(1.0, code, self.currency, self.rates)
                except NoRate:
                    self.base_prices[rows] = np.nan
        self.in_stock = np.array([p.in_stock for p in products], dtype=bool)
        # Brands as integer codes: comparing ints is ~50x faster than np.isin over Python strings.
        self._brand_codes: dict[str, int] = {}
        self.brands = np.array(
            [self._brand_codes.setdefault((p.brand or "").casefold(), len(self._brand_codes)) for p in products],
            dtype=np.int64,
        )
        self._no_brand = np.flatnonzero(self.brands == self._brand_codes.get("", -1))
        self._title_brand_rows: dict[str, np.ndarray] = {}
        category_rows: dict[str, list[int]] = defaultdict(list)
        for row, product in enumerate(products):
            for level in {c.casefold() for c in product.category}:
                category_rows[level].append(row)
        self._category_rows = {level: np.array(rows, dtype=np.int64) for level, rows in category_rows.items()}
        self._row_of_sku = {p.sku: row for row, p in enumerate(products)}
        group_of: dict[tuple[str, str], int] = {}
        self.groups = np.array(
            [group_of.setdefault((p.brand or "", variant_key(p)), len(group_of)) for p in products], dtype=np.int64
        )
        self.members: dict[int, list[int]] = defaultdict(list)
        for row, group in enumerate(self.groups):
            self.members[int(group)].append(row)

    def __len__(self) -> int:
        return len(self.products)

    def row(self, sku: str) -> int:
        return self._row_of_sku[sku]

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Rows that satisfy every filter (the merchant is implied), or None when nothing is filtered."""
        allowed = np.ones(len(self.prices), dtype=bool)
        filtered = False
        if filters.has_price:
            allowed &= self._within_price(filters)
            filtered = True
        if filters.categories:
            in_category = np.zeros_like(allowed)
            for category in filters.categories:
                rows = self._category_rows.get(category.casefold())
                if rows is not None:
                    in_category[rows] = True
            allowed &= in_category
            filtered = True
        if filters.brands:
            allowed &= self._of_brands(filters.brands)
            filtered = True
        if filters.exclude_brands:
            allowed &= ~self._of_brands(b for b in filters.exclude_brands if b)
            filtered = True
        if filters.in_stock_only:
            allowed &= self.in_stock
            filtered = True
        if filters.exclude_skus:
            allowed[[self._row_of_sku[s] for s in filters.exclude_skus if s in self._row_of_sku]] = False
            filtered = True
        return allowed if filtered else None

    @cached_property
    def title_brands(self) -> list[str]:
        """Brands named by the titles of products that have no brand field (see `retrieval.brands`)."""
        return title_brands(self.products)

    def category_rows(self, names: Iterable[str]) -> np.ndarray:
        """Rows with any of `names` at some level of their category path."""
        found = [self._category_rows[n.casefold()] for n in names if n.casefold() in self._category_rows]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def brand_rows(self, names: Iterable[str]) -> np.ndarray:
        names = list(names)
        return np.flatnonzero(self._of_brands(names)) if names else np.zeros(0, dtype=np.int64)

    def base_price(self, sku: str) -> float:
        return float(self.base_prices[self._row_of_sku[sku]])

    def _of_brands(self, brands: Iterable[str]) -> np.ndarray:
        """Rows of any of `brands`: by the brand field, or by the title of a product that has none."""
        rows = np.zeros(len(self.prices), dtype=bool)
        for brand in brands:
            code = self._brand_codes.get(brand.casefold())
            if code is not None:
                rows |= self.brands == code
            rows[self._titled(brand)] = True
        return rows

    def _titled(self, brand: str) -> np.ndarray:
        """Rows without a brand field whose title names `brand` (cached per brand)."""
        key = brand.casefold()
        if key not in self._title_brand_rows:
            self._title_brand_rows[key] = np.array(
                [row for row in self._no_brand if title_names_brand(self.products[int(row)].title, brand)],
                dtype=np.int64,
            )
        return self._title_brand_rows[key]

    def _within_price(self, filters: SearchFilters) -> np.ndarray:
        """Rows whose price is within the bounds: compared in each product's own currency, the bounds
        converted into it (exactly as `SearchFilters.price_matches` does); bounds with no currency are in
        the base currency; a product with no price or no rate is never within."""
        if filters.currency is None and self.currency is not None:
            filters = filters.model_copy(update={"currency": self.currency})
        within = np.zeros(len(self.prices), dtype=bool)
        for code, rows in self._currency_rows.items():
            try:
                low, high = filters.price_bounds(code, self.rates)
            except NoRate:
                continue
            prices = self.prices[rows]
            inside = np.ones(len(rows), dtype=bool)
            if low is not None:
                inside &= prices >= low
            if high is not None:
                inside &= prices <= high
            within[rows] = inside
        return within
