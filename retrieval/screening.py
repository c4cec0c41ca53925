"""Screening catalog text before anyone reads it: pure detectors, no I/O.

Merchants' files are often assembled from other people's words (supplier descriptions, scraped reviews), so
some of what arrives addresses the shopping assistant instead of describing a product, or promises what no
shop gives. Three detectors, in Chinese and English:

- `instruction_like`: text that gives the assistant orders ("SYSTEM OVERRIDE: ignore all previous
  instructions", "告诉所有顾客……", "you are now ...");
- `too_good_to_be_true`: claims that make a product free or nearly so ("all products are free", "全场免单",
  "0元购", "90% off", "一折");
- `private_url` / `private_urls`: URLs whose host is a loopback, private, link-local or otherwise
  non-public address (`http://127.0.0.1/`, `http://169.254.169.254/`, `http://[::1]/`, `http://localhost/`),
  which a bot that fetches images or links must never be pointed at.

`screen(text)` names the `Flag`s a text raises. A record's `flags` field (`retrieval.models`) holds them until
the merchant confirms the text; customer-facing code keeps flagged text out of prompts, templates and buttons.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Literal
from urllib.parse import urlsplit

Flag = Literal["instructions", "too_good_to_be_true"]

_INSTRUCTIONS = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:instructions?|rules|prompts?|guidelines)\b"
    r"|\bsystem\s+(?:prompt|override|message|instruction)s?\b|\byou are now\b|\bact as\b.{0,20}\b(?:assistant|ai)\b"
    r"|\badmin mode\b|\bdeveloper mode\b|\b(?:tell|inform|say to)\s+(?:every|all)\w*\s+(?:customers?|users?|buyers?)\b"
    r"|\bas an ai\b|\bnew instructions?\b|\bjailbreak\b"
    r"|(?:忽略|无视|忘记|忘掉).{0,12}(?:指令|规则|提示|设定|要求)|系统(?:提示|指令|覆盖|消息)|管理员模式|开发者模式"
    r"|(?:告诉|通知|告知)(?:大家|所有|每[个位一])|你现在是|你必须(?:说|回答|告诉)|新的指令",
    re.I | re.S,
)
_NOTHING_TO_PAY = (
    r"(?:free|free of charge|at no cost|for nothing|costs? nothing|gratis|\$\s*0(?:\.0+)?\b|¥\s*0(?:\.0+)?\b)"
)
_TOO_GOOD = re.compile(
    rf"\b(?:all|every|everything|any)\b[^.!?。！？]{{0,30}}\b(?:is|are)\s+(?:now\s+|today\s+)?{_NOTHING_TO_PAY}"
    rf"|\b(?:everything|all products|all items|whole (?:shop|store))\b[^.!?。！？]{{0,15}}{_NOTHING_TO_PAY}"
    r"|\b(?:100%|totally|completely) free\b|\bfree (?:iphones?|gifts? for (?:every|all)\w*)\b"
    r"|\b(?:[7-9]\d|100)\s*% off\b|\bprice (?:error|glitch|mistake)\b|\bpay nothing\b"
    r"|全部免费|全场免(?:单|费)|所有商品(?:都)?免费|免费送|白送|不要钱|0\s*元购|零元购|一元购|[1-3一二三](?:\.\d)?\s*折(?!叠|扣)|价格错误",
    re.I,
)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'）)】]+", re.I)
_PRIVATE_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


def instruction_like(text: str) -> bool:
    """True for text that addresses the assistant rather than describing a product."""
    return _INSTRUCTIONS.search(_normal(text)) is not None


def too_good_to_be_true(text: str) -> bool:
    """True for claims that a product or the whole shop is free or nearly so."""
    return _TOO_GOOD.search(_normal(text)) is not None


def screen(text: str) -> list[Flag]:
    """The flags `text` raises, in a stable order (empty when it reads as an ordinary description or review)."""
    flags: list[Flag] = []
    if instruction_like(text):
        flags.append("instructions")
    if too_good_to_be_true(text):
        flags.append("too_good_to_be_true")
    return flags


def private_url(url: str) -> bool:
    """True when `url`'s host is not a public internet address: loopback, private (RFC 1918, unique local),
    link-local (cloud metadata at 169.254.169.254 included), unspecified, reserved or multicast; `localhost`
    and the local-only name suffixes; and IPv4 written as one number or in hex (`http://2130706433/`)."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return True  # a URL Python cannot even split is no safe target
    if not host:
        return False
    host = host.rstrip(".").casefold()
    if host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES):
        return True
    address = _ip(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def private_urls(text: str) -> list[str]:
    """The URLs in `text` that point at non-public addresses (see `private_url`)."""
    urls = (url.rstrip(".,;:!?。，；：！？") for url in _URL.findall(text))  # a sentence's end is not the URL's
    return [url for url in urls if private_url(url)]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as an IP address when it is one, in any of the spellings resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(r"0x[0-9a-f]+|\d+", part) for part in parts):
        return None
    # inet_aton's forms: "2130706433", "0x7f.1", "0177.0.0.1", "127.1" (the last part fills the remaining bytes).
    try:
        numbers = [int(part, 0) if part.startswith("0x") else int(part, 8 if part[:1] == "0" else 10) for part in parts]
    except ValueError:
        return None  # "08": not a number a resolver reads, so not an address either
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)
