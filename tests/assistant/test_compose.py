"""How the deterministic answers name products in the customer's language."""

from __future__ import annotations

import pytest

from bot.core.compose.products import local_name


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("Li-Ning/李宁", "Li-Ning"),
        ("小米手环9 Xiaomi Smart Band 9", "Xiaomi Smart Band 9"),
        # Only a brand and a size would be left in Latin letters: the whole name says more.
        ("骆驼 CAMEL 全自动帐篷 3-4人 公园野餐", "骆驼 CAMEL 全自动帐篷 3-4人 公园野餐"),
        ("安踏 ANTA 防风运动夹克", "安踏 ANTA 防风运动夹克"),
    ],
)
def test_english_replies_keep_a_latin_name_only_when_it_names_the_product(name: str, english: str) -> None:
    assert local_name(name, "en") == english
    assert local_name(name, "zh") == name
