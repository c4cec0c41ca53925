"""Per-customer dialog state and how one message changes it.

`DialogState` is what the assistant remembers between turns (the customer's language, the search
constraints in force, the products last shown, the products being compared); it is stored as a JSON
blob by `StateStore.save_dialog`, so a conversation survives a restart.

`understand(text, state, shown, vocabulary)` reads one customer message, deterministically and in
either language, and says what the customer wants (`Understanding`): a new search, a refinement of
the current one ("cheaper", "便宜点的", "red instead", "不要这个牌子"), a reference to shown products
("the second one", "第二个", "those two"), a comparison, a question about a product, what buyers say,
shop policy, a greeting, something out of scope, or a human. Constraint phrases (prices, brands,
categories, "in stock") are parsed by `retrieval.query.parse_query`; this module decides how they
combine with the constraints already in force.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field

from bot.core.language import detect_language
from bot.core.reply import Language
from retrieval.models import Product
from retrieval.query import ParsedQuery, SearchFilters, SortOrder, Vocabulary, parse_query

Intent = Literal[
    "search",
    "refine",
    "reference",
    "compare",
    "product_question",
    "reviews",
    "policy",
    "greeting",
    "clarify",
    "out_of_scope",
    "handoff",
]

DIALOG_VERSION = 1


class Constraints(BaseModel):
    """What the customer is looking for: product words plus the hard filters in force."""

    query: str = ""
    price_min: float | None = None
    price_max: float | None = None
    currency: str | None = Field(None, description="The currency of price_min/price_max; None = the shop's own.")
    cheaper_than: str | None = Field(None, description="Title of the product whose price set price_max ('cheaper').")
    pricier_than: str | None = Field(
        None, description="Title of the product whose price set price_min ('more expensive')."
    )
    categories: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    exclude_brands: list[str] = Field(default_factory=list)
    in_stock_only: bool = False
    color: str | None = Field(None, description="A soft preference: matching products rank first.")
    sort: SortOrder = "relevance"

    def filters(self) -> SearchFilters:
        return SearchFilters(
            price_min=self.price_min,
            price_max=self.price_max,
            currency=self.currency,
            categories=list(self.categories),
            brands=list(self.brands),
            exclude_brands=list(self.exclude_brands),
            in_stock_only=self.in_stock_only,
        )

    def search_text(self) -> str:
        return " ".join(part for part in (self.query, self.color or "") if part).strip()

    def is_empty(self) -> bool:
        return self == Constraints()


class HistoryTurn(BaseModel):
    user: str
    reply: str


class DialogState(BaseModel):
    """Everything remembered about one customer's conversation."""

    version: int = DIALOG_VERSION
    language: Language = "en"
    constraints: Constraints = Field(default_factory=Constraints)
    shown: list[str] = Field(default_factory=list, description="SKUs of the last product list, in the order shown.")
    focus: list[str] = Field(default_factory=list, description="SKUs the customer last referred to.")
    compare: list[str] = Field(default_factory=list, description="SKUs added with the Compare button.")
    last_intent: Intent | None = None
    history: list[HistoryTurn] = Field(default_factory=list)

    @classmethod
    def load(cls, data: dict | None) -> DialogState:
        """A stored blob, or a fresh state when there is none or it is from an incompatible version."""
        if not data or data.get("version") != DIALOG_VERSION:
            return cls()
        return cls.model_validate(data)

    def remember(self, user_text: str, reply_text: str, keep: int) -> None:
        self.history = [*self.history, HistoryTurn(user=user_text, reply=reply_text)][-keep:] if keep else []


class Understanding(BaseModel):
    """What one message asks for, with the constraints and products it resolves to."""

    intent: Intent
    language: Language
    constraints: Constraints = Field(description="The constraints to search with after this message.")
    references: list[str] = Field(default_factory=list, description="SKUs the message refers to, in order.")
    topic: str = Field("", description="What to look up: the question for policies, reviews and product questions.")


# --- cue phrases, both languages -----------------------------------------------------------------


