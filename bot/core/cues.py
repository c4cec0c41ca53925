"""The phrases that tell what a customer message wants, in both languages, and the colours it may name.

Each cue list is one compiled pattern (`cues`): English phrases match as whole words, Chinese ones anywhere.
The lists are written as lines of `|`-separated phrases; their order does not matter (longest wins).
`bot.core.understand` reads a message with them.
"""

from __future__ import annotations

import re


def cues(*lines: str) -> re.Pattern[str]:
    """The phrases of `lines` (each `a | b | c`) as one pattern; English words match whole, Chinese anywhere."""
    phrases = [phrase.strip() for line in lines for phrase in line.split("|")]
    parts = []
    # Longest first, so "推荐一下" wins over "推荐" and nothing is left half-matched.
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        if re.match(r"[A-Za-z]", phrase):
            escaped = rf"\b{escaped}\b"
        parts.append(escaped)
    return re.compile("|".join(parts), re.I)


HANDOFF = cues(
    "human | real person | a person | live agent | an agent | customer service agent | representative",
    "talk to someone | speak to someone | speak to a manager | operator",
    "人工 | 真人 | 转人工 | 人工客服 | 找客服 | 联系客服 | 客服人员 | 投诉",
)
GREETING = cues(
    "hi | hello | hey | good morning | good afternoon | good evening | thanks | thank you",
    "你好 | 您好 | 嗨 | 哈喽 | 在吗 | 在不在 | 早上好 | 晚上好 | 谢谢 | 多谢",
)
POLICY = cues(
    "shipping | ship | delivery | deliver | return | returns | refund | exchange | warranty | guarantee",
    "invoice | my order | order status | track my | track order | tracking | payment | pay | cancel",
    "policy | customs",
    "运费 | 包邮 | 邮费 | 发货 | 快递 | 配送 | 物流 | 退货 | 退款 | 换货 | 退换 | 保修 | 质保 | 售后 | 订单 | 发票 | 付款 | 支付 | 取消 | 七天无理由",
    "政策 | 几天到 | 多久到",
    "customer service | service hours | opening hours | contact | phone number | email",
    "客服电话 | 客服时间 | 几点上班 | 上班时间 | 营业时间 | 联系方式 | 电话 | 邮箱",
)
# A question about the human service ("人工客服几点上班？") is a policy question, not a request for one.
SERVICE_INFO = cues(
    "hours | when | what time | phone | email | contact",
    "几点 | 什么时候 | 时间 | 上班 | 电话 | 邮箱 | 联系方式",
)
# Words of the question itself, taken out of a product question before the product is looked up.
QUESTION_WORDS = cues(
    "does | do | did | is | are | the | a | an | have | has | what | how | which | can | will | it",
    "吗 | 么 | 呢 | 多久 | 多少 | 多重 | 多大 | 怎么样 | 如何 | 是否 | 有没有 | 能不能 | 可以",
)
COMPARE = cues(
    "compare | comparison | vs | versus | difference | differences | which is better",
    "which one is better | which should i | better than | which is cheaper",
    "对比 | 比较 | 比一比 | 区别 | 差别 | 哪个好 | 哪个便宜 | 哪个更 | 哪款好 | 哪款更 | 哪一个 | 哪一款",
)
REVIEWS = cues(
    "review | reviews | reviewer | reviewers | rating | ratings | what do people say | say about",
    "what people say | what do buyers say | what do customers say | what others say | feedback | opinions",
    "is it any good | worth it",
    "评价 | 评论 | 口碑 | 买家 | 好评 | 差评 | 怎么评价 | 大家怎么说 | 别人怎么说 | 用户反馈 | 值得买 | 值不值",
)
QUESTION = cues(
    "? | does | do they | is it | is this | is that | are they | can it | can i | how | what | which",
    "will it | has it | have | ？",
    "吗 | 么 | 多少 | 什么 | 怎么 | 如何 | 是否 | 能不能 | 可不可以 | 可以 | 有没有 | 多重 | 多大 | 多长 | 几",
)
DETAILS = cues(
    "tell me more | more about | more info | details | detail | show me | about | the one",
    "详情 | 详细 | 介绍 | 看看 | 看下 | 看一下 | 给我 | 要 | 说说",
)
VAGUE = cues(
    "recommend something | something | anything | any suggestions | suggestions | gift | gifts | present",
    "what should i buy | what do you have | what do you sell | help me choose | help me pick | browse",
    "推荐 | 推荐一下 | 推荐点 | 东西 | 礼物 | 送人 | 有什么 | 买什么 | 随便看看 | 帮我选 | 帮我挑",
)
OUT_OF_SCOPE = cues(
    "weather | joke | poem | story | news | politics | president | world cup | who won | stock market",
    "homework | recipe | translate | write code | python code | capital of | who are you",
    "meaning of life | football",
    "天气 | 笑话 | 写诗 | 故事 | 新闻 | 政治 | 总统 | 股票 | 作业 | 菜谱 | 翻译 | 写代码 | 首都 | 你是谁 | 足球 | 彩票",
)
CHEAPER = cues(
    "cheaper | less expensive | lower price | more affordable | too expensive | too pricey",
    "budget option",
    "便宜 | 便宜点 | 便宜一点 | 便宜些 | 更便宜 | 实惠点 | 太贵 | 贵了 | 低一点 | 价格低",
)
PRICIER = cues(
    "more expensive | pricier | higher end | high-end | premium | better quality | fancier | upgrade",
    "贵一点 | 贵点 | 更贵 | 高端 | 好一点 | 更好的 | 档次高 | 质量更好",
)
OTHER_BRAND = cues(
    "other brand | another brand | different brand | other brands | not this brand | not that brand",
    "don't like this brand | no brand like that",
    "不要这个牌子 | 不要这个品牌 | 换个牌子 | 换个品牌 | 别的牌子 | 别的品牌 | 其他牌子 | 其他品牌 | 不喜欢这个牌子 | 不要这牌子 | 换一个牌子",
)
# Words that swap one wish for another ("red instead", "换成红色").
INSTEAD = cues(
    "instead | rather",
    "换成 | 换个 | 改成 | 要 | 有没有",
)
# Words that carry no product: pronouns, requests, politeness, who the present is for.
FILLER = cues(
    "i | i'm | im | me | my | we | you | a | an | the | for | to | of | some | any | one | ones | please",
    "want | need | looking | look | buy | get | find | show | give | can | could | would | like | good",
    "nice | best | recommend | something | anything | with | and | or | in | on | is | are",
    "我 | 想 | 要 | 买 | 个 | 一 | 些 | 点 | 给 | 帮 | 找 | 看看 | 推荐 | 东西 | 好 | 的 | 吧 | 呢 | 请 | 有 | 什么 | 一下",
    "need | dad | mom | father | mother | wife | husband | friend | girlfriend | boyfriend | kid | kids",
    "son | daughter | there",
    "吗 | 呢 | 么 | 啊 | 爸爸 | 妈妈 | 老婆 | 老公 | 朋友 | 女朋友 | 男朋友 | 孩子",
)

