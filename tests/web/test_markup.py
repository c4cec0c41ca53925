"""A bubble's HTML: what the bot formatted shows formatted, and nothing else can become markup."""

from __future__ import annotations

import pytest

from bot.channels.web.markup import message_html
from bot.emulator import parse_html


def rendered(bot_html: str) -> str:
    """The bubble HTML of a message the bot sent with parse_mode=HTML, after the Bot API parsed it."""
    return message_html(*parse_html(bot_html))


@pytest.mark.parametrize(
    "bot_html",
    [
        "<b>Trail Runner</b> ¥499",
        "<i>精选</i> <b>骆驼 CAMEL 三合一冲锋衣</b>\n💰 ¥499",
        "<code>RUN-1</code> and <pre>a  b\n c</pre>",
        "<u>u</u><s>s</s><blockquote>quoted</blockquote><tg-spoiler>hidden</tg-spoiler>",
        "<b>bold <i>both</i></b> after",
        '<a href="https://shop.example.com/p/1">Buy</a>',
    ],
)
def test_telegram_formatting_round_trips(bot_html):
    assert rendered(bot_html) == bot_html.replace('">Buy', '" target="_blank" rel="noopener noreferrer">Buy')


def test_text_that_looks_like_markup_stays_text():
    # A catalog title such as "Rain Jacket <Pro>" reaches the bot escaped; it must not become a tag here.
    html = rendered("<b>Rain Jacket &lt;Pro&gt;</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
    assert html == "<b>Rain Jacket &lt;Pro&gt;</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"


def test_links_keep_only_web_and_telegram_schemes():
    html = rendered('<a href="javascript:alert(1)">x</a> <a href="tg://resolve?domain=a">y</a>')
    assert "javascript" not in html
    assert '<a class="dead-link">x</a>' in html and 'href="tg://resolve?domain=a"' in html


def test_entities_outside_telegrams_tags_are_plain_text():
    entities = [
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "mention", "offset": 7, "length": 6},
        {"type": "bold", "offset": 100, "length": 3},  # past the end: ignored, not an exception
    ]
    assert message_html("/start @alice", entities) == "/start @alice"


def test_offsets_count_utf16_units_like_the_bot_api():
    # "😀" is two UTF-16 units: the bold entity after it must still cover exactly "粗体".
    text, entities = parse_html("😀 <b>粗体</b>!")
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]
    assert message_html(text, entities) == "😀 <b>粗体</b>!"


def test_overlapping_entities_make_well_nested_html():
    entities = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert message_html("abcdef", entities) == "<b>ab<i>cd</i></b><i>ef</i>"