def _cues(*phrases: str) -> re.Pattern[str]:
    """Phrases as one pattern; English words match whole, Chinese anywhere."""
    parts = []
    # Longest first, so "推荐一下" wins over "推荐" and nothing is left half-matched.
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        if re.match(r"[A-Za-z]", phrase):
            escaped = rf"\b{escaped}\b"
        parts.append(escaped)
    return re.compile("|".join(parts), re.I)


_HANDOFF = _cues(
    "human",
    "real person",
    "a person",
    "live agent",
    "an agent",
    "customer service agent",
    "representative",
    "talk to someone",
    "speak to someone",
    "speak to a manager",
    "operator",
    "人工",
    "真人",
    "转人工",
    "人工客服",
    "找客服",
    "联系客服",
    "客服人员",
    "投诉",
)
_GREETING = _cues(
    "hi",
    "hello",
    "hey",
    "good morning",
    "good afternoon",
    "good evening",
    "thanks",
    "thank you",
    "你好",
    "您好",
    "嗨",
    "哈喽",
    "在吗",
    "在不在",
    "早上好",
    "晚上好",
    "谢谢",
    "多谢",
)
_POLICY = _cues(
    "shipping",
    "ship",
    "delivery",
    "deliver",
    "return",
    "returns",
    "refund",
    "exchange",
    "warranty",
    "guarantee",
    "invoice",
    "my order",
    "order status",
    "track my",
    "track order",
    "tracking",
    "payment",
    "pay",
    "cancel",
    "policy",
    "customs",
    "运费",
    "包邮",
    "邮费",
    "发货",
    "快递",
    "配送",
    "物流",
    "退货",
    "退款",
    "换货",
    "退换",
    "保修",
    "质保",
    "售后",
    "订单",
    "发票",
    "付款",
    "支付",
    "取消",
    "七天无理由",
    "政策",
    "几天到",
    "多久到",
    "customer service",
    "service hours",
    "opening hours",
    "contact",
    "phone number",
    "email",
    "客服电话",
    "客服时间",
    "几点上班",
    "上班时间",
    "营业时间",
    "联系方式",
    "电话",
    "邮箱",
)
# A question about the human service ("人工客服几点上班？") is a policy question, not a request for one.
_SERVICE_INFO = _cues(
    "hours",
    "when",
    "what time",
    "phone",
    "email",
    "contact",
    "几点",
    "什么时候",
    "时间",
    "上班",
    "电话",
    "邮箱",
    "联系方式",
)
# Words of the question itself, taken out of a product question before the product is looked up.
_QUESTION_WORDS = _cues(
    "does",
    "do",
    "did",
    "is",
    "are",
    "the",
    "a",
    "an",
    "have",
    "has",
    "what",
    "how",
    "which",
    "can",
    "will",
    "it",
    "吗",
    "么",
    "呢",
    "多久",
    "多少",
    "多重",
    "多大",
    "怎么样",
    "如何",
    "是否",
    "有没有",
    "能不能",
    "可以",
)
# "Do you have X?" asks whether the shop sells X: a search, not a question about a product.
_AVAILABILITY = re.compile(r"^\s*(?:do\s+you\s+(?:have|sell|carry|stock)|is\s+there|有没有|有)", re.I)
_PRODUCT_NAME = re.compile(r"[A-Za-z]+-?\d+[A-Za-z0-9-]*|\d+[A-Za-z]+")
_COMPARE = _cues(
    "compare",
    "comparison",
    "vs",
    "versus",
    "difference",
    "differences",
    "which is better",
    "which one is better",
    "which should i",
    "better than",
    "which is cheaper",
    "对比",
    "比较",
    "比一比",
    "区别",
    "差别",
    "哪个好",
    "哪个便宜",
    "哪个更",
    "哪款好",
    "哪款更",
    "哪一个",
    "哪一款",
)
_REVIEWS = _cues(
    "review",
    "reviews",
    "reviewer",
    "reviewers",
    "rating",
    "ratings",
    "what do people say",
    "say about",
    "what people say",
    "what do buyers say",
    "what do customers say",
    "what others say",
    "feedback",
    "opinions",
    "is it any good",
    "worth it",
    "评价",
    "评论",
    "口碑",
    "买家",
    "好评",
    "差评",
    "怎么评价",
    "大家怎么说",
    "别人怎么说",
    "用户反馈",
    "值得买",
    "值不值",
)
_QUESTION = _cues(
    "?",
    "does",
    "do they",
    "is it",
    "is this",
    "is that",
    "are they",
    "can it",
    "can i",
    "how",
    "what",
    "which",
    "will it",
    "has it",
    "have",
    "？",
    "吗",
    "么",
    "多少",
    "什么",
    "怎么",
    "如何",
    "是否",
    "能不能",
    "可不可以",
    "可以",
    "有没有",
    "多重",
    "多大",
    "多长",
    "几",
)
_DETAILS = _cues(
    "tell me more",
    "more about",
    "more info",
    "details",
    "detail",
    "show me",
    "about",
    "the one",
    "详情",
    "详细",
    "介绍",
    "看看",
    "看下",
    "看一下",
    "给我",
    "要",
    "说说",
)
_VAGUE = _cues(
    "recommend something",
    "something",
    "anything",
    "any suggestions",
    "suggestions",
    "gift",
    "gifts",
    "present",
    "what should i buy",
    "what do you have",
    "what do you sell",
    "help me choose",
    "help me pick",
    "browse",
    "推荐",
    "推荐一下",
    "推荐点",
    "东西",
    "礼物",
    "送人",
    "有什么",
    "买什么",
    "随便看看",
    "帮我选",
    "帮我挑",
)
_OUT_OF_SCOPE = _cues(
    "weather",
    "joke",
    "poem",
    "story",
    "news",
    "politics",
    "president",
    "world cup",
    "who won",
    "stock market",
    "homework",
    "recipe",
    "translate",
    "write code",
    "python code",
    "capital of",
    "who are you",
    "meaning of life",
    "football",
    "天气",
    "笑话",
    "写诗",
    "故事",
    "新闻",
    "政治",
    "总统",
    "股票",
    "作业",
    "菜谱",
    "翻译",
    "写代码",
    "首都",
    "你是谁",
    "足球",
    "彩票",
)
_CHEAPER = _cues(
    "cheaper",
    "less expensive",
    "lower price",
    "more affordable",
    "too expensive",
    "too pricey",
    "budget option",
    "便宜",
    "便宜点",
    "便宜一点",
    "便宜些",
    "更便宜",
    "实惠点",
    "太贵",
    "贵了",
    "低一点",
    "价格低",
)
_PRICIER = _cues(
    "more expensive",
    "pricier",
    "higher end",
    "high-end",
    "premium",
    "better quality",
    "fancier",
    "upgrade",
    "贵一点",
    "贵点",
    "更贵",
    "高端",
    "好一点",
    "更好的",
    "档次高",
    "质量更好",
)
_OTHER_BRAND = _cues(
    "other brand",
    "another brand",
    "different brand",
    "other brands",
    "not this brand",
    "not that brand",
    "don't like this brand",
    "no brand like that",
    "不要这个牌子",
    "不要这个品牌",
    "换个牌子",
    "换个品牌",
    "别的牌子",
    "别的品牌",
    "其他牌子",
    "其他品牌",
    "不喜欢这个牌子",
    "不要这牌子",
    "换一个牌子",
)
_INSTEAD = _cues("instead", "rather", "换成", "换个", "改成", "要", "有没有")
_REFINE_SHAPE = re.compile(
    r"^(?:(?:any|something|one|ones|what about|how about|and|also|only|just|in)\b|还有|要|只要|有没有|那)|(?:的|ones?|instead|too)[\s?？!！。.]*$",
    re.I,
)
_CONTENT_WORD = re.compile(r"[A-Za-z]{3,}|[\u4e00-\u9fff]")
_FILLER = _cues(
    "i",
    "i'm",
    "im",
    "me",
    "my",
    "we",
    "you",
    "a",
    "an",
    "the",
    "for",
    "to",
    "of",
    "some",
    "any",
    "one",
    "ones",
    "please",
    "want",
    "need",
    "looking",
    "look",
    "buy",
    "get",
    "find",
    "show",
    "give",
    "can",
    "could",
    "would",
    "like",
    "good",
    "nice",
    "best",
    "recommend",
    "something",
    "anything",
    "with",
    "and",
    "or",
    "in",
    "on",
    "is",
    "are",
    "我",
    "想",
    "要",
    "买",
    "个",
    "一",
    "些",
    "点",
    "给",
    "帮",
    "找",
    "看看",
    "推荐",
    "东西",
    "好",
    "的",
    "吧",
    "呢",
    "请",
    "有",
    "什么",
    "一下",
    "need",
    "dad",
    "mom",
    "father",
    "mother",
    "wife",
    "husband",
    "friend",
    "girlfriend",
    "boyfriend",
    "kid",
    "kids",
    "son",
    "daughter",
    "there",
    "吗",
    "呢",
    "么",
    "啊",
    "爸爸",
    "妈妈",
    "老婆",
    "老公",
    "朋友",
    "女朋友",
    "男朋友",
    "孩子",
)

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