# "Do you have X?" asks whether the shop sells X: a search, not a question about a product.
AVAILABILITY = re.compile(r"^\s*(?:do\s+you\s+(?:have|sell|carry|stock)|is\s+there|有没有|有)", re.I)
PRODUCT_NAME = re.compile(r"[A-Za-z]+-?\d+[A-Za-z0-9-]*|\d+[A-Za-z]+")
# A message shaped like a follow-up ("any in red?", "只要黑色的", "waterproof ones").
REFINE_SHAPE = re.compile(
    r"^(?:(?:any|something|one|ones|what about|how about|and|also|only|just|in)\b|还有|要|只要|有没有|那)|(?:的|ones?|instead|too)[\s?？!！。.]*$",
    re.I,
)
CONTENT_WORD = re.compile(r"[A-Za-z]{3,}|[\u4e00-\u9fff]")


def meaningful(text: str) -> bool:
    """True when `text` still has words once greetings, fillers and punctuation are gone."""
    return bool(CONTENT_WORD.search(FILLER.sub(" ", text)))


# --- colours ---------------------------------------------------------------------------------------

_COLORS: dict[str, tuple[str, ...]] = {
    "red": ("red", "红"),
    "blue": ("blue", "蓝"),
    "navy": ("navy", "藏青", "深蓝"),
    "black": ("black", "黑"),
    "white": ("white", "白"),
    "green": ("green", "绿"),
    "yellow": ("yellow", "黄"),
    "grey": ("grey", "gray", "灰"),
    "pink": ("pink", "粉"),
    "purple": ("purple", "紫"),
    "orange": ("orange", "橙", "橘"),
    "brown": ("brown", "棕", "咖啡色"),
    "beige": ("beige", "米色", "卡其"),
    "silver": ("silver", "银"),
    "gold": ("gold", "金色"),
}
_COLOR_PATTERN = re.compile(
    "|".join(
        rf"\b{re.escape(alias)}\b" if alias.isascii() else rf"{re.escape(alias)}色?"
        for aliases in _COLORS.values()
        for alias in aliases
    ),
    re.I,
)


def color_aliases(color: str) -> tuple[str, ...]:
    """Every spelling of a canonical colour ('red' -> 'red', '红')."""
    return _COLORS.get(color, (color,))


def find_color(text: str) -> tuple[str | None, str]:
    """The last colour named in `text` (canonical English) and the text without colour words."""
    found: str | None = None
    for match in _COLOR_PATTERN.finditer(text):
        written = match.group(0).casefold().removesuffix("色")
        found = next((name for name, aliases in _COLORS.items() if written in aliases), found)
    return found, _COLOR_PATTERN.sub(" ", text)
