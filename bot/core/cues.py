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
    "a human | to a human | real human | human agent | human please | real person | a person | live agent | an agent",
    "customer service agent | representative",
    "talk to someone | speak to someone | speak to a manager | operator",
    "人工 | 真人 | 转人工 | 人工客服 | 找客服 | 联系客服 | 客服人员 | 投诉",
    "someone from the shop | call me back | a manager | manager | 换个人 | 换人",
)
GREETING = cues(
    "hi | hello | hey | good morning | good afternoon | good evening | thanks | thank you",
    "你好 | 您好 | 嗨 | 哈喽 | 在吗 | 在不在 | 早上好 | 晚上好 | 谢谢 | 多谢",
    "thx | thank you so much | thanks so much | bye | goodbye | see ya | see you | hiya | cheers | ok | okay",
    "晚安 | 谢啦 | 辛苦了 | 再见 | 拜拜 | 谢谢你 | 好的",
)
# A message of emoji alone: a thumbs-up or a wave is a greeting.
EMOJI_GREETING = re.compile(
    r"^[\s!！.。~]*[\U0001F44B\U0001F44D\U0001F64F\U0001F60A\U0001F642\u263A\u2764]+[\s!！.。~]*$"
)
# Words that name a policy topic on their own ("退货政策是什么", "包邮吗", "do you price match?")...
POLICY = cues(
    "policy | refund | refunds | invoice | my order | order status | track my | track order | tracking number",
    "customs | price match | gift wrapping | gift wrap | customer service | service hours | opening hours",
    "contact | phone number | email address",
    "运费 | 包邮 | 邮费 | 退货 | 退款 | 换货 | 退换 | 售后 | 发票 | 七天无理由 | 政策 | 客服电话 | 客服时间 | 上班时间",
    "营业时间 | 联系方式 | 联系你们 | 花呗 | 改地址 | 下单 | 订单 | 几天到 | 多久到 | 寄到 | 几点上班 | 几点下班",
)
# ... and words that do only in a question: "pirate ship toy" and "快递车玩具" are products.
POLICY_IN_QUESTION = cues(
    "shipping | ship | delivery | deliver | return | returns | exchange | warranty | guarantee | payment | pay",
    "cancel | 发货 | 快递 | 配送 | 物流 | 付款 | 支付 | 取消 | 保修 | 质保 | 寄 | 电话 | 邮箱",
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
    "compare | comparison | versus | difference | differences | which is better | which one is better",
    "which should i | which is cheaper | better than | side by side | which would you pick | which would u pick",
    "which one's better | which one's the better | better deal | which do you recommend",
    "对比 | 比一比 | 比一下 | 区别 | 差别 | 哪个好 | 哪个便宜 | 哪款好 | 哪个更好 | 哪款更好 | 差在哪 | 有啥不同",
    "有什么不同 | 哪个性价比 | 选哪个 | 怎么选",
)
# 比较 compares only as a verb ("比较一下这几个"); before an adjective it means "rather" ("比较耐用的保温杯").
COMPARE_VERB = re.compile(
    r"比较(?:一下|下|看看)|(?:帮我|给我|来)比较|比较(?:这|那|它们|两|前)|\bvs\.?\b|(?:跟|和).{1,8}比"
    r"|[A-Za-z0-9]\s+(?:or|还是)\s+[A-Z]",  # "AirPods Pro 2 or Sony WF-1000XM5?"
    re.I,
)
# "Which one has the longer battery life?", "哪个续航最长": a fact about the products on screen, not a verdict.
WHICH_FACT = re.compile(
    r"(?:哪个|哪款|哪一个|哪一款|哪双|哪件).*?(?:最|更[轻重长短大小快慢厚薄软硬])"
    r"|\bwhich\s+(?:one|of\s+them|of\s+these)?\s*(?:is|has|'s|are|have|weighs|lasts)\b.*?"
    r"\b(?:\w+est|longer|shorter|lighter|heavier|bigger|smaller|warmer|more|less|most|least)\b",
    re.I,
)
REVIEWS = cues(
    "review | reviews | reviewer | reviewers | rating | ratings | what do people say | say about",
    "what people say | what do buyers say | what do customers say | what others say | feedback | opinions",
    "is it any good | worth it | saying about | users saying | people saying | anyone say | buyers say",
    "people think | customers think | 有人说 | 几星 | 评分 | 星级",
    "评价 | 评论 | 口碑 | 买家 | 好评 | 差评 | 怎么评价 | 大家怎么说 | 别人怎么说 | 用户反馈 | 值得买 | 值不值",
)
# Rating words that are a specification ("temp rating", "IPX7") or a filter ("top rated", "评分高的"), not reviews.
NOT_REVIEWS = re.compile(
    r"temp(?:erature)?\s+rating|energy\s+rating|rated\s+to|\bip[x\d]\d|能效等级|top[\s-]rated|best[\s-]rated|"
    r"highly\s+rated|评分高的|好评多的|只看好评|好评率高|['‘’\"“”][^'’\"”]*review[^'’\"”]*['’\"”]",
    re.I,
)
QUESTION = cues(
    "? | does | do they | is it | is this | is that | are they | can it | can i | how | what | which | when | where",
    "why | do you | can you | are you",
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
    "ideas | not sure | what i need | hmm | help me | 建议 | 给点建议 | 帮我挑挑 | 挑挑 | 买点啥 | 啥好 | 送礼 | 想送礼",
    "好东西",
)
OUT_OF_SCOPE = cues(
    "weather | joke | poem | story | news | politics | president | world cup | who won | stock market",
    "homework | recipe | translate | write code | python code | capital of | who are you",
    "meaning of life | football | movie | film | bitcoin | crypto | library book | cook | louvre | are you a bot",
    "are you human | do you like",
    "天气 | 笑话 | 写诗 | 一首诗 | 故事 | 新闻 | 政治 | 总统 | 股票 | 作业 | 菜谱 | 翻译 | 写代码 | 首都 | 你是谁 | 足球 | 彩票",
    "火车票 | 机票 | 退休金 | 机器人 | 你喜欢",
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
    "son | daughter | there | tbh | honestly | lol | pls | plz",
    "吗 | 呢 | 么 | 啊 | 爸爸 | 妈妈 | 老婆 | 老公 | 朋友 | 女朋友 | 男朋友 | 孩子",
)