def _find_color(text: str) -> tuple[str | None, str]:
    """The last colour named in `text` (canonical English) and the text without colour words."""
    found: str | None = None
    for match in _COLOR_PATTERN.finditer(text):
        written = match.group(0).casefold().removesuffix("色")
        found = next((name for name, aliases in _COLORS.items() if written in aliases), found)
    return found, _COLOR_PATTERN.sub(" ", text)


# --- references to shown products ----------------------------------------------------------------

_EN_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
}
_ZH_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_ZH_MEASURE = r"(?:个|款|件|种|项|双|台|部|只|条|套|把|支|顶|瓶|本)"

_REF_FIRST_N = re.compile(
    r"\b(?:first|top)\s+(two|three|four|2|3|4)\b|(?:前|头)\s*([两二三四234])\s*" + _ZH_MEASURE + "?", re.I
)
_REF_ORDINAL_EN = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?!\s+(?:two|three|four|time|of all)\b)", re.I
)
_REF_NUMBER_EN = re.compile(r"(?:#|\b(?:number|no\.?|option|item|product|choice)\s*)([1-5])\b", re.I)
_REF_ORDINAL_ZH = re.compile(
    rf"第\s*([一二三四五1-5])\s*{_ZH_MEASURE}?|([一二三四五1-5])\s*号|(最后)\s*(?:一)?\s*{_ZH_MEASURE}"
)
_REF_PAIR = re.compile(
    r"\b(?:both|those two|these two|the two|them both|both of them)\b|(?:这|那)\s*(?:两|二)\s*"
    + _ZH_MEASURE
    + r"?|两"
    + _ZH_MEASURE
    + "都|两个都",
    re.I,
)
_REF_ALL = re.compile(r"\b(?:them|these|those|all of them|all three)\b|(?:这|那)些|它们|它们俩|全部", re.I)
_REF_ONE = re.compile(r"\b(?:it|this one|that one|the one)\b|(?:这|那)\s*" + _ZH_MEASURE + "|它", re.I)
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4}
_REF_WORDS = re.compile(
    "|".join(p.pattern for p in (_REF_FIRST_N, _REF_ORDINAL_EN, _REF_NUMBER_EN, _REF_ORDINAL_ZH, _REF_PAIR)), re.I
)


