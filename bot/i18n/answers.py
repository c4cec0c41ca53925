"""The assistant's own phrases in both languages: every sentence the conversation core (`bot.core`) says.

Lists that a reply offers as separate buttons (quick replies) are one message with `|` between the items.
"""

from __future__ import annotations

from bot.core.reply import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # --- one product ------------------------------------------------------------------------------
    "stock_out": {"en": "out of stock", "zh": "缺货"},
    "stock_count": {"en": "{count} in stock", "zh": "库存 {count} 件"},
    "stock_in": {"en": "in stock", "zh": "有货"},
    "detail_brand": {"en": "Brand: {brand}", "zh": "品牌：{brand}"},
    "detail_category": {"en": "Category: {path}", "zh": "类目：{path}"},
    "detail_rating": {"en": "Rating: {rating:g}/5", "zh": "评分：{rating:g}/5"},
    "buy_link": {"en": "{title}: {price}. Buy it here: {url}", "zh": "{title}：{price}。购买链接：{url}"},
    "buy_no_link": {
        "en": "{title} has no online link; ask a human colleague to order it.",
        "zh": "{title} 没有在线购买链接，可以联系人工客服下单。",
    },
    "similar_to": {"en": "Similar to {title}:", "zh": "与 {title} 相似的商品："},
    "about_product": {
        "en": "About {title} ({price}, {stock}):",
        "zh": "关于 {title}（{price}，{stock}），商品资料中的相关信息如下：",
    },
    "that_detail": {"en": "that detail", "zh": "这一项"},
    "catalog_lacks": {
        "en": "The catalog does not list the {what} of the {title}.",
        "zh": "商品资料里没有注明{title}的{what}。",
    },
    "catalog_lists": {"en": "What it does list:", "zh": "资料里注明的有："},
    "stock_answer": {"en": "{title}: {stock}.", "zh": "{title}：{stock}。"},
    # --- a question about the products on screen ---------------------------------------------------
    "not_listed": {"en": "not listed", "zh": "未注明"},
    "aspect_of": {"en": "• {title}: {value}", "zh": "• {title}：{value}"},
    "aspect_compared": {"en": "The {what} of each:", "zh": "各自的{what}："},
    "has_most": {"en": "The {title} has the highest {what}: {value}.", "zh": "{what}最高的是{title}：{value}。"},
    "has_least": {"en": "The {title} has the lowest {what}: {value}.", "zh": "{what}最低的是{title}：{value}。"},
    # --- what the customer asked for --------------------------------------------------------------
    "list_separator": {"en": ", ", "zh": "、"},
    "wanted_cheaper_than": {"en": "cheaper than {title}", "zh": "比{title}便宜"},
    "wanted_pricier_than": {"en": "pricier than {title}", "zh": "比{title}贵"},
    "wanted_between": {"en": "{low}-{high}", "zh": "{low}到{high}元"},
    "wanted_at_most": {"en": "at most {high}", "zh": "{high}元以内"},
    "wanted_at_least": {"en": "at least {low}", "zh": "{low}元以上"},
    "wanted_brands": {"en": "brand {brands}", "zh": "品牌：{brands}"},
    "brands_or": {"en": " or ", "zh": "或"},
    "wanted_not_brands": {"en": "not {brands}", "zh": "不要{brands}"},
    "wanted_in_stock": {"en": "in stock", "zh": "有货"},
    "wanted_color": {"en": "{color}", "zh": "颜色：{color}"},
    # --- recommendations --------------------------------------------------------------------------
    "found_for_wanted": {"en": "Here is what I found for you ({wanted}):", "zh": "为您找到以下商品（{wanted}）："},
    "found_intro": {"en": "Here is what I found for you:", "zh": "为您找到以下商品："},
    "found_next": {
        "en": "Tap a card for details, or tell me what to change (price, brand, colour).",
        "zh": "点商品卡片查看详情，或告诉我要调整什么（价格、品牌、颜色）。",
    },
    "follow_ups": {
        "en": "Cheaper|Compare the first two|What do buyers say about the first one?",
        "zh": "便宜点的|对比前两个|第一个评价怎么样",
    },
    "best_pick": {
        "en": "My pick for you: {title} ({price}), {reasons}.",
        "zh": "最推荐：{title}（{price}），{reasons}。",
    },
    "fact": {"en": "{key}: {value}", "zh": "{key}：{value}"},
    "need_budget": {"en": "within your {budget} budget", "zh": "在您{budget}的预算内"},
    "need_brand": {"en": "{brand} as you asked", "zh": "是您要的{brand}"},
    "need_color": {"en": "comes in {color}", "zh": "有{color}"},
    "other_pick": {"en": "• {title} ({price}): {differences}.", "zh": "• {title}（{price}）：{differences}。"},
    "diff_cheaper": {"en": "{amount} cheaper", "zh": "便宜{amount}"},
    "diff_dearer": {"en": "{amount} more", "zh": "贵{amount}"},
    "diff_rating": {"en": "rated {rating:g}/5", "zh": "评分{rating:g}"},
    "diff_attribute": {"en": "{key} {value} (vs {other})", "zh": "{key}{value}（对比{other}）"},
    "diff_similar": {"en": "much the same on what the catalog lists", "zh": "资料里的主要参数差不多"},
    "review_point": {
        "en": "A buyer of the {title} says: “{quote}” ({rating}/5)",
        "zh": "{title} 的买家说：“{quote}”（{rating}/5）",
    },
    "ask_budget": {
        "en": "I can narrow these down: what is your budget?",
        "zh": "我可以再帮您缩小范围：您的预算大概多少？",
    },
    "ask_brand": {"en": "Do you prefer one of these brands?", "zh": "您有偏好的品牌吗？"},
    "ask_compare": {
        "en": "Shall I compare the {first} with the {second}, or show what buyers say?",
        "zh": "要把{first}和{second}对比一下，还是看看买家评价？",
    },
    "ask_more": {"en": "Want the full details, or what buyers say about it?", "zh": "想看完整参数，还是买家评价？"},
    "nothing_cheaper": {
        "en": "Sorry, nothing cheaper than the {title} fits your other requirements.",
        "zh": "抱歉，没有比{title}更便宜、又符合您其他要求的商品。",
    },
    "nothing_pricier": {
        "en": "Sorry, nothing pricier than the {title} fits your other requirements.",
        "zh": "抱歉，没有比{title}更贵、又符合您其他要求的商品。",
    },
    "no_match_wanted": {
        "en": "Sorry, nothing in the shop matches all of your requirements ({wanted}).",
        "zh": "抱歉，店里没有完全符合您要求（{wanted}）的商品。",
    },
    "no_match": {"en": "Sorry, nothing in the shop matches your request.", "zh": "抱歉，店里没有符合您要求的商品。"},
    "no_match_try_other": {
        "en": "Try another budget or a different kind of product.",
        "zh": "可以换个预算或换一类商品试试。",
    },
    "nearest_alternatives": {
        "en": "The nearest options, each missing part of your request:",
        "zh": "最接近的几款（都有不符合您要求的地方）：",
    },
    "alternative_misses": {"en": "{line} — {misses}", "zh": "{line} —— {misses}"},
    "miss_dearer": {"en": "{amount} over your budget", "zh": "超出预算{amount}"},
    "miss_dearer_than": {"en": "{amount} more than the {title}", "zh": "比{title}贵{amount}"},
    "miss_cheaper": {"en": "{amount} under your price range", "zh": "比您的价格区间低{amount}"},
    "miss_brand": {"en": "brand {brand}, which you ruled out", "zh": "是您不要的{brand}"},
    "miss_other_brand": {"en": "brand {brand}", "zh": "品牌为{brand}"},
    "nearest_alternative": {"en": "nearest alternative", "zh": "最接近的替代"},
    "price_unknown": {"en": "price unknown", "zh": "价格未知"},
    "brand_not_carried": {
        "en": "The shop does not carry {brands}. The nearest products from other brands, as alternatives:",
        "zh": "本店没有{brands}的商品。以下是其他品牌中最接近的选择，供您参考：",
    },
    "currency_not_convertible": {
        "en": "Prices in this shop are in {base}, and I can't convert {currency}. Could you give your budget in {base}?",
        "zh": "本店以{base}标价，暂时无法换算{currency}。可以用{base}告诉我您的预算吗？",
    },
    "not_sold": {
        "en": "Sorry, the shop does not sell anything like that. Tell me what else you need and I'll look.",
        "zh": "抱歉，本店没有这类商品。您还需要什么？我帮您找找。",
    },
    # --- comparisons ------------------------------------------------------------------------------
    "table_price": {"en": "Price", "zh": "价格"},
    "table_brand": {"en": "Brand", "zh": "品牌"},
    "table_rating": {"en": "Rating", "zh": "评分"},
    "table_stock": {"en": "Stock", "zh": "库存"},
    "table_reviews": {"en": "Reviews", "zh": "评价"},
    "comparing": {"en": "Comparing {count} products:", "zh": "对比 {count} 件商品："},
    "best_for": {"en": "• {title}: {use}", "zh": "• {title}：{use}"},
    "compare_added": {
        "en": "Added to the comparison ({count}). Tap Compare on one more product to see them side by side.",
        "zh": "已加入对比（{count} 件）。再在一件商品上点“对比”即可并排比较。",
    },
    "compare_request": {"en": "Compare these products for me.", "zh": "帮我对比一下这些商品。"},
    # --- reviews ----------------------------------------------------------------------------------
    "no_reviews": {"en": "no reviews", "zh": "暂无评价"},
    "review_counts": {"en": "{count} ({good} good, {bad} bad)", "zh": "{count} 条（好评 {good}，差评 {bad}）"},
    "no_reviews_yet": {"en": "no reviews yet", "zh": "暂无评价"},
    "summary_counts_unrated": {"en": "{count} reviews (without star ratings)", "zh": "共 {count} 条评价（无星级评分）"},
    "summary_counts": {
        "en": "{count} reviews, average {average:g}/5: {positive} positive, {negative} negative",
        "zh": "共 {count} 条评价，平均 {average:g}/5：好评 {positive} 条，差评 {negative} 条",
    },
    "reviews_heading": {"en": "What buyers say about {title} ({counts}):", "zh": "{title} 的买家评价（{counts}）："},
    "pros": {"en": "Pros: ", "zh": "优点："},
    "cons": {"en": "Cons: ", "zh": "缺点："},
    "points_separator": {"en": "; ", "zh": "；"},
    "product_has_no_reviews": {"en": "{title} has no reviews yet.", "zh": "{title} 暂时还没有评价。"},
    "no_negative_reviews": {"en": "No negative reviews so far.", "zh": "目前没有差评。"},
    "on_aspect": {"en": "On “{aspect}”: {quotes}", "zh": "关于“{aspect}”：{quotes}"},
    "aspect_unmentioned": {"en": "No review mentions “{aspect}”.", "zh": "没有评价提到“{aspect}”。"},
    # --- policies and the evidence behind a reply -------------------------------------------------
    "policy_not_found": {
        "en": "I could not find that in the shop's policies. I can pass you to a human colleague.",
        "zh": "店铺政策里没有找到相关说明，我可以为您转接人工客服。",
    },
    "policy_source": {"en": "(Source: the shop's policy, {sections})", "zh": "（来源：店铺政策「{sections}」）"},
    "no_evidence": {"en": "This reply rested on no catalog facts.", "zh": "这条回复没有引用商品资料。"},
    "why_this_answer": {"en": "Why this answer:", "zh": "依据："},
    "evidence_product": {"en": "catalog", "zh": "商品资料"},
    "evidence_review": {"en": "review", "zh": "买家评价"},
    "evidence_policy": {"en": "policy", "zh": "店铺政策"},
    # --- conversation -----------------------------------------------------------------------------
    "greeting_text": {
        "en": "Hello! I'm ShopGuide, the shop's assistant. "
        "Tell me what you are looking for, your budget and what it is for.",
        "zh": "您好！我是本店的导购助手 ShopGuide。告诉我您想买什么、预算多少、用在什么场合，我来帮您挑。",
    },
    "help_text": {
        "en": 'I can find products ("waterproof jacket under 500"), narrow them down ("cheaper", "not this brand"), '
        'compare them ("compare the first two"), tell you what buyers say, and answer questions about shipping, '
        "returns and warranty. Ask for a human at any time.",
        "zh": "我可以帮您找商品（“500元以内的防水冲锋衣”）、继续筛选（“便宜点的”“不要这个牌子”）、对比商品（“对比前两个”）、"
        "总结买家评价，也能回答发货、退换、保修等问题。随时可以要求转人工。",
    },
    "clarify_question": {
        "en": "Happy to help! What are you shopping for, and roughly what budget and use do you have in mind?",
        "zh": "很乐意帮您挑选！您想买哪类商品？大概的预算和用途是什么？",
    },
    "clarify_options": {
        "en": "Under 300|300 to 1000|Over 1000|For outdoor sports|For everyday use",
        "zh": "300元以内|300到1000元|1000元以上|户外运动用|日常通勤用",
    },
    "out_of_scope": {
        "en": "Sorry, I can only help with this shop: "
        "finding and comparing products, reviews, shipping, returns and warranty.",
        "zh": "抱歉，我只能帮您处理本店的事情：找商品、比较商品、看评价，以及发货、退换和保修等问题。",
    },
    "handoff_notice": {
        "en": "I'm passing you to a human colleague; they will reply here as soon as they can.",
        "zh": "正在为您转接人工客服，请稍候，同事会尽快在这里回复您。",
    },
    "need_products": {
        "en": "Which products do you mean? Search for something first, or tap Compare on two product cards.",
        "zh": "您指的是哪些商品？请先搜索商品，或在两张商品卡片上点“对比”。",
    },
    "feedback_thanks": {"en": "Thanks for the feedback!", "zh": "感谢您的反馈！"},
    "feedback_noted": {
        "en": "Thanks, noted. Tell me what to change and I'll look again.",
        "zh": "收到，谢谢！告诉我哪里不合适，我再帮您找找。",
    },
    "unknown_product": {"en": "That product is no longer in the catalog.", "zh": "该商品已不在商品目录中。"},
    "answer_expired": {
        "en": "That answer is too old to explain; ask again and I'll show the evidence.",
        "zh": "这条回复已过期，请重新提问，我会给出依据。",
    },
}
