"""The retrieval layer's errors that callers turn into messages for merchants and customers."""

from __future__ import annotations


class CatalogError(ValueError):
    """A catalog request that cannot be carried out; the message says why and what to do."""