def _references(text: str, shown: list[Product], focus: list[str]) -> list[str]:
    """SKUs of shown products the message points at, in the order it names them."""
    if not shown:
        return []
    skus = [p.sku for p in shown]
    picked: list[tuple[int, str]] = []

    def pick(position: int, index: int) -> None:
        if -len(skus) <= index < len(skus):
            picked.append((position, skus[index]))

    for match in _REF_FIRST_N.finditer(text):
        raw = match.group(1) or match.group(2)
        count = _WORD_NUMBERS.get(raw.lower()) or _ZH_NUMERALS.get(raw) or int(raw)
        for index in range(count):
            pick(match.start() + index, index)
    for match in _REF_ORDINAL_EN.finditer(text):
        number = _EN_ORDINALS[match.group(1).lower()]
        pick(match.start(), number - 1 if number > 0 else -1)
    for match in _REF_NUMBER_EN.finditer(text):
        pick(match.start(), int(match.group(1)) - 1)
    for match in _REF_ORDINAL_ZH.finditer(text):
        if match.group(3):
            pick(match.start(), -1)
        else:
            pick(match.start(), _ZH_NUMERALS[match.group(1) or match.group(2)] - 1)
    picked.extend(_brand_references(text, shown))
    if not picked:
        if _REF_PAIR.search(text):
            pair = focus if len(focus) >= 2 else skus[:2]
            return pair[:2]
        if _REF_ALL.search(text):
            return skus[:4]
        if _REF_ONE.search(text):
            return focus[:1] if focus else skus[:1]
    ordered = [sku for _, sku in sorted(picked, key=lambda item: item[0])]
    return list(dict.fromkeys(ordered))


