"""The pages work under their Content-Security-Policy (no inline script or style allowed): a
real Chromium opens every page as a supervisor and reports no CSP violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.webapp import SUPERVISOR, password
from tests.support.browser import ARGS, CHROMIUM, sign_in
from tests.support.web import running_web

pytestmark = pytest.mark.browser
PAGES = ["/reports?from=2026-11-24&to=2026-11-24", "/calls?from=2026-11-24&to=2026-11-24", "/wallboard",
         "/desk?agent=101", "/spot-checks?day=2026-11-24", "/followups", "/account/password",
         "/account/users", "/no-such-page", "/reports?from=0001-01-01"]


async def test_no_page_breaks_its_content_security_policy(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright

    async with running_web(tmp_path) as web, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page: Any = await (await browser.new_context(base_url=f"http://127.0.0.1:{web.port}")).new_page()
        violations: list[str] = []
        page.on("console",
                lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        await sign_in(page, SUPERVISOR, password(SUPERVISOR))
        for path in PAGES:
            await page.goto(path)
            await page.wait_for_load_state("load")
        await browser.close()
    assert violations == []
