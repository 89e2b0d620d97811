"""The interactive API docs load offline and run under the site's Content Security Policy.

Driven in Debian's chromium through the shared `browser` fixture of tests/e2e/conftest.py.
"""

import pytest

from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def session_cookie(transactional_db, client):
    """A logged-in web session, made before the browser's event loop starts."""
    client.force_login(factories.user_with_role("street_admin", factories.street()))
    return client.cookies["sessionid"].value


def test_docs_render_operations_without_csp_violations(session_cookie, live_server, browser):
    session = session_cookie
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    # Swagger UI renders only the operations near the viewport (a virtual list), so the page is
    # opened on the residents section through its deep link.
    page.goto(f"{live_server.url}/api/v1/docs/#/residents")
    page.wait_for_selector(".opblock", timeout=15000)
    residents = page.locator(".opblock-summary-path", has_text="/api/v1/residents/")
    residents.first.wait_for(timeout=15000)
    assert residents.count() >= 1
    assert problems == []
    assert outside == []
