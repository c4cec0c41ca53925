"""Which hits a search shows: the kind of product named or agreed on (`bot.core.lookups.one_kind`)."""

from __future__ import annotations

from bot.core.lookups import one_kind
from retrieval.fusion import ProductHit
from retrieval.models import Product


def _hit(sku: str, category: str, relevance: float) -> ProductHit:
    product = Product(merchant_id="m", sku=sku, title=sku, price=100, category=category.split(" > "))
    return ProductHit(product=product, score=relevance, relevance=relevance)


POWER_BANK = "数码 > 充电 > 充电宝"
CHARGER = "数码 > 充电 > 充电器"


def test_a_named_kind_keeps_to_itself_unless_another_kind_is_nearly_as_likely_an_answer():
    hits = [_hit("PB1", POWER_BANK, 0.8), _hit("CH1", CHARGER, 0.5), _hit("PB2", POWER_BANK, 0.6)]
    assert [h.product.sku for h in one_kind(hits, ["充电宝"])] == ["PB1", "PB2"]
    close = [_hit("PB1", POWER_BANK, 0.8), _hit("CH1", CHARGER, 0.75), _hit("PB2", POWER_BANK, 0.6)]
    assert [h.product.sku for h in one_kind(close, ["充电宝"])] == ["PB1", "CH1", "PB2"]


def test_without_a_named_kind_the_first_hits_agreement_decides():
    hits = [_hit("CH1", CHARGER, 0.8), _hit("PB1", POWER_BANK, 0.3), _hit("CH2", CHARGER, 0.7)]
    assert [h.product.sku for h in one_kind(hits, [])] == ["CH1", "CH2"]


def test_nothing_is_cut_without_a_kind_and_the_best_hit_always_stays():
    mixed = [_hit("A", "Toys > Puzzles", 0.8), _hit("B", "Toys > Dolls", 0.2), _hit("C", "Toys > Games", 0.1)]
    assert one_kind(mixed, []) == mixed
    # A kind named that the best hit is not of says nothing about the list.
    assert one_kind(mixed, ["Dolls"]) == mixed
    assert one_kind([], ["Dolls"]) == []
