"""Commands that move catalog files in and out: `shopguide ingest` (update modes, applying the valid rows of
a file with errors, the confirmation a replace needs) and `shopguide catalog export`.

A file is validated first and its report printed; it is applied only when the report allows it: no file
error, no rejected row unless `--apply-valid-rows` (then all valid rows land, or none), something to change,
and for a replace that removes items, `--yes` or a yes at the prompt naming how many go.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

import demo
from bot.cli.app import DataDirOption, JsonOption, app, console, err_console, fail, load_settings
from bot.cli.catalog import MerchantOption, catalog_app, open_index, progress_bar, run_command
from bot.settings import Settings
from retrieval.catalog import RowError, RowWarning
from retrieval.export import EXPORT_FORMATS, ExportFormat
from retrieval.files import guess_kind
from retrieval.holds import HELD_WARNINGS
from retrieval.index import UpdateMode, UploadReport
from retrieval.models import DocumentKind

SHOWN_ROWS = 50

KindOption = Annotated[
    DocumentKind | None,
    typer.Option("--kind", help="What the file holds (default: guessed from the name, else products)."),
]


@app.command()
def ingest(  # noqa: PLR0913  (typer: one parameter per command-line option)
    file: Annotated[
        Path | None, typer.Argument(help="Catalog file: CSV, TSV, JSON, JSONL, XLSX; policies also .md/.txt.")
    ] = None,
    kind: KindOption = None,
    merchant: MerchantOption = None,
    mode: Annotated[
        UpdateMode,
        typer.Option(
            "--mode",
            help="upsert: add and update the file's items, touch nothing else (default); replace: the kind's "
            "whole catalog becomes the file; delete: remove the items the file lists (by SKU, review id, policy id).",
        ),
    ] = "upsert",
    apply_valid_rows: Annotated[
        bool,
        typer.Option(
            "--apply-valid-rows", help="Apply the valid rows of a file with rejected rows (all of them, or none)."
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm a replace that removes items without asking.")
    ] = False,
    use_demo: Annotated[
        bool, typer.Option("--demo", help="Ingest the bundled demo shop (products, reviews, policies).")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate catalog files and apply each as one version; the report lists every rejected row and warning."""
    settings = load_settings(data_dir)
    merchant_id = merchant or settings.assistant.default_merchant
    if use_demo == (file is not None):
        fail("give either a FILE or --demo")
    if file is None:
        uploads = [(kind_, name, (demo.shop_dir() / name).read_bytes()) for kind_, name in demo.CATALOG_FILES.items()]
    else:
        try:
            uploads = [(kind or guess_kind(file.name), file.name, file.read_bytes())]
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
    confirm = _confirm_replace(yes, interactive=not as_json and sys.stdin.isatty())
    reports = run_command(
        _ingest(settings, merchant_id, uploads, mode, apply_valid_rows, confirm=confirm, progress=not as_json)
    )
    if as_json:
        console.print_json(json.dumps([report_json(r) for r in reports], ensure_ascii=False))
    else:
        for report in reports:
            print_report(report)
    stopped = next((r for r in reports if _stops(r, apply_valid_rows)), None)
    if stopped is not None:
        skipped = [name for _, name, _ in uploads[len(reports) :]]
        fail(
            _why_not_applied(stopped, apply_valid_rows) + (f"; not attempted: {', '.join(skipped)}" if skipped else "")
        )


async def _ingest(
    settings: Settings,
    merchant_id: str,
    uploads: list[tuple[DocumentKind, str, bytes]],
    mode: UpdateMode,
    valid_rows: bool,
    *,
    confirm: Callable[[UploadReport], bool],
    progress: bool,
) -> list[UploadReport]:
    """Validate and apply each file in order (products first: reviews are checked against them), stopping at
    the first that cannot be applied. Each file is its own all-or-nothing version."""
    reports: list[UploadReport] = []
    async with open_index(settings) as index:
        shop = await index.merchant(merchant_id)
        for kind, name, data in uploads:
            report = await shop.validate(kind, name, data, mode)
            reports.append(report)
            if report.refusal(valid_rows=valid_rows) is not None:
                if _stops(report, valid_rows):
                    break
                continue  # nothing to change: not an error
            if not confirm(report):
                break
            with progress_bar(f"embedding {name}", progress) as update:
                await shop.apply(report, update, valid_rows=valid_rows)
    return reports


def _stops(report: UploadReport, valid_rows: bool) -> bool:
    """Whether a report ends the run as a failure: unusable, refused rows, or a replace not confirmed."""
    if report.version is not None:
        return False
    return bool(report.errors or (report.rejected and not valid_rows) or report.changes)


def _why_not_applied(report: UploadReport, valid_rows: bool) -> str:
    if report.errors:
        return f"{report.filename} cannot be used; nothing from it was applied"
    if report.rejected and not valid_rows:
        return (
            f"{report.filename} has {report.rejected_rows} rejected row(s); nothing from it was applied. Fix the "
            f"rows listed and ingest it again, or add --apply-valid-rows to apply its {report.valid_rows} valid rows"
        )
    return f"{report.filename} was not applied: replacing means {_removals(report)}; confirm with --yes"


