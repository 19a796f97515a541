"""In Chromium: a hostile ``redirect_to`` never takes the browser off the site, the websocket
works under the page's CSP, and a foreign page cannot open it (reliability.md section 5)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from tests.conftest import LiveServer
from tests.test_web_security import HOSTILE_REDIRECTS

LANDING = "/main/channels/town-square"
# One of each kind from the HTTP table (each costs a real login, ~0.7 s here).
IN_BROWSER = {
    "protocol-relative",
    "slash-backslash",
    "backslashes",
    "tab-inside",
    "newline-inside",
    "leading-space",
    "percent-backslash",
    "percent-tab",
    "percent-slashes",
    "javascript",
    "javascript-tab",
    "http",
    "http-no-slashes",
    "fullwidth-solidus",
    "slash-fullwidth-solidus",
}


def _log_in_through_form(page: Any, target: str) -> None:
    """Log in on /login?redirect_to=target; return once the script has sent the browser on."""
    page.goto(f"/login?redirect_to={quote(target, safe='')}")
    page.fill("#login_id", "admin")
    page.fill("#password", "admin-password-1")
    with page.expect_navigation(wait_until="commit", timeout=10_000):
        page.click("button[type=submit]")


def test_hostile_redirect_to_keeps_the_browser_on_the_site(
    page: Any, live_server: LiveServer
) -> None:
    outside: list[str] = []
    site = urlsplit(live_server.url).netloc
    page.context.on(
        "request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc != site else None
    )
    landed: dict[str, str] = {}
    cases = [param for param in HOSTILE_REDIRECTS if param.id in IN_BROWSER]
    assert len(cases) == len(IN_BROWSER)
    for param in cases:
        target = param.values[0]
        page.context.clear_cookies()
        _log_in_through_form(page, target)  # the form, then the script's redirect
        landed[f"form {param.id}"] = page.url
        # signed in, /login answers with the server's own 302
        page.goto(f"/login?redirect_to={quote(target, safe='')}", wait_until="commit")
        landed[f"signed-in {param.id}"] = page.url
        page.goto("about:blank")  # stop the app before its cookie goes
    wrong = {case: url for case, url in landed.items() if url != live_server.url + LANDING}
    assert wrong == {} and outside == [] and page.errors == []


def test_local_redirect_to_is_followed(page: Any, live_server: LiveServer) -> None:
    _log_in_through_form(page, "/main/channels/off-topic")
    page.wait_for_selector(".sidebar")
    assert page.url == f"{live_server.url}/main/channels/off-topic"


def test_websocket_opens_under_the_pages_csp(page: Any, live_server: LiveServer) -> None:
    """connect-src is only 'self': Chromium must still let the page open its own ws://."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    with page.expect_websocket() as opened:
        _log_in_through_form(page, "/")
        page.wait_for_selector(".sidebar")
    socket = opened.value
    assert socket.url.startswith(live_server.url.replace("http://", "ws://"))
    for _ in range(50):  # the hello, within 5 s
        if any('"hello"' in frame for frame in frames):
            break
        page.wait_for_timeout(100)
    assert any('"hello"' in frame for frame in frames), frames
    assert not socket.is_closed() and refused == []


OPEN_FROM_PAGE = """url => new Promise(done => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); done("open"); };
  ws.onerror = () => done("refused");
  setTimeout(() => done("timeout"), 5000);
})"""


def test_a_foreign_page_cannot_open_the_websocket(page: Any, live_server: LiveServer) -> None:
    """A page served as http://evil.example (intercepted, no network) tries our websocket."""
    page.route(
        "http://evil.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>evil</p>"),
    )
    page.goto("http://evil.example/")
    ws_url = live_server.url.replace("http://", "ws://") + "/api/v4/websocket"
    assert page.evaluate(OPEN_FROM_PAGE, ws_url) == "refused"
    page.goto("/login")  # the site's own page may
    assert page.evaluate(OPEN_FROM_PAGE, ws_url) == "open"
