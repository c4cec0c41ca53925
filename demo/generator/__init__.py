"""The demo shop's hand-written sources and the generator that writes `demo/shop/` (not installed)."""