def _removals(report: UploadReport) -> str:
    what = f"removing {report.removed} {report.kind}"
    return what + (f" and {report.reviews_removed} reviews" if report.reviews_removed else "")


def _confirm_replace(yes: bool, *, interactive: bool) -> Callable[[UploadReport], bool]:
    """The second, explicit confirmation a replace needs when it removes anything."""

    def confirm(report: UploadReport) -> bool:
        if report.mode != "replace" or not (report.removed or report.reviews_removed) or yes:
            return True
        if not interactive:
            return False
        print_report(report)
        return typer.confirm(f"Replace the {report.kind} of {report.merchant_id}, {_removals(report)}?", default=False)

    return confirm


def report_json(report: UploadReport) -> dict[str, Any]:
    counts = ("added", "updated", "unchanged", "deleted", "missing", "removed", "kept", "reviews_removed")
    return {
        "ok": report.ok,
        "merchant_id": report.merchant_id,
        "kind": report.kind,
        "mode": report.mode,
        "filename": report.filename,
        "shape": report.parsed.shape,
        "rows": report.rows,
        "valid_rows": report.valid_rows,
        "rejected_rows": report.rejected_rows,
        **{name: getattr(report, name) for name in counts},
        "errors": report.errors,
        "rejected": [r.model_dump() for r in report.rejected],
        "warnings": [w.model_dump() for w in report.warnings],
        "version": report.version,
    }


def print_report(report: UploadReport) -> None:
    if report.version is not None:
        status = f"[green]applied as version {report.version}[/]"
    elif report.errors or report.changes:
        status = "[red]not applied[/]"
    else:
        status = "no changes"
    console.print(
        f"[bold]{escape(report.filename)}[/] ({report.kind}, {report.mode}, merchant {escape(report.merchant_id)}): "
        f"{status}\n  {_counts(report)}"
    )
    for error in report.errors:
        err_console.print(f"  [red]file error:[/] {escape(error)}", highlight=False)
    if report.rejected:
        console.print(rows_table("Rejected rows", report.rejected))
    if report.warnings:
        console.print(rows_table("Warnings (the rows are used)", report.warnings))
    if any(warning.kind in HELD_WARNINGS for warning in report.warnings):
        console.print(
            "held text: `shopguide catalog held` lists it; once checked, `shopguide catalog confirm SKU` "
            "(a review: `--review REVIEW_ID`) releases it; orders to the assistant have to be rewritten"
        )


def _counts(report: UploadReport) -> str:
    """The row counts, which add up to the file's rows, then what changes outside the file."""
    if report.errors:
        return f"{report.rows} rows; the file cannot be used"
    parts = [f"{report.rows} rows = {report.valid_rows} valid + {report.rejected_rows} rejected"]
    if report.parsed.shape == "deletions":
        parts.append(f"{report.deleted} deleted, {report.missing} not in the catalog")
    else:
        parts.append(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged")
    outside = [
        f"{report.removed} {report.kind} removed (not in the file)" if report.removed else "",
        f"{report.kept} kept as they are (their rows were rejected)" if report.kept else "",
        f"{report.reviews_removed} reviews removed with their products" if report.reviews_removed else "",
    ]
    return "; ".join(parts + [part for part in outside if part])


def rows_table(title: str, rows: list[RowError] | list[RowWarning]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("row", justify="right")
    table.add_column("field")
    table.add_column("reason", overflow="fold")
    for row in rows[:SHOWN_ROWS]:
        reason = row.reason if isinstance(row, RowError) else row.detail
        table.add_row(str(row.row), escape(row.field or "-"), escape(reason))
    if len(rows) > SHOWN_ROWS:
        table.caption = f"... and {len(rows) - SHOWN_ROWS} more (use --json for all)"
    return table


# --- catalog export --------------------------------------------------------------------------------


@catalog_app.command("export")
def catalog_export(
    output: Annotated[Path, typer.Argument(help="Where to write; the format follows the suffix unless --format.")],
    kind: Annotated[DocumentKind, typer.Option("--kind", help="Which documents.")] = "products",
    fmt: Annotated[
        ExportFormat | None, typer.Option("--format", help="csv, tsv, json, jsonl or xlsx (default: from the suffix).")
    ] = None,
    merchant: MerchantOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the current documents of one kind to a file that `shopguide ingest` reads back unchanged."""
    settings = load_settings(data_dir)
    suffix = output.suffix.lower().lstrip(".")
    chosen = fmt or next((known for known in EXPORT_FORMATS if known == suffix), None)
    if chosen is None:
        fail(f"cannot tell the format from {output.name!r}; add --format csv|tsv|json|jsonl|xlsx")
    data = run_command(_export(settings, merchant, kind, chosen))
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    err_console.print(f"wrote the {kind} of {escape(merchant or settings.assistant.default_merchant)} to {output}")


async def _export(settings: Settings, merchant: str | None, kind: DocumentKind, fmt: ExportFormat) -> bytes:
    async with open_index(settings) as index:
        return await (await index.merchant(merchant or settings.assistant.default_merchant)).export(kind, fmt)