def _brand_references(text: str, shown: list[Product]) -> list[tuple[int, str]]:
    """'the Sony one', '索尼那款': a brand that exactly one shown product has."""
    found = []
    folded = unicodedata.normalize("NFKC", text).casefold()
    for product in shown:
        if not product.brand:
            continue
        names = [n for n in re.split(r"[/|()（）\s]+", product.brand.casefold()) if len(n) >= 2]
        same_brand = [p for p in shown if p.brand == product.brand]
        for name in names:
            position = folded.find(name)
            if position >= 0 and len(same_brand) == 1:
                found.append((position, product.sku))
                break
    return found


# --- understanding one message -------------------------------------------------------------------


def understand(text: str, state: DialogState, shown: list[Product], vocabulary: Vocabulary) -> Understanding:
    """Read one customer message against the dialog so far (see the module docstring)."""
    message = unicodedata.normalize("NFKC", text).strip()
    language = detect_language(message) or state.language
    parsed = parse_query(message, vocabulary)
    color, _ = _find_color(message)
    references = _references(message, shown, state.focus)

    def result(intent: Intent, constraints: Constraints | None = None, refs: list[str] | None = None) -> Understanding:
        return Understanding(
            intent=intent,
            language=language,
            constraints=constraints if constraints is not None else state.constraints,
            references=refs if refs is not None else references,
            topic=message,
        )

    has_filters = _has_filters(parsed.filters) or parsed.sort != "relevance"
    names_catalog = bool(parsed.filters.categories or parsed.filters.brands)

    if _HANDOFF.search(message) and not _SERVICE_INFO.search(message):
        return result("handoff")
    if _GREETING.search(message) and not _meaningful(_GREETING.sub(" ", message)):
        return result("greeting")
    if _OUT_OF_SCOPE.search(message) and not names_catalog and not has_filters:
        return result("out_of_scope")
    if _POLICY.search(message) and not (parsed.filters.categories and _has_price(parsed.filters)):
        return result("policy")
    if _COMPARE.search(message):
        return result("compare")
    if shown and _REVIEWS.search(message):
        return result("reviews", refs=references or state.focus[:1] or [p.sku for p in shown[:1]])
    if _REVIEWS.search(message) and not has_filters:
        return result("reviews", constraints=_fresh(parsed.text, parsed, color))

    refinement = _refinement(message, parsed, color, state, shown, references) if shown else None
    if refinement is not None:
        return result("refine", constraints=refinement)
    if references and _QUESTION.search(_strip_references(message)):
        return result("product_question")
    if not _meaningful(_strip_references(message)) and (references or _REF_WORDS.search(message)):
        return result("reference")  # with nothing shown, there is nothing to refer to: the assistant asks
    if references and not names_catalog and not has_filters:
        return result("product_question")
    if _asks_about_a_named_product(message, parsed):
        return result("product_question", constraints=_fresh(_QUESTION_WORDS.sub(" ", parsed.text), parsed, color))
    if state.last_intent == "clarify" and (has_filters or names_catalog or _meaningful(message)):
        return result("search", constraints=_merge(state.constraints, parsed, color, extra_query=parsed.text))
    if _is_vague(parsed.text) and not names_catalog and not has_filters:
        return result("clarify", constraints=_fresh(parsed.text, parsed, color))
    if not _meaningful(parsed.text) and not names_catalog and not has_filters:
        return result("out_of_scope" if _CONTENT_WORD.search(message) else "clarify")
    return result("search", constraints=_fresh(parsed.text, parsed, color))


