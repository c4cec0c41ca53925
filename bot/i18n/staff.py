"""Messages for merchants and admins (and the support chat): refusals, usage, upload and catalog
reports, catalog versions, prompt versions and the regression gate, /llm, roles, /stats, the staff
commands of the "/" menu. HTML where the channel sends HTML; values are escaped by the caller."""

from __future__ import annotations

from bot.core.reply import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # --- shared ---
    "staff_only": {
        "zh": "这是店铺员工的功能。请联系管理员用 /grant 为您开通商家权限。",
        "en": "This is for shop staff. Ask an admin to /grant you the merchant role.",
    },
    "admins_only": {"zh": "这个命令仅限管理员使用。", "en": "This command is for admins."},
    "usage": {"zh": "用法：{syntax}", "en": "Usage: {syntax}"},
    "usage_upload": {
        "zh": "/upload products|reviews|policies [upsert|replace|delete]，然后发送文件"
        "（upsert 默认：新增和更新文件里的行；replace：用文件替换整个目录；delete：删除文件列出的项）",
        "en": "/upload products|reviews|policies [upsert|replace|delete], then send the file "
        "(upsert, the default: add and update the file's rows; replace: the file becomes the whole catalog; "
        "delete: remove the items the file lists)",
    },
    "usage_product": {"zh": "/product SKU", "en": "/product SKU"},
    "usage_price": {
        "zh": "/price SKU 价格（例如 /price A-100 199.9）",
        "en": "/price SKU PRICE (e.g. /price A-100 199.9)",
    },
    "usage_stock": {"zh": "/stock SKU 数量（例如 /stock A-100 12）", "en": "/stock SKU COUNT (e.g. /stock A-100 12)"},
    "usage_delete": {"zh": "/delete SKU", "en": "/delete SKU"},
    "usage_export": {
        "zh": "/export [products|reviews|policies] [csv|tsv|json|jsonl|xlsx]",
        "en": "/export [products|reviews|policies] [csv|tsv|json|jsonl|xlsx]",
    },
    "usage_prompt": {
        "zh": "/prompt list | show 名称 | set 名称 [force] | diff 名称 [从] [到] | history 名称 | rollback 名称 版本 | test 名称",
        "en": "/prompt list | show NAME | set NAME [force] | diff NAME [FROM] [TO] | history NAME | "
        "rollback NAME VERSION | test NAME",
    },
    "usage_llm": {
        "zh": "/llm | /llm temperature 0.7 | /llm max_tokens 512 | /llm top_p 0.9 | /llm temperature default（恢复默认）",
        "en": "/llm | /llm temperature 0.7 | /llm max_tokens 512 | /llm top_p 0.9 | /llm temperature default",
    },
    "usage_grant": {
        "zh": "/grant merchant 用户ID 店铺ID | /grant admin 用户ID",
        "en": "/grant merchant USER_ID MERCHANT_ID | /grant admin USER_ID",
    },
    "usage_revoke": {"zh": "/revoke 用户ID", "en": "/revoke USER_ID"},
    "usage_stats": {"zh": "/stats [24h|7d|30d]", "en": "/stats [24h|7d|30d]"},
    "kind_products": {"zh": "商品", "en": "products"},
    "kind_reviews": {"zh": "评价", "en": "reviews"},
    "kind_policies": {"zh": "政策", "en": "policies"},
    # --- uploads ---
    "upload_send_now": {
        "zh": "请现在发送{kind}文件（{suffixes}）。更新方式：{mode}。",
        "en": "Send the {kind} file now ({suffixes}). Update mode: {mode}.",
    },
    "mode_upsert": {
        "zh": "更新（新增和修改文件里的行，其余不变）",
        "en": "upsert (add and update the rows in the file; nothing else changes)",
    },
    "mode_replace": {
        "zh": "替换（文件成为这一类的全部内容，文件里没有的将被删除）",
        "en": "replace (the file becomes the whole catalog of its kind; what it lacks is removed)",
    },
    "mode_delete": {"zh": "删除（删除文件列出的项）", "en": "delete (the items the file lists are removed)"},
    "file_too_big": {
        "zh": "文件大小为 {size_mb:.1f} MB，机器人最多只能下载 {limit_mb:.0f} MB。请拆分成较小的文件（例如每个品类一个）逐个发送。",
        "en": "The file is {size_mb:.1f} MB; bots can download at most {limit_mb:.0f} MB. "
        "Split it into smaller files (one per category works well) and send them one by one.",
    },
    "file_unreadable": {
        "zh": "我能读取 {suffixes} 文件；这个文件是 {suffix}。",
        "en": "I can read {suffixes} files; this one is {suffix}.",
    },
    "file_no_suffix": {
        "zh": "我能读取 {suffixes} 文件；这个文件没有扩展名。",
        "en": "I can read {suffixes} files; this one has no extension.",
    },
    "upload_checking": {"zh": "正在检查 {filename}（{kind}）…", "en": "Checking {filename} as {kind}…"},
    "rejected_rows_caption": {"zh": "所有被拒绝的行及原因。", "en": "All rejected rows with the reason."},
    "upload_nothing_changed": {
        "zh": "没有做任何更改。请修改文件后重新发送。",
        "en": "Nothing was changed. Fix the file and send it again.",
    },
    "upload_no_changes": {
        "zh": "无需应用：商品目录（版本 {version}）已经和这个文件一致。",
        "en": "Nothing to apply: the catalog (version {version}) already says what this file says.",
    },
    "upload_valid_rows_question": {
        "zh": "{rejected} 行被拒绝（见上），它们不会改变任何内容。请修改后重新发送 {filename}，"
        "或者现在只应用其中 {valid} 行有效数据（要么全部生效，要么都不生效）。",
        "en": "{rejected} row(s) were rejected (see above) and change nothing. Fix them and send {filename} again, "
        "or apply its {valid} valid row(s) now: all of them land, or none.",
    },
    "button_apply_valid": {"zh": "✅ 应用 {count} 行有效数据", "en": "✅ Apply the {count} valid rows"},
    "upload_confirm_delete": {
        "zh": "从 <b>{merchant}</b> 删除 {filename} 列出的 {count} 个{kind}？",
        "en": "Delete the {count} {kind} listed in {filename} from <b>{merchant}</b>?",
    },
    "upload_replace_confirm": {
        "zh": "⚠️ 用 {filename} 替换 <b>{merchant}</b> 的全部{kind}？这会删除文件里没有的 {removed} 个{kind}{reviews}。"
        "（之后可用 /rollback 撤销）",
        "en": "⚠️ Replace the {kind} of <b>{merchant}</b> with {filename}? This removes {removed} {kind} that are "
        "not in the file{reviews}. (/rollback undoes it.)",
    },
    "upload_replace_reviews": {"zh": "，以及这些商品的 {count} 条评价", "en": " and {count} reviews of those products"},
    "upload_replace_changed": {
        "zh": "确认之后商品目录有了变化。按现在的目录：",
        "en": "The catalog changed since you confirmed. With the catalog as it is now:",
    },
    "button_replace": {"zh": "🗑 替换（删除 {count} 项）", "en": "🗑 Replace, removing {count}"},
    "upload_confirm": {
        "zh": "将 {filename} 应用到 <b>{merchant}</b> 的{kind}？",
        "en": "Apply {filename} to the {kind} of <b>{merchant}</b>?",
    },
    "button_apply": {"zh": "✅ 应用", "en": "✅ Apply"},
    "button_cancel": {"zh": "✖ 取消", "en": "✖ Cancel"},
    "upload_not_pending": {
        "zh": "这次上传已不在等待中（已应用或已取消）。",
        "en": "This upload is no longer pending (already applied or cancelled).",
    },
    "upload_other_shop": {"zh": "这次上传属于另一家店铺。", "en": "This upload belongs to another shop."},
    "upload_cancelled": {"zh": "已取消：{filename} 没有应用。", "en": "Cancelled: {filename} was not applied."},
    "upload_stale": {
        "zh": "检查之后商品目录有了变化，这个文件已不能完整应用：\n{report}",
        "en": "The catalog changed since the check and the file no longer applies cleanly:\n{report}",
    },
    "upload_applying": {"zh": "正在应用 {filename}", "en": "Applying {filename}"},
    "upload_applied": {"zh": "✅ 已应用 {filename}：{version}", "en": "✅ Applied {filename}: {version}"},
    "upload_applied_valid": {
        "zh": "✅ 已应用 {filename} 的 {valid} 行有效数据（{rejected} 行被拒绝，没有改变任何内容）：{version}",
        "en": "✅ Applied the {valid} valid rows of {filename} (the {rejected} rejected rows changed nothing): {version}",
    },
    "not_applied": {"zh": "未应用：{error}", "en": "Not applied: {error}"},
    # --- upload report ---
    "report_header": {
        "zh": "<b>{filename}</b>（{kind}）→ 店铺 <b>{merchant}</b>",
        "en": "<b>{filename}</b> as {kind} for <b>{merchant}</b>",
    },
    "report_unusable": {"zh": "❌ 文件无法使用：", "en": "❌ The file cannot be used:"},
    "report_mode": {"zh": "更新方式：{mode}", "en": "Mode: {mode}"},
    "report_rows": {
        "zh": "行数：{rows} = 有效 {valid} + 拒绝 {rejected}",
        "en": "Rows: {rows} = {valid} valid + {rejected} rejected",
    },
    "report_changes": {
        "zh": "有效行与版本 {base} 相比：新增 {added}，修改 {updated}，未变 {unchanged}",
        "en": "Valid rows against version {base}: +{added} new, {updated} changed, {unchanged} unchanged",
    },
    "report_deletions": {
        "zh": "有效行与版本 {base} 相比：删除 {deleted}，目录中没有 {missing}",
        "en": "Valid rows against version {base}: {deleted} to delete, {missing} not in the catalog",
    },
    "report_sheet": {
        "zh": "价格/库存表：只修改价格和库存，其余字段不变。",
        "en": "Price/stock sheet: only prices and stock change.",
    },
    "report_removed": {
        "zh": "文件里没有、将被删除：{removed} 个{kind}",
        "en": "Not in the file, removed: {removed} {kind}",
    },
    "report_kept": {
        "zh": "保持不变（它们的行被拒绝）：{kept}",
        "en": "Kept as they are (their rows were rejected): {kept}",
    },
    "report_reviews_removed": {
        "zh": "随商品一起删除的评价：{count}",
        "en": "Reviews removed with their products: {count}",
    },
    "report_no_changes": {"zh": "＝ 没有变化。", "en": "= No changes."},
    "report_warnings": {
        "zh": "⚠️ 提醒（这些行会被使用）：{summary}",
        "en": "⚠️ Warnings (these rows are used): {summary}",
    },
    "report_warning_truncated": {"zh": "过长已截断", "en": "cut to the length limit"},
    "report_warning_not_in_catalog": {"zh": "目录中没有，无需删除", "en": "not in the catalog, nothing to delete"},
    "report_warning_no_price": {"zh": "没有价格（显示为价格未知）", "en": "no price (shown as price unknown)"},
    "report_rejected": {"zh": "❌ 被拒绝的行（前 {shown} 行）：", "en": "❌ Rejected rows (first {shown}):"},
    "report_row": {"zh": "第 {row} 行", "en": "row {row}"},
    "report_all_valid": {"zh": "✅ 所有行都有效。", "en": "✅ Every row is valid."},
    # --- catalog, products, versions ---
    "catalog_empty": {
        "zh": "<b>{merchant}</b> 还没有商品目录。发送一个商品文件开始吧。",
        "en": "<b>{merchant}</b> has no catalog yet. Send a products file to start.",
    },
    "catalog_stats": {
        "zh": "<b>{merchant}</b> 商品目录版本 {version}（{updated}）\n"
        "商品：{products}（有货 {in_stock}），{categories} 个品类，{brands} 个品牌\n"
        "评价：{reviews}\n政策段落：{policies}\n暂不展示的内容：{held}（/held）\n向量模型：{embedder}",
        "en": "<b>{merchant}</b> catalog version {version} ({updated})\n"
        "Products: {products} ({in_stock} in stock), {categories} categories, {brands} brands\n"
        "Reviews: {reviews}\nPolicy passages: {policies}\nHeld text: {held} (/held)\nEmbedder: {embedder}",
    },
    "product_price": {"zh": "价格：{price}", "en": "Price: {price}"},
    "product_stock": {"zh": "库存：{stock}（{state}）", "en": "Stock: {stock} ({state})"},
    "stock_unknown": {"zh": "未知", "en": "unknown"},
    "product_brand": {"zh": "品牌：{brand}", "en": "Brand: {brand}"},
    "product_category": {"zh": "品类：{category}", "en": "Category: {category}"},
    "product_rating": {"zh": "评分：{rating:.1f}", "en": "Rating: {rating:.1f}"},
    "product_url": {"zh": "链接：{url}", "en": "URL: {url}"},
    "no_product": {"zh": "您的商品目录中没有商品 {sku}。", "en": "No product {sku} in your catalog."},
    "not_changed": {"zh": "未更改：{error}", "en": "Not changed: {error}"},
    "delete_question": {
        "zh": "删除 <b>{title}</b>（{sku}，{price}）？",
        "en": "Delete <b>{title}</b> ({sku}, {price})?",
    },
    "button_delete": {"zh": "🗑 删除", "en": "🗑 Delete"},
    "button_keep": {"zh": "✖ 保留", "en": "✖ Keep"},
    "kept": {"zh": "已保留 {sku}。", "en": "Kept {sku}."},
    "deleted": {"zh": "🗑 已删除 {sku}。{version}", "en": "🗑 Deleted {sku}. {version}"},
    "not_deleted": {"zh": "未删除：{error}", "en": "Not deleted: {error}"},
    "export_caption": {"zh": "{merchant} 当前的{kind}。", "en": "The current {kind} of {merchant}."},
    "rolled_back": {"zh": "↩️ 已回滚。{version}", "en": "↩️ Rolled back. {version}"},
    "not_rolled_back": {"zh": "没有回滚：{error}", "en": "Nothing rolled back: {error}"},
    "version_line": {
        "zh": "商品目录版本 {version}：{action}{note}；现有 {counts}。",
        "en": "Catalog version {version}: {action}{note}; now {counts}.",
    },
    "version_count": {"zh": "{kind} {count}", "en": "{count} {kind}"},
    "action_upload": {"zh": "上传", "en": "upload"},
    "action_rollback": {"zh": "回滚", "en": "rollback"},
    "action_set_price": {"zh": "改价", "en": "price change"},
    "action_set_stock": {"zh": "改库存", "en": "stock change"},
    "action_delete_product": {"zh": "删除商品", "en": "product deleted"},
    # --- /prompt ---
    "prompt_list": {"zh": "<b>提示词</b>（名称：生效版本）", "en": "<b>Prompts</b> (name: version in force)"},
    "prompt_send_text": {
        "zh": "请在下一条消息中发送 {name} 的新文本（或发送 .j2/.txt 文件）。/prompt show 可查看当前文本。",
        "en": "Send the new text of {name} as your next message (or as a .j2/.txt file). "
        "/prompt show shows the current one.",
    },
    "prompt_rolled_back": {
        "zh": "✅ {name} 现在是版本 {version}（从下一轮对话起生效）。",
        "en": "✅ {name} is now at version {version} (from the next turn on).",
    },
    "prompt_versions": {"zh": "<b>{name}</b> 的版本", "en": "<b>{name}</b> versions"},
    "prompt_template_file": {"zh": "v0 模板文件{active}", "en": "v0 template file{active}"},
    "prompt_version": {
        "zh": "v{version}，{author}，{at}{active}{note}",
        "en": "v{version} by {author} at {at}{active}{note}",
    },
    "prompt_active": {"zh": "（生效中）", "en": " (active)"},
    "prompt_same": {"zh": "v{old} 与 v{new} 相同。", "en": "v{old} and v{new} are the same."},
    "prompt_no_version": {
        "zh": "提示词 {name} 没有版本 {version}；见 /prompt history {name}",
        "en": "prompt {name} has no version {version}; see /prompt history {name}",
    },
    "prompt_file_too_big": {
        "zh": "提示词文件最大 {kb} KB",
        "en": "a prompt file may be at most {kb} KB",
    },
    "prompt_not_stored": {
        "zh": "⚠️ 未保存：{error}\n发送 /prompt set {name} 重试。",
        "en": "⚠️ Not stored: {error}\nSend /prompt set {name} to try again.",
    },
    "prompt_forced": {
        "zh": "✅ {name} v{version} 已生效（跳过回归检查）。",
        "en": "✅ {name} v{version} is active (gate skipped).",
    },
    "prompt_gate_running": {
        "zh": "模板检查通过。正在用草稿和生效版本各运行 {count} 段对话…",
        "en": "Template OK. Running {count} conversations on the draft and on the active version…",
    },
    "prompt_gate_active": {
        "zh": "✅ v{version} 从下一轮对话起生效。",
        "en": "✅ v{version} is active from the next turn on.",
    },
    "prompt_gate_stored": {
        "zh": "❌ v{version} 已保存但未生效：它比当前生效版本差。/prompt diff {name} 查看改动；"
        "/prompt rollback {name} {version} 或 /prompt set {name} force 可强制启用。",
        "en": "❌ v{version} is stored but NOT active: it does worse than the version in force. "
        "/prompt diff {name} shows the change; /prompt rollback {name} {version} or /prompt set {name} force "
        "activates anyway.",
    },
    "suite_running": {"zh": "正在运行 {count} 段对话…", "en": "Running {count} conversations…"},
    "suite_summary": {
        "zh": "<b>{title}</b>：{passed}/{total} 段对话通过（{rate:.0%}），轮次 {turns_passed}/{turns}",
        "en": "<b>{title}</b>: {passed}/{total} conversations passed ({rate:.0%}), turns {turns_passed}/{turns}",
    },
    "suite_failure": {
        "zh": "✗ {conversation} 第 {turn} 轮 {check}：{detail}",
        "en": "✗ {conversation} turn {turn} {check}: {detail}",
    },
    "suite_draft": {"zh": "草稿", "en": "draft"},
    "suite_active": {"zh": "生效版本", "en": "in force"},
    "suite_named_active": {"zh": "{name}（生效版本）", "en": "{name} (in force)"},
    "gate": {
        "zh": "<b>{name} 的回归检查</b>：{verdict}\n{why}\n\n<b>判定依据</b>（草稿 · 生效版本）：\n{figures}\n\n{draft}\n\n{active}",
        "en": "<b>Regression gate for {name}</b>: {verdict}\n{why}\n\n<b>Figures decided on</b> (draft · in force):\n"
        "{figures}\n\n{draft}\n\n{active}",
    },
    "gate_why_passes": {
        "zh": "原因：没有任何一项比生效版本差。",
        "en": "Why: no figure is worse than in the version in force.",
    },
    "gate_why_fails": {"zh": "原因：以下几项更差：{figures}。", "en": "Why: worse on {figures}."},
    "gate_figure": {"zh": "{mark} {label}：{draft} · {active}", "en": "{mark} {label}: {draft} · {active}"},
    "gate_figure_pass_rate": {"zh": "对话通过率", "en": "conversations passed"},
    "gate_figure_fallbacks": {"zh": "模板回答次数（回退）", "en": "template answers (fallbacks)"},
    "gate_figure_check": {"zh": "检查 {name}", "en": "check {name}"},
    "gate_missing": {"zh": "缺失", "en": "missing"},
    "suite_fallbacks": {
        "zh": "模板回答（回退）：{turns} 轮中 {count} 轮",
        "en": "Template answers (fallbacks): {count} of {turns} turns",
    },
    "gate_passes": {"zh": "通过（不比生效版本差）", "en": "passes (not worse)"},
    "gate_fails": {"zh": "未通过（比生效版本差）", "en": "FAILS (worse than the version in force)"},
    # --- /llm ---
    "llm_not_connected": {
        "zh": "没有连接大模型（只用检索结果回答）；设置已保存，连接后生效。",
        "en": "No LLM is connected (retrieval-only answers); settings are stored for when one is.",
    },
    "llm_invalid_number": {
        "zh": "⚠️ {key} 必须是 {allowed} 范围内的数，收到的是 {got}",
        "en": "⚠️ {key} must be a number in {allowed}, got {got}",
    },
    "llm_invalid_whole": {
        "zh": "⚠️ {key} 必须是 {allowed} 范围内的整数，收到的是 {got}",
        "en": "⚠️ {key} must be a whole number in {allowed}, got {got}",
    },
    "llm_settings": {"zh": "<b>大模型采样参数</b>（* 为已修改）", "en": "<b>LLM sampling</b> (changed: *)"},
    "llm_setting": {
        "zh": "{key} = {value}{mark}   （允许 {allowed}）",
        "en": "{key} = {value}{mark}   (allowed {allowed})",
    },
    "llm_sent": {
        "zh": "每次回答实际发送：max_tokens {answer}（文字回答），{structured}（对比与评价总结）",
        "en": "Sent with each answer: max_tokens {answer} (text), {structured} (comparisons and review summaries)",
    },
    # --- roles ---
    "role_customer": {"zh": "顾客", "en": "customer"},
    "role_merchant": {"zh": "商家", "en": "merchant"},
    "role_admin": {"zh": "管理员", "en": "admin"},
    "granted": {"zh": "✅ {user} 现在是{role}{scope}。", "en": "✅ {user} is now {role}{scope}."},
    "granted_shop": {"zh": "（店铺 {shop}）", "en": " of shop {shop}"},
    "grant_bad_shop": {
        "zh": "⚠️ “{shop}”不能作为店铺 ID：请用 1-48 个字母、数字、_ 或 -（这样 t.me/机器人?start=shop_ID 链接才能打开它）。",
        "en": "⚠️ “{shop}” cannot be a shop id: use 1-48 letters, digits, _ or - (what a t.me/<bot>?start=shop_<id> "
        "link can carry).",
    },
    "granted_link": {"zh": "顾客链接：{link}", "en": "Customers' link: {link}"},
    "granted_link_empty": {
        "zh": "这家店还没有商品目录：商家上传商品后顾客才能通过 {link} 进店。",
        "en": "This shop has no catalog yet: customers can use {link} once the merchant uploads products.",
    },
    "revoked": {"zh": "✅ {user} 不再是{role}，现在是顾客。", "en": "✅ {user} is no longer {role}; now a customer."},
    "revoke_self": {"zh": "⚠️ 不能撤销您自己的角色。", "en": "⚠️ You cannot revoke your own role."},
    # --- /stats ---
    "usage_stats_report": {
        "zh": "<b>最近 {window} 的使用情况</b>\n对话：{conversations}\n轮次：{turns}\n"
        "展示商品：{shown}，点击：{clicks}（点击率 {ctr:.1%}）\n👍 {likes}  👎 {dislikes}\n"
        "转人工：{handoffs}\n模板回答：{fallbacks}\n大模型错误：{llm_errors}\n"
        "每轮耗时 p50 {p50}，p95 {p95}",
        "en": "<b>Usage, last {window}</b>\nConversations: {conversations}\nTurns: {turns}\n"
        "Products shown: {shown}, clicked: {clicks} (CTR {ctr:.1%})\n👍 {likes}  👎 {dislikes}\n"
        "Handoffs: {handoffs}\nFallback answers: {fallbacks}\nLLM errors: {llm_errors}\n"
        "Turn latency p50 {p50}, p95 {p95}",
    },
    "not_measured": {"zh": "无", "en": "n/a"},
    # --- handoff, as the support chat reads it ---
    "support_handoff_notice": {
        "zh": "🙋 <b>转人工</b>：{name}{username} — <code>{user}</code>，店铺 <code>{shop}</code>",
        "en": "🙋 <b>Handoff</b> from {name}{username} — <code>{user}</code>, shop <code>{shop}</code>",
    },
    "handoff_customer": {"zh": "<b>顾客：</b>{text}", "en": "<b>Customer:</b> {text}"},
    "handoff_answered": {"zh": "<b>ShopGuide 的回答：</b>{text}", "en": "<b>ShopGuide answered:</b> {text}"},
    # --- the staff commands of the "/" menu ---
    "menu_upload": {"zh": "上传商品、评价或政策文件", "en": "Upload products|reviews|policies"},
    "menu_catalog": {"zh": "商品目录概况", "en": "Catalog stats"},
    "menu_product": {"zh": "查看一个商品", "en": "Show a product"},
    "menu_price": {"zh": "修改价格", "en": "Set a price"},
    "menu_stock": {"zh": "修改库存", "en": "Set stock"},
    "menu_delete": {"zh": "删除一个商品", "en": "Delete a product"},
    "menu_export": {"zh": "导出商品目录", "en": "Export the catalog"},
    "menu_rollback": {"zh": "撤销上一次目录更改", "en": "Undo the last catalog change"},
    "menu_prompt": {
        "zh": "提示词：list|show|set|diff|history|rollback|test",
        "en": "Prompts: list|show|set|diff|history|rollback|test",
    },
    "menu_llm": {"zh": "采样参数", "en": "Sampling settings"},
    "menu_grant": {"zh": "授予商家或管理员角色", "en": "Grant merchant|admin"},
    "menu_revoke": {"zh": "撤销角色", "en": "Revoke a role"},
    "menu_stats": {"zh": "使用统计 24h|7d|30d", "en": "Usage stats 24h|7d|30d"},
}
