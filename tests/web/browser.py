"""A real headless browser for the sandbox tests: Debian's Chromium driven by Playwright.

Playwright's own browser download cannot work offline, so it drives the system's `/usr/bin/chromium`.
`make test` installs Chromium and the fonts the page needs (`make browser`); when they are missing the
test fails and says how to install them, rather than skipping.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = "chromium chromium-driver fonts-wqy-microhei fonts-noto-color-emoji"
INSTALL = (
    f"run `make browser` (as root it runs `apt-get install -y {PACKAGES}`), or install those Debian packages "
    "yourself, then run the test again"
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser() -> None:
    """Fail (never skip) with install instructions when Chromium, Playwright or a Chinese font is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(f"the browser test needs Debian's Chromium at {CHROMIUM}: {INSTALL}", pytrace=False)
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("the browser test needs the playwright package: pip install -e '.[dev]'", pytrace=False)
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout if fc_list else ""
    if not fonts.strip():
        pytest.fail(f"no Chinese font is installed, so screenshots would show boxes: {INSTALL}", pytrace=False)


@asynccontextmanager
async def chromium_page(profile_dir: Path, *, width: int = 900, height: int = 1000) -> AsyncIterator[Page]:
    """A page in a fresh Chromium profile (`profile_dir`, empty)."""
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
            locale="en-US",
        )
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()