def _asks_about_a_named_product(message: str, parsed: ParsedQuery) -> bool:
    """'Does the Salomon X Ultra 4 have GORE-TEX?', '索尼WH-1000XM5续航多久？': a question naming a model."""
    if _AVAILABILITY.search(message) or not _QUESTION.search(message):
        return False
    return bool(_PRODUCT_NAME.search(message)) or (bool(parsed.filters.brands) and _meaningful(parsed.text))


def review_aspect(text: str) -> str:
    """What a reviews question is about beyond "what do buyers say": 'what do buyers say about the zipper?'
    -> 'zipper', '买家怎么评价拉链？' -> '拉链'; empty when it asks about the product as a whole."""
    rest = _strip_references(_REVIEWS.sub(" ", unicodedata.normalize("NFKC", text)))
    rest = _FILLER.sub(
        " ",
        re.sub(
            r"\b(?:what|do|does|did|say|says|about|think|of|people|buyers|customers|they|them)\b|怎么|说|觉得|如何|样",
            " ",
            rest,
            flags=re.I,
        ),
    )
    return re.sub(r"[\s,，。.!！?？的]+", " ", rest).strip()


def _has_price(filters: SearchFilters) -> bool:
    return filters.price_min is not None or filters.price_max is not None


def _has_filters(filters: SearchFilters) -> bool:
    return bool(
        filters.price_min is not None
        or filters.price_max is not None
        or filters.categories
        or filters.brands
        or filters.exclude_brands
        or filters.in_stock_only
    )


def _meaningful(text: str) -> bool:
    """True when `text` still has words once greetings, fillers and punctuation are gone."""
    return bool(_CONTENT_WORD.search(_FILLER.sub(" ", text)))


def _is_vague(text: str) -> bool:
    return bool(_VAGUE.search(text)) and not _meaningful(_VAGUE.sub(" ", text))


def _strip_references(text: str) -> str:
    for pattern in (_REF_FIRST_N, _REF_ORDINAL_EN, _REF_NUMBER_EN, _REF_ORDINAL_ZH, _REF_PAIR, _REF_ALL, _REF_ONE):
        text = pattern.sub(" ", text)
    return _DETAILS.sub(" ", re.sub(r"\b(?:one|ones|the)\b", " ", text, flags=re.I))


def _fresh(query: str, parsed: ParsedQuery, color: str | None) -> Constraints:
    _, query = _find_color(query) if color else (None, query)
    filters = parsed.filters
    return Constraints(
        query=re.sub(r"\s+", " ", query).strip(),
        price_min=filters.price_min,
        price_max=filters.price_max,
        currency=filters.currency,
        categories=list(filters.categories),
        brands=list(filters.brands),
        exclude_brands=list(filters.exclude_brands),
        in_stock_only=filters.in_stock_only,
        color=color,
        sort=parsed.sort,
    )


