"""Staff-facing texts: upload reports, catalog figures, products, held text, versions, regression-suite
results and usage statistics, as Telegram HTML in the staff member's language (`bot/i18n/staff.py`, `held.py`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from bot.channels.telegram.render import escape
from bot.core.reply import Language
from bot.evaluation.conversations import PromptGate, SuiteResult
from bot.evaluation.conversations.gate import GateFinding
from bot.i18n import t
from bot.state.store import Stats
from retrieval.cells import shorten
from retrieval.holds import HELD_WARNINGS, held_kind, held_text
from retrieval.index import CatalogStats, CatalogVersion, UploadReport
from retrieval.models import DocumentKind, Product, Review
from retrieval.money import format_price

# Rejected rows listed in the chat; all of them are in the attached CSV.
REJECTED_ROWS_SHOWN = 10
# Held texts `/held` lists in one go (the merchant deals with these, then asks again).
HELD_SHOWN = 20


def kind_name(kind: DocumentKind, language: Language) -> str:
    return t(f"kind_{kind}", language)


def upload_report_text(report: UploadReport, language: Language) -> str:
    """What a file would do: its mode, rows that add up (valid + rejected), what changes against the version in
    force, what a replace removes, then the rejected rows and the warnings (first few of each)."""
    lines = [
        t(
            "report_header",
            language,
            filename=escape(report.filename),
            kind=kind_name(report.kind, language),
            merchant=escape(report.merchant_id),
        ),
        t("report_mode", language, mode=t(f"mode_{report.mode}", language)),
    ]
    if report.errors:
        lines.append(t("report_unusable", language))
        lines += [f"• {escape(error)}" for error in report.errors]
        return "\n".join(lines)
    lines.append(t("report_rows", language, rows=report.rows, valid=report.valid_rows, rejected=report.rejected_rows))
    lines += _change_lines(report, language)
    if report.rejected:
        lines.append(t("report_rejected", language, shown=min(len(report.rejected), REJECTED_ROWS_SHOWN)))
        lines += [_row_line(row.row, row.field, row.reason, language) for row in report.rejected[:REJECTED_ROWS_SHOWN]]
    if report.warnings:
        lines += _warning_lines(report, language)
    if any(warning.kind in HELD_WARNINGS for warning in report.warnings):
        lines.append(t("report_held_hint", language))
    if not report.rejected and not report.warnings:
        lines.append(t("report_all_valid", language))
    return "\n".join(lines)


def _change_lines(report: UploadReport, language: Language) -> list[str]:
    """What the valid rows change, and what changes beyond the file's rows."""
    kind = kind_name(report.kind, language)
    base = report.base_version
    if report.parsed.shape == "deletions":
        lines = [t("report_deletions", language, base=base, deleted=report.deleted, missing=report.missing)]
    else:
        counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}
        lines = [t("report_changes", language, base=base, **counts)]
    if report.parsed.shape == "patches":
        lines.append(t("report_sheet", language))
    if report.removed:
        lines.append(t("report_removed", language, removed=report.removed, kind=kind))
    if report.kept:
        lines.append(t("report_kept", language, kept=report.kept))
    if report.reviews_removed:
        lines.append(t("report_reviews_removed", language, count=report.reviews_removed))
    if not report.changes:
        lines.append(t("report_no_changes", language))
    return lines


def _warning_lines(report: UploadReport, language: Language) -> list[str]:
    """Warnings counted by kind (each kind has its `report_warning_<kind>` label), then the first few."""
    by_kind = Counter(warning.kind for warning in report.warnings)
    summary = ", ".join(f"{t(f'report_warning_{kind}', language)}: {count}" for kind, count in by_kind.items())
    lines = [t("report_warnings", language, summary=summary)]
    shown = report.warnings[:REJECTED_ROWS_SHOWN]
    return lines + [_row_line(w.row, w.field, w.detail, language) for w in shown]


def _row_line(row: int, field: str | None, reason: str, language: Language) -> str:
    where = t("report_row", language, row=row) + (f", {field}" if field else "")
    return f"• {escape(where)}: {escape(reason[:200])}"


