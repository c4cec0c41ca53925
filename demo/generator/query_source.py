"""The retrieval evaluation queries of the demo shop, with how each one is graded against the catalog.

A query names the kinds of product that answer it (`grades`: kind -> grade 1-3) and may add:
- hard constraints (`max_price`, `min_price`, `brands`, `exclude`, `in_stock`) that a product must meet to be
  relevant at all, whatever else it is (prices compare in yuan: USD prices are converted at `USD_TO_CNY`);
- `need`: what makes a grade-3 product exactly right (e.g. waterproof); one of those kinds that lacks it
  drops to `miss` (default 1: partly relevant);
- `skus`: SKU prefixes that are exactly what was asked (a named product), graded 3 whatever their kind.
A query with nothing relevant in the catalog gets no qrels rows: the right answer is "nothing fits".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

USD_TO_CNY = 7.2

Predicate = Callable[[dict], bool]


@dataclass(frozen=True)
class Query:
    lang: str
    text: str
    grades: dict[str, int] = field(default_factory=dict)
    need: Predicate | None = None
    miss: int = 1
    max_price: float | None = None
    min_price: float | None = None
    brands: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    in_stock: bool = False
    skus: tuple[str, ...] = ()

    @property
    def constrained(self) -> bool:
        return bool(self.max_price or self.min_price or self.brands or self.exclude or self.in_stock)


def _text(product: dict) -> str:
    return " ".join([product["title"], product["description"], *product["attributes"].values()]).lower()


def mentions(*words: str) -> Predicate:
    """The title, description or an attribute mentions one of the words (Latin words whole: "red" is not "zippered")."""
    patterns = [re.compile(rf"(?<![a-z0-9]){re.escape(word.lower())}(?![a-z0-9])") for word in words]
    return lambda product: any(pattern.search(_text(product)) for pattern in patterns)


def attr_number(name: str, test: Callable[[float], bool], pick: Callable[[list[float]], float] = max) -> Predicate:
    """An attribute's number (the largest, or `pick` of all numbers in it) passes `test`."""

    def check(product: dict) -> bool:
        numbers = [
            float(n)
            for n in re.findall(r"(?<!\d)-?\d+(?:\.\d+)?", product["attributes"].get(name, "").replace(",", ""))
        ]
        return bool(numbers) and test(pick(numbers))

    return check


def waterproof(product: dict) -> bool:
    """Really waterproof: a membrane or a hydrostatic head, not just a water-repellent finish."""
    rating = product["attributes"].get("waterproof", "")
    return bool(rating) and not any(weak in rating for weak in ("防泼水", "不防水", "water-resistant"))


def anc(product: dict) -> bool:
    return product["attributes"].get("anc") in ("yes", "是")


def every(*predicates: Predicate) -> Predicate:
    return lambda product: all(predicate(product) for predicate in predicates)


JACKETS = {"hardshell": 3, "down": 3, "fleece": 3}
AUDIO = {"earbuds": 3, "headphones": 3}
TEAS = {"tea": 3}