def _merge(current: Constraints, parsed: ParsedQuery, color: str | None, *, extra_query: str = "") -> Constraints:
    """The constraints in force with this message's on top: new bounds replace, exclusions add up."""
    filters = parsed.filters
    merged = current.model_copy(deep=True)
    if filters.price_min is not None or filters.price_max is not None:
        merged.price_min, merged.price_max = filters.price_min, filters.price_max
        merged.currency = filters.currency
        merged.cheaper_than = merged.pricier_than = None
    if filters.categories:
        merged.categories = list(filters.categories)
    if filters.brands:
        merged.brands = list(filters.brands)
        merged.exclude_brands = [b for b in merged.exclude_brands if b not in filters.brands]
    for brand in filters.exclude_brands:
        if brand not in merged.exclude_brands:
            merged.exclude_brands.append(brand)
    merged.brands = [b for b in merged.brands if b not in merged.exclude_brands]
    merged.in_stock_only = merged.in_stock_only or filters.in_stock_only
    if color:
        merged.color = color
    if parsed.sort != "relevance":
        merged.sort = parsed.sort
    _, extra = _find_color(extra_query)
    extra = _FILLER.sub(" ", _INSTEAD.sub(" ", extra))
    extra = re.sub(r"[\s,，。.!！?？的]+", " ", extra).strip()
    if extra and extra.casefold() not in merged.query.casefold():
        merged.query = f"{merged.query} {extra}".strip()
    return merged


def _price_from(constraints: Constraints, product: Product) -> None:
    """A bound taken from `product`'s price is in its currency: bounds stated in another one no longer apply."""
    if constraints.currency not in (None, product.currency):
        constraints.price_min = constraints.price_max = None
        constraints.cheaper_than = constraints.pricier_than = None
    constraints.currency = product.currency


def _refinement(
    message: str,
    parsed: ParsedQuery,
    color: str | None,
    state: DialogState,
    shown: list[Product],
    references: list[str],
) -> Constraints | None:
    """The new constraints when `message` narrows or shifts the current search; None when it does not.

    "Cheaper" and "not this brand" are relative to the products referred to (in this message, else
    the last one looked at), else to the whole list shown.
    """
    filters = parsed.filters
    if filters.categories and set(filters.categories) != set(state.constraints.categories):
        return None  # another kind of product: a new search
    pointed = references or state.focus
    anchor = [p for p in shown if p.sku in pointed] or shown
    if _CHEAPER.search(message):
        merged = _merge(state.constraints, parsed, color)
        cheapest = min(anchor, key=lambda p: p.price)
        _price_from(merged, cheapest)
        bound = round(cheapest.price - 0.01, 2)
        if merged.price_max is None or bound < merged.price_max:
            merged.price_max, merged.cheaper_than = bound, cheapest.title
        merged.sort = "relevance"
        return merged
    if _PRICIER.search(message):
        merged = _merge(state.constraints, parsed, color)
        dearest = max(anchor, key=lambda p: p.price)
        _price_from(merged, dearest)
        merged.price_min, merged.pricier_than = round(dearest.price + 0.01, 2), dearest.title
        if merged.price_max is not None and merged.price_max < merged.price_min:
            merged.price_max = merged.cheaper_than = None
        return merged
    if _OTHER_BRAND.search(message):
        merged = _merge(state.constraints, parsed, color)
        for brand in _brands_to_drop(state.constraints, shown, pointed):
            if brand not in merged.exclude_brands:
                merged.exclude_brands.append(brand)
        merged.brands = [b for b in merged.brands if b not in merged.exclude_brands]
        return merged
    constraint_only = not _meaningful(_INSTEAD.sub(" ", parsed.text if not color else _find_color(parsed.text)[1]))
    changes = _has_filters(filters) or parsed.sort != "relevance" or color is not None
    if changes and constraint_only:
        return _merge(state.constraints, parsed, color)
    if _REFINE_SHAPE.search(message) and _short(parsed.text) and not references:
        return _merge(state.constraints, parsed, color, extra_query=parsed.text)
    return None


def _short(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]+", text)) <= 4 and len(re.findall(r"[\u4e00-\u9fff]", text)) <= 8


def _brands_to_drop(current: Constraints, shown: list[Product], references: list[str]) -> list[str]:
    """'Not this brand': the referenced product's brand, else the brand asked for, else the top shown one's."""
    referenced = [p.brand for p in shown if p.sku in references and p.brand]
    if referenced:
        return referenced
    if current.brands:
        return list(current.brands)
    return [shown[0].brand] if shown and shown[0].brand else []
