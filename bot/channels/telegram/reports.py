"""Staff-facing texts: upload reports, catalog figures, products, versions, regression-suite results
and usage statistics, as Telegram HTML (English: merchants and admins read the same operator docs).
"""

from __future__ import annotations

import csv
import io

from bot.channels.telegram.render import escape
from bot.evaluation.conversations import PromptGate, SuiteResult
from bot.state.store import Stats
from retrieval.index import CatalogStats, CatalogVersion, UploadReport
from retrieval.models import Product
from retrieval.money import format_price

# Rejected rows listed in the chat; all of them are in the attached CSV.
REJECTED_ROWS_SHOWN = 10


def upload_report_text(report: UploadReport, filename: str) -> str:
    lines = [f"<b>{escape(filename)}</b> as {report.kind} for <b>{escape(report.merchant_id)}</b>"]
    if report.parsed.errors:
        lines.append("❌ The file cannot be used:")
        lines += [f"• {escape(error)}" for error in report.parsed.errors]
        return "\n".join(lines)
    lines.append(
        f"Rows: {report.parsed.rows_total}, accepted {report.accepted}, rejected {len(report.rejected)}\n"
        f"Against version {report.base_version}: +{report.added} new, {report.updated} changed, "
        f"{report.unchanged} unchanged, {report.removed} removed"
    )
    if report.rejected:
        lines.append(f"❌ Rejected rows (first {min(len(report.rejected), REJECTED_ROWS_SHOWN)}):")
        for row in report.rejected[:REJECTED_ROWS_SHOWN]:
            where = f"row {row.row}" + (f", {row.field}" if row.field else "")
            lines.append(f"• {escape(where)}: {escape(row.reason[:200])}")
    else:
        lines.append("✅ Every row is valid.")
    return "\n".join(lines)


def rejected_rows_csv(report: UploadReport) -> bytes:
    """All rejected rows as UTF-8 CSV (with a BOM so spreadsheet programs read Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "field", "reason"])
    for row in report.rejected:
        writer.writerow([row.row, row.field or "", row.reason])
    return buffer.getvalue().encode("utf-8-sig")


def catalog_stats_text(merchant_id: str, stats: CatalogStats) -> str:
    if stats.version == 0:
        return f"<b>{escape(merchant_id)}</b> has no catalog yet. Send a products file to start."
    updated = stats.updated_at.strftime("%Y-%m-%d %H:%M UTC") if stats.updated_at else "?"
    return (
        f"<b>{escape(merchant_id)}</b> catalog version {stats.version} ({updated})\n"
        f"Products: {stats.products} ({stats.in_stock} in stock), {stats.categories} categories, "
        f"{stats.brands} brands\nReviews: {stats.reviews}\nPolicy passages: {stats.policies}\n"
        f"Embedder: {escape(stats.embedder)}"
    )


def product_text(product: Product) -> str:
    stock = "unknown" if product.stock is None else str(product.stock)
    lines = [
        f"<b>{escape(product.title)}</b> <code>{escape(product.sku)}</code>",
        f"Price: {format_price(product.price, product.currency)}",
        f"Stock: {stock} ({'in stock' if product.in_stock else 'out of stock'})",
    ]
    if product.brand:
        lines.append(f"Brand: {escape(product.brand)}")
    if product.category:
        lines.append(f"Category: {escape(' / '.join(product.category))}")
    if product.rating is not None:
        lines.append(f"Rating: {product.rating:.1f}")
    if product.url:
        lines.append(f"URL: {escape(product.url)}")
    return "\n".join(lines)


def version_text(version: CatalogVersion) -> str:
    counts = ", ".join(f"{count} {kind}" for kind, count in version.counts.items())
    note = f" ({escape(version.note)})" if version.note else ""
    return f"Catalog version {version.version}: {version.action}{note}; now {counts}."


def suite_text(title: str, result: SuiteResult) -> str:
    lines = [
        f"<b>{escape(title)}</b>: {result.conversations_passed}/{result.conversations} conversations passed "
        f"({result.pass_rate:.0%}), turns {result.turns_passed}/{result.turns}"
    ]
    lines += [f"• {escape(name)}: {rate.passed}/{rate.total}" for name, rate in result.checks.items()]
    for failure in result.failures[:5]:
        lines.append(
            f"✗ {escape(failure.conversation)} turn {failure.turn} {escape(failure.check)}: "
            f"{escape(failure.detail[:150])}"
        )
    return "\n".join(lines)


def gate_text(name: str, gate: PromptGate) -> str:
    verdict = "passes (not worse)" if gate.passed else "FAILS (worse than the version in force)"
    return (
        f"<b>Regression gate for {escape(name)}</b>: {verdict}\n\n"
        f"{suite_text('draft', gate.draft)}\n\n{suite_text('in force', gate.active)}"
    )


def usage_text(window: str, stats: Stats) -> str:
    return (
        f"<b>Usage, last {window}</b>\n"
        f"Conversations: {stats.conversations}\nTurns: {stats.turns}\n"
        f"Products shown: {stats.products_shown}, clicked: {stats.clicks} (CTR {stats.ctr:.1%})\n"
        f"👍 {stats.likes}  👎 {stats.dislikes}\n"
        f"Handoffs: {stats.handoffs}\nFallback answers: {stats.fallbacks}\nLLM errors: {stats.llm_errors}\n"
        f"Turn latency p50 {_ms(stats.latency_p50_ms)}, p95 {_ms(stats.latency_p95_ms)}"
    )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"