QUERIES: tuple[Query, ...] = (
    # ---- Chinese ---------------------------------------------------------------------------------
    Query("zh", "冲锋衣", {"hardshell": 3}),
    Query("zh", "防水冲锋衣 500元以内", {"hardshell": 3}, need=waterproof, max_price=500),
    Query("zh", "北面冲锋衣", {"hardshell": 3}, brands=("The North Face/北面",)),
    Query("zh", "女款长款羽绒服", {"down": 3}, need=every(mentions("女款"), mentions("中长", "长款")), miss=2),
    Query("zh", "保暖羽绒服 不要波司登", {"down": 3}, exclude=("BOSIDENG/波司登",)),
    Query("zh", "跑步鞋", {"running_shoe": 3}),
    Query("zh", "李宁跑鞋 400以内", {"running_shoe": 3}, brands=("Li-Ning/李宁",), max_price=400),
    Query("zh", "马拉松碳板跑鞋", {"running_shoe": 3}, need=mentions("碳板", "plate")),
    Query("zh", "防水登山鞋", {"hiking_shoe": 3}, need=waterproof),
    Query("zh", "登山鞋 300元以内 有货", {"hiking_shoe": 3}, max_price=300, in_stock=True),
    Query("zh", "跑鞋 不要耐克", {"running_shoe": 3}, exclude=("Nike/耐克",)),
    Query("zh", "安踏跑鞋", {"running_shoe": 3}, brands=("ANTA/安踏",)),
    Query("zh", "40升左右的徒步登山包", {"hiking_pack": 3}, need=attr_number("capacity", lambda v: v >= 35), miss=2),
    Query("zh", "通勤双肩包 能放笔记本电脑", {"daypack": 3}, need=mentions("笔记本", "laptop")),
    Query("zh", "双人帐篷", {"tent": 3}, need=mentions("2人", "2 person", "双人")),
    Query(
        "zh",
        "双人帐篷 1000元以内 有货",
        {"tent": 3},
        need=mentions("2人", "2 person", "双人"),
        max_price=1000,
        in_stock=True,
    ),
    Query("zh", "帐篷 50元以内", {"tent": 3}, max_price=50),
    Query("zh", "家庭露营帐篷 4人以上", {"tent": 3}, need=attr_number("capacity", lambda v: v >= 4)),
    Query("zh", "冬天露营用的睡袋 零下也不冷", {"sleeping_bag": 3}, need=attr_number("comfort_temp", lambda v: v < 0)),
    Query("zh", "露营折叠椅", {"camp_gear": 3}, need=mentions("椅", "chair"), miss=0),
    Query("zh", "降噪耳机", AUDIO, need=anc),
    Query("zh", "索尼耳机", AUDIO, brands=("Sony/索尼",)),
    Query("zh", "200元以内的蓝牙耳机", AUDIO, max_price=200),
    Query("zh", "头戴式降噪耳机", {"headphones": 3, "earbuds": 1}, need=anc),
    Query("zh", "20000毫安充电宝", {"powerbank": 3}, need=attr_number("capacity", lambda v: v >= 20000)),
    Query("zh", "小米充电宝", {"powerbank": 3}, brands=("Xiaomi/小米",)),
    Query("zh", "能给笔记本电脑充电的充电宝", {"powerbank": 3}, need=attr_number("power", lambda v: v >= 60)),
    Query("zh", "65W氮化镓充电器", {"charger": 3}, need=mentions("氮化镓", "gan"), miss=2),
    Query("zh", "智能手环 续航长", {"wearable": 2}, skus=("XM-BAND9", "HW-BAND9")),
    Query("zh", "IH电饭煲 5升", {"rice_cooker": 3}, need=mentions("IH")),
    Query("zh", "美的电饭煲", {"rice_cooker": 3}, brands=("Midea/美的",)),
    Query("zh", "300元以内的电饭煲", {"rice_cooker": 3}, max_price=300),
    Query("zh", "大容量空气炸锅", {"air_fryer": 3}, need=attr_number("capacity", lambda v: v >= 5), miss=2),
    Query("zh", "空气炸锅 不要美的", {"air_fryer": 3}, exclude=("Midea/美的",)),
    Query("zh", "可以恒温的电热水壶", {"kettle": 3}, need=mentions("恒温", "temperature control")),
    Query("zh", "电热水壶 100元以内", {"kettle": 3}, max_price=100),
    Query("zh", "静音破壁机", {"blender": 3}, need=mentions("低音", "隔音")),
    Query("zh", "电动牙刷 学生党", {"toothbrush": 3}, need=lambda p: p["price"] <= 300, miss=2),
    Query("zh", "剃须刀 不要飞利浦", {"shaver": 3}, exclude=("Philips/飞利浦",)),
    Query("zh", "负离子吹风机", {"hair_dryer": 3}, need=lambda p: p["attributes"].get("ion") in ("是", "yes")),
    Query("zh", "纯棉四件套 1.8米床", {"bedding_set": 1}, skus=("FUANNA-SET",)),
    Query("zh", "护颈枕头", {"pillow": 3}),
    Query("zh", "蚕丝被", {"quilt": 3}, need=mentions("蚕丝")),
    Query("zh", "护眼台灯 200元以内", {"lamp": 3}, max_price=200),
    Query("zh", "收纳箱", {"storage": 3}, need=mentions("收纳箱", "box"), miss=2),
    Query("zh", "轻便婴儿推车 可以带上飞机", {"stroller": 3}, need=mentions("登机", "cabin"), miss=2),
    Query("zh", "L码纸尿裤", {"diaper": 3}, need=lambda p: p["attributes"].get("size") == "L"),
    Query("zh", "PPSU奶瓶", {"baby_bottle": 3}, need=mentions("PPSU")),
    Query("zh", "刘慈欣 三体", {}, skus=("BK-SANTI",)),
    Query("zh", "送长辈的茶叶礼盒", TEAS, need=mentions("礼盒"), miss=2),
    Query("zh", "普洱茶饼", {}, skus=("TEA-PUER",)),
    Query("zh", "绿茶", {}, skus=("TEA-LONGJING", "TEA-BILUOCHUN", "TEA-LIPTON")),
    Query("zh", "咖啡豆", {"coffee_beans": 3}, need=mentions("咖啡豆", "whole bean")),
    Query("zh", "加厚瑜伽垫", {"yoga_mat": 3}, need=attr_number("thickness", lambda v: v >= 6), miss=2),
    Query("zh", "李宁羽毛球拍", {"badminton_racket": 3}, brands=("Li-Ning/李宁",)),
    Query("zh", "跳绳", {"jump_rope": 3}),
    Query("zh", "家用哑铃 有货", {"dumbbell": 3}, in_stock=True),
    Query("zh", "骆驼冲锋衣 红色", {"hardshell": 3}, brands=("CAMEL/骆驼",), need=mentions("红")),
    Query("zh", "凯乐石登山装备", {"hardshell": 3, "hiking_shoe": 3, "hiking_pack": 3}, brands=("KAILAS/凯乐石",)),
    Query("zh", "1000元以内的羽绒服 有货", {"down": 3}, max_price=1000, in_stock=True),
    Query("zh", "三合一冲锋衣", {"hardshell": 3}, need=mentions("三合一", "3-in-1")),
    Query("zh", "给宝宝读的绘本", {}, skus=("BK-GUESS", "BK-CATERPILLAR")),
    Query("zh", "1000元以内的降噪耳机", AUDIO, need=anc, max_price=1000),
    Query("zh", "防水的户外蓝牙音箱", {"speaker": 3}),
    Query("zh", "1000元以内的咖啡机", {"coffee_machine": 3}, max_price=1000),
    Query("zh", "带GPS的跑步手表", {"wearable": 3}, need=lambda p: "gps" in p["attributes"]),
    Query("zh", "100到200块的充电宝", {"powerbank": 3}, min_price=100, max_price=200),
    Query("zh", "抓绒衣 200元以内", {"fleece": 3}, max_price=200),
    Query("zh", "铁观音", {}, skus=("TEA-TIEGUANYIN",)),
    Query("zh", "苹果 iPhone 15 手机"),
    Query("zh", "戴森吸尘器"),
    Query("zh", "耐克羽绒服", {"down": 3}, brands=("Nike/耐克",)),
    Query("zh", "婴儿奶粉"),
    Query("zh", "1000元以内的始祖鸟冲锋衣", {"hardshell": 3}, brands=("Arc'teryx/始祖鸟",), max_price=1000),
    Query("zh", "笔记本电脑"),
    # ---- English ---------------------------------------------------------------------------------
    Query("en", "rain jacket", {"hardshell": 3}, need=waterproof),
    Query("en", "waterproof jacket under 300", {"hardshell": 3}, need=waterproof, max_price=300),
    Query("en", "The North Face jacket", JACKETS, brands=("The North Face/北面",)),
    Query("en", "Arc'teryx shell jacket", {}, skus=("ARC-BETALT",)),
    Query("en", "warm down jacket for winter, in stock", {"down": 3}, in_stock=True),
    Query("en", "packable down jacket", {"down": 3}, need=mentions("packable", "packs into", "stuff sack"), miss=2),
    Query("en", "fleece jacket", {"fleece": 3}),
    Query("en", "Columbia fleece", {"fleece": 3}, brands=("Columbia/哥伦比亚",)),
    Query("en", "running shoes for beginners", {"running_shoe": 3}, need=lambda p: "plate" not in p["attributes"]),
    Query("en", "Nike running shoes", {"running_shoe": 3}, brands=("Nike/耐克",)),
    Query("en", "running shoes under 500, not Nike", {"running_shoe": 3}, max_price=500, exclude=("Nike/耐克",)),
    Query("en", "stability running shoes for overpronation", {"running_shoe": 1}, skus=("ASICS-KAYANO",)),
    Query("en", "waterproof hiking boots", {"hiking_shoe": 3}, need=waterproof),
    Query("en", "GORE-TEX hiking shoes", {"hiking_shoe": 3}, need=mentions("gore-tex"), miss=1),
    Query(
        "en",
        "daypack for hiking",
        {"hiking_pack": 3, "daypack": 1},
        need=attr_number("capacity", lambda v: v <= 30),
        miss=2,
    ),
    Query("en", "laptop backpack", {"daypack": 3}, need=mentions("laptop", "笔记本")),
    Query("en", "laptop backpack under 200", {"daypack": 3}, need=mentions("laptop", "笔记本"), max_price=200),
    Query(
        "en",
        "lightweight 2 person backpacking tent",
        {"tent": 3},
        need=every(mentions("2人", "2 person"), attr_number("weight", lambda v: v <= 2.0)),
        miss=1,
    ),
    Query("en", "family camping tent for 4", {"tent": 3}, need=attr_number("capacity", lambda v: v >= 4)),
    Query("en", "tent under 300 in stock", {"tent": 3}, max_price=300, in_stock=True),
    Query(
        "en", "sleeping bag for winter camping", {"sleeping_bag": 3}, need=attr_number("comfort_temp", lambda v: v < 0)
    ),
    Query("en", "camping lantern", {}, skus=("COLEMAN-LANTERN",)),
    Query("en", "cooler box", {}, skus=("NP-COOLER",)),
    Query("en", "noise cancelling earbuds", {"earbuds": 3}, need=anc),
    Query("en", "Sony headphones", {"headphones": 3, "earbuds": 2}, brands=("Sony/索尼",)),
    Query("en", "cheap wireless earbuds under 300", {"earbuds": 3}, max_price=300),
    Query("en", "AirPods", {}, skus=("APPLE-APP2",)),
    Query(
        "en",
        "earbuds with long battery life",
        {"earbuds": 3},
        need=attr_number("battery", lambda v: v >= 8, pick=lambda ns: ns[0]),
        miss=2,
    ),
    Query("en", "Anker power bank", {"powerbank": 3}, brands=("Anker/安克",)),
    Query("en", "power bank that can charge a laptop", {"powerbank": 3}, need=attr_number("power", lambda v: v >= 60)),
    Query("en", "magnetic power bank for iPhone", {"powerbank": 1}, skus=("ANKER-MAGGO",)),
    Query("en", "10000mAh power bank", {"powerbank": 3}, need=attr_number("capacity", lambda v: v == 10000)),
    Query("en", "65W GaN USB-C charger", {"charger": 3}, need=mentions("gan", "氮化镓"), miss=1),
    Query("en", "USB-C cable", {}, skus=("ANKER-CABLE",)),
    Query("en", "fitness tracker band", {"wearable": 2}, skus=("XM-BAND9", "HW-BAND9")),
    Query("en", "Garmin running watch", {}, skus=("GARMIN-FR265",)),
    Query("en", "waterproof portable bluetooth speaker", {"speaker": 3}),
    Query(
        "en",
        "small rice cooker for one or two people",
        {"rice_cooker": 3},
        need=attr_number("capacity", lambda v: v <= 3),
        miss=2,
    ),
    Query("en", "Japanese rice cooker", {}, skus=("ZOJI-RC",)),
    Query("en", "air fryer under 400", {"air_fryer": 3}, max_price=400),
    Query("en", "Philips air fryer", {"air_fryer": 3}, brands=("Philips/飞利浦",)),
    Query("en", "electric kettle under 150", {"kettle": 3}, max_price=150),
    Query("en", "gooseneck pour-over kettle", {"kettle": 1}, skus=("FELLOW-STAGG",)),
    Query("en", "blender for smoothies under 1000", {"blender": 3}, max_price=1000),
    Query("en", "espresso machine with milk frother", {"coffee_machine": 1}, skus=("DELONGHI-ECAM",)),
    Query(
        "en",
        "electric toothbrush with pressure sensor",
        {"toothbrush": 3},
        need=mentions("pressure sensor", "压力感应"),
    ),
    Query("en", "electric shaver under 200", {"shaver": 3}, max_price=200),
    Query("en", "Dyson hair dryer", {}, skus=("DYSON-HD15",)),
    Query("en", "ionic hair dryer", {"hair_dryer": 3}, need=lambda p: p["attributes"].get("ion") in ("是", "yes")),
    Query("en", "linen duvet cover set", {"bedding_set": 1}, skus=("NORD-LINEN",)),
    Query("en", "memory foam pillow", {"pillow": 2}, skus=("NORD-PILLOW",)),
    Query("en", "down duvet", {"quilt": 1}, skus=("NORD-DUVET",)),
    Query("en", "desk lamp for reading", {"lamp": 3}),
    Query("en", "bath towels in stock", {"towel": 3}, in_stock=True),
    Query("en", "travel stroller that fits in the overhead bin", {"stroller": 3}, need=mentions("cabin", "登机")),
    Query("en", "XL diapers", {"diaper": 3}, need=lambda p: p["attributes"].get("size") == "XL"),
    Query("en", "baby bottle under 200", {"baby_bottle": 3}, max_price=200),
    Query("en", "Atomic Habits", {}, skus=("BK-ATOMIC",)),
    Query("en", "programming books", {}, skus=("BK-PRAGPROG", "BK-DDIA", "BK-CLEANCODE")),
    Query("en", "The Three-Body Problem by Liu Cixin", {}, skus=("BK-SANTI",)),
    Query("en", "green tea", {}, skus=("TEA-LONGJING", "TEA-BILUOCHUN", "TEA-LIPTON")),
    Query("en", "English breakfast tea bags", {}, skus=("TEA-TWININGS",)),
    Query("en", "coffee beans for espresso", {"coffee_beans": 1}, skus=("COF-LAVAZZA",)),
    Query("en", "healthy nut snacks", {"snack": 3}),
    Query("en", "non-slip yoga mat, not lululemon", {"yoga_mat": 3}, exclude=("lululemon",)),
    Query("en", "adjustable dumbbells", {"dumbbell": 1}, skus=("NP-DUMBBELL",)),
    Query("en", "badminton racket under 500", {"badminton_racket": 3}, max_price=500),
    Query(
        "en",
        "Li-Ning gear under 300",
        {"daypack": 3, "badminton_racket": 3, "jump_rope": 3, "running_shoe": 3, "hardshell": 3, "down": 3},
        brands=("Li-Ning/李宁",),
        max_price=300,
    ),
    Query("en", "red jacket", JACKETS, need=mentions("red", "红")),
    Query(
        "en",
        "Xiaomi gadgets under 150 in stock",
        {
            "powerbank": 3,
            "charger": 3,
            "earbuds": 3,
            "speaker": 3,
            "wearable": 3,
            "daypack": 2,
            "shaver": 3,
            "toothbrush": 3,
            "kettle": 2,
        },
        brands=("Xiaomi/小米",),
        max_price=150,
        in_stock=True,
    ),
    Query("en", "power bank between 100 and 200", {"powerbank": 3}, min_price=100, max_price=200),
    Query("en", "iPhone 15"),
    Query("en", "gaming laptop"),
    Query("en", "Nike down jacket", {"down": 3}, brands=("Nike/耐克",)),
    Query("en", "tent under 100", {"tent": 3}, max_price=100),
    Query("en", "dog food"),
    Query("en", "Sony TV"),
    Query("en", "Arc'teryx jacket under 1000", {"hardshell": 3}, brands=("Arc'teryx/始祖鸟",), max_price=1000),
)
