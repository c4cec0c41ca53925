"""Without Chromium the browser test fails and says how to install it; it never skips silently."""

from __future__ import annotations

import pytest

from tests.web import browser


def test_a_missing_chromium_fails_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception) as failure:
        browser.require_browser()
    message = str(failure.value)
    assert "make browser" in message and "apt-get install -y chromium chromium-driver" in message