# "Do you have X?" asks whether the shop sells X: a search, not a question about a product.
AVAILABILITY = re.compile(
    r"^\s*(?:do\s+you\s+(?:also\s+)?(?:have|sell|carry|stock)|is\s+there|any\b|有没有|有卖|有)", re.I
)
# Asking for another kind of product while some are shown ("do you also sell gas canisters for these?").
ALSO_SELLS = re.compile(r"\bdo\s+you\s+(?:also\s+)?sell\b|\balso\s+need\b|你们(?:也|还)?卖|还卖|也卖", re.I)
# "lighter ones", "smaller pls": the list on screen, shifted along one property.
COMPARATIVE = re.compile(
    r"\b(?:smaller|bigger|larger|lighter|heavier|longer|shorter|warmer|cooler|thinner|thicker|newer|cheaper)\b", re.I
)
# "Does the Kindle Paperwhite have ads?": a question about a product the customer names.
NAMED_QUESTION = re.compile(
    r"^\s*(?:does|do|is|can|will|has)\s+(?:the|a|an|your)\s+(?!(?:first|second|third|fourth|last|other|one|middle)\b)"
    r"[\w'-]+(?:\s+[\w'-]+){0,5}?\s+(?:have|has|work|works|support|come|include|fit|need|use|run)\b",
    re.I,
)
# "the red one", "that black one", "蓝牙那款", "那款黑色的", "中间那个": a shown product picked by what it looks like.
REFERENCE_SHAPE = re.compile(
    r"^\s*(?:the|that|this)\s+[\w-]+(?:\s+[\w-]+)?\s+one\b[\s\W]*(?:pls|please)?[\s\W]*$"
    r"|^\s*(?:open|show|i'?ll\s+take|take)\s+(?:me\s+)?the\s+\w+(?:\s+one)?[\s\W]*$"
    r"|^[^\s]{1,6}(?:那款|那个|这款|这个)[\s\W]*$|^(?:那款|那个|这款|这个)[^\s]{1,6}的?[\s\W]*$|^点开",
    re.I,
)
PRODUCT_NAME = re.compile(r"[A-Za-z]+-?\d+[A-Za-z0-9-]*|\d+[A-Za-z]+|\b(?:[A-Z][a-z]*|[a-z]+[A-Z]\w*)\s\d+\b")
# A message shaped like a follow-up ("any in red?", "只要黑色的", "waterproof ones").
REFINE_SHAPE = re.compile(
    r"^(?:(?:any|something|one|ones|what about|how about|and|also|only|just|in|no|ok|but|size|for)\b|还有|要|只要|只看|有没有|那|给|适合)"
    r"|(?:的|ones?|instead|too|only|呢|的吗|的呢)[\s?？!！。.]*$"
    r"|\b(?:smaller|bigger|larger|lighter|heavier|longer|shorter|warmer|newer|cheaper)\b|更新款|新款",
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


def _color_word(alias: str) -> str:
    """A colour as a whole word: English by word boundaries; a one-character Chinese colour only as "红色", "红的"
    or standing alone, never inside another word (蓝牙 is Bluetooth, 红米 a phone, 白酒 a drink)."""
    if alias.isascii():
        return rf"\b{re.escape(alias)}\b"
    if len(alias) > 1:
        return rf"{re.escape(alias)}色?"
    return rf"{re.escape(alias)}(?:色|(?=的)|(?=[\s,，。.!！?？、]|$))"


# Longest first, so "深蓝" is navy rather than blue.
_COLOR_PATTERN = re.compile(
    "|".join(_color_word(alias) for alias in sorted((a for v in _COLORS.values() for a in v), key=len, reverse=True)),
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