def rejected_rows_csv(report: UploadReport) -> bytes:
    """All rejected rows as UTF-8 CSV (with a BOM so spreadsheet programs read Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "field", "reason"])
    for row in report.rejected:
        writer.writerow([row.row, row.field or "", row.reason])
    return buffer.getvalue().encode("utf-8-sig")


def catalog_stats_text(merchant_id: str, stats: CatalogStats, language: Language) -> str:
    if stats.version == 0:
        return t("catalog_empty", language, merchant=escape(merchant_id))
    return t(
        "catalog_stats",
        language,
        merchant=escape(merchant_id),
        version=stats.version,
        updated=stats.updated_at.strftime("%Y-%m-%d %H:%M UTC") if stats.updated_at else "?",
        products=stats.products,
        in_stock=stats.in_stock,
        categories=stats.categories,
        brands=stats.brands,
        reviews=stats.reviews,
        policies=stats.policies,
        held=stats.held,
        embedder=escape(stats.embedder),
    )


def product_text(product: Product, language: Language) -> str:
    stock = t("stock_unknown", language) if product.stock is None else str(product.stock)
    state = t("in_stock" if product.in_stock else "out_of_stock", language)
    lines = [
        f"<b>{escape(product.title)}</b> <code>{escape(product.sku)}</code>",
        t(
            "product_price",
            language,
            price=t("price_unknown", language)
            if product.price is None
            else format_price(product.price, product.currency),
        ),
        t("product_stock", language, stock=stock, state=state),
    ]
    if product.brand:
        lines.append(t("product_brand", language, brand=escape(product.brand)))
    if product.category:
        lines.append(t("product_category", language, category=escape(" / ".join(product.category))))
    if product.rating is not None:
        lines.append(t("product_rating", language, rating=product.rating))
    if product.url:
        lines.append(t("product_url", language, url=escape(product.url)))
    if product.flags:
        lines.append(
            t("product_held", language, reason=_held_reason(product, language), action=_held_action(product, language))
        )
    return "\n".join(lines)


def held_list_text(records: list[Product | Review], language: Language) -> str:
    """What `/held` shows: each held description or review, why, and what the merchant can do about it."""
    if not records:
        return t("held_none", language)
    lines = [t("held_header", language, count=len(records))]
    for record in records[:HELD_SHOWN]:
        if isinstance(record, Product):
            what = t("held_product", language, sku=escape(record.sku), title=escape(record.title))
        else:
            what = t("held_review", language, review=escape(record.review_id), sku=escape(record.sku))
        quoted = escape(shorten(" ".join(held_text(record).split()), 80))
        reason = _held_reason(record, language)
        lines.append(f"• {what}: “{quoted}”\n  {reason} {_held_action(record, language)}")
    if len(records) > HELD_SHOWN:
        lines.append(t("held_more", language, count=len(records) - HELD_SHOWN))
    return "\n".join(lines)


def _held_reason(record: Product | Review, language: Language) -> str:
    return t(f"held_reason_{held_kind(record)}", language)


def _held_action(record: Product | Review, language: Language) -> str:
    """How to release a held text: the exact `/confirm` command, or (orders to the assistant) a rewrite."""
    if held_kind(record) == "instructions":
        return t("held_rewrite", language)
    command = f"/confirm {record.sku}" if isinstance(record, Product) else f"/confirm review {record.review_id}"
    return t("held_confirm_with", language, command=f"<code>{escape(command)}</code>")


def version_text(version: CatalogVersion, language: Language) -> str:
    counts = ", ".join(
        t("version_count", language, count=count, kind=kind_name(kind, language))
        for kind, count in version.counts.items()
    )
    return t(
        "version_line",
        language,
        version=version.version,
        action=t(f"action_{version.action}", language),
        note=f" ({escape(version.note)})" if version.note else "",
        counts=counts,
    )


def suite_text(title: str, result: SuiteResult, language: Language) -> str:
    lines = [
        t(
            "suite_summary",
            language,
            title=escape(title),
            passed=result.conversations_passed,
            total=result.conversations,
            rate=result.pass_rate,
            turns_passed=result.turns_passed,
            turns=result.turns,
        ),
        t("suite_fallbacks", language, count=result.fallbacks, turns=result.turns),
    ]
    lines += [f"• {escape(name)}: {rate.passed}/{rate.total}" for name, rate in result.checks.items()]
    lines += [
        t(
            "suite_failure",
            language,
            conversation=escape(failure.conversation),
            turn=failure.turn,
            check=escape(failure.check),
            detail=escape(failure.detail[:150]),
        )
        for failure in result.failures[:5]
    ]
    return "\n".join(lines)


def gate_text(name: str, gate: PromptGate, language: Language) -> str:
    """The verdict, why (the figures the draft is worse on), every figure the gate compared, then both runs."""
    if gate.worse:
        why = t("gate_why_fails", language, figures=", ".join(_figure_label(f, language) for f in gate.worse))
    else:
        why = t("gate_why_passes", language)
    return t(
        "gate",
        language,
        name=escape(name),
        verdict=t("gate_passes" if gate.passed else "gate_fails", language),
        why=why,
        figures="\n".join(_figure_line(finding, language) for finding in gate.findings),
        draft=suite_text(t("suite_draft", language), gate.draft, language),
        active=suite_text(t("suite_active", language), gate.active, language),
    )


def _figure_label(finding: GateFinding, language: Language) -> str:
    return t(f"gate_figure_{finding.figure}", language, name=escape(finding.name or ""))


def _figure_line(finding: GateFinding, language: Language) -> str:
    def value(number: float | None) -> str:
        if number is None:
            return t("gate_missing", language)
        return f"{number:g}" if finding.figure == "fallbacks" else f"{number:.0%}"

    return t(
        "gate_figure",
        language,
        mark="✗" if finding.worse else "✓",
        label=_figure_label(finding, language),
        draft=value(finding.draft),
        active=value(finding.active),
    )


def usage_text(window: str, stats: Stats, language: Language) -> str:
    def ms(value: float | None) -> str:
        return t("not_measured", language) if value is None else f"{value:,.0f} ms"

    return t(
        "usage_stats_report",
        language,
        window=window,
        conversations=stats.conversations,
        turns=stats.turns,
        shown=stats.products_shown,
        clicks=stats.clicks,
        ctr=stats.ctr,
        likes=stats.likes,
        dislikes=stats.dislikes,
        handoffs=stats.handoffs,
        fallbacks=stats.fallbacks,
        llm_errors=stats.llm_errors,
        p50=ms(stats.latency_p50_ms),
        p95=ms(stats.latency_p95_ms),
    )
