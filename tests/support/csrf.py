"""Logging in the way a browser does: the login form's token first, then the session's token
(from any page's <meta name="csrf-token">) sent as X-CSRF-Token with every later post."""

from __future__ import annotations

import re
from typing import Any

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def form_token(html: str) -> str:
    found = FORM_TOKEN.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


async def post_login(client: Any, user_id: str, password: str, **extra: str) -> Any:
    """The login form as a browser posts it (a token from the login page); the answer as is."""
    token = form_token((await client.get("/login")).text)
    return await client.post("/login", data={"user_id": user_id, "password": password, "csrf_token": token,
                                             **extra}, follow_redirects=False)


async def adopt_session_token(client: Any) -> str:
    page = await client.get("/account/password")
    found = META_TOKEN.search(page.text)
    assert found, page.text[:300]
    client.headers["X-CSRF-Token"] = found.group(1)
    return found.group(1)


async def browser_login(client: Any, user_id: str, password: str, **extra: str) -> Any:
    response = await post_login(client, user_id, password, **extra)
    assert response.status_code == 303, response.text
    await adopt_session_token(client)
    return response
