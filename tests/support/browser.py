"""What the Chromium tests share: where Chromium is and how it starts, how long a page may take,
where screenshots go, and logging in through the login form."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 5000


def shots(tmp_path: Path) -> Path:
    """Screenshots land in $CALLCENTER_SCREENSHOTS, or the test's temporary directory."""
    out = Path(os.environ.get("CALLCENTER_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


async def submit_login(page: Any, user_id: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    await page.fill("input[name=user_id]", user_id)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")


async def sign_in(page: Any, user_id: str, password: str, landing: str = "/reports", *,
                  server: str = "") -> None:
    """Log in through the form and wait for ``landing``, where the login sends on to; ``server`` is
    the web's address when the page has no base URL."""
    await page.goto(f"{server}/login?next={quote(landing, safe='/')}")
    await submit_login(page, user_id, password)
    await page.wait_for_url(f"**{landing}")
