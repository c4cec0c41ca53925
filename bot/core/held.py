"""Which of a record's free text a customer-facing answer may use: held text stays out.

A product's description and a review's text are the merchant's (or their suppliers' and buyers') own words.
They are held, and never reach a model prompt, a template answer, the Details or Why? buttons or a summary,
when the record carries `flags` (raised by `retrieval.screening` at ingest and cleared when the merchant
confirms the text), and always when the text gives the assistant orders: instructions are never product
facts, whoever confirmed them. Structured fields (title, price, stock, rating, attributes) are not held.
"""

from __future__ import annotations

from retrieval.models import Product, Review
from retrieval.screening import instruction_like


def description(product: Product) -> str:
    """The product's description, or "" while it is held."""
    if product.flags or instruction_like(product.description):
        return ""
    return product.description


def quotable(review: Review) -> bool:
    """Whether the review's words may be quoted, summarised or given to the model (its rating always counts)."""
    return not review.flags and not instruction_like(review.text)
