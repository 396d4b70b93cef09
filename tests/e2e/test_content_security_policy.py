"""The admin and the API docs under their Content-Security-Policy, in headless Chromium: no
violation reported, the pages still work, nothing fetched from outside this site."""

import pytest
from django.contrib.auth import get_user_model

from categories import services as category_services
from core.models import APIKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
# Reports every violation on the page (console messages are reported too, this catches the rest).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def page(browser, live_server):
    get_user_model().objects.create_superuser("editor", "editor@example.com", PASSWORD)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    outside = []

    def only_this_site(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_site)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.outside = outside
    yield page
    context.close()


def assert_clean(page):
    assert page.evaluate("window.__violations") == []
    assert [m for m in page.console_errors if "Content Security Policy" in m] == []
    assert page.outside == []


def test_the_api_docs_work_offline_under_the_policy(page, screenshot_dir):
    page.goto("/api/core/v2/docs/")
    page.wait_for_selector(".opblock-summary", timeout=30000)  # Swagger UI read the schema and drew it
    assert page.locator(".opblock-summary").count() > 10
    page.screenshot(path=screenshot_dir / "csp-01-api-docs.png")
    assert_clean(page)


def test_the_admin_works_under_the_policy(page, screenshot_dir):
    category_services.category_create(
        locales=[{"locale": "en", "name": "Harbour"}],
        svg_icon='<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><circle cx="1" cy="1" r="1"/></svg>',
        is_archived=False,
    )
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    for path in ("/admin/", "/admin/categories/category/", "/admin/assets/assetimage/", "/admin/core/apikey/"):
        page.goto(path)
        assert_clean(page)
    # Collapsible fieldsets and the calendar widget run the admin's own scripts.
    page.goto("/admin/core/apikey/add/")
    page.fill("#id_name", "partner site")
    page.check("input[value='assets:read']")
    page.click("input[name=_save]")
    page.wait_for_selector("#new-api-key")
    page.screenshot(path=screenshot_dir / "csp-02-new-api-key.png", full_page=True)
    raw = page.inner_text("#new-api-key")
    assert raw.startswith(APIKey.objects.get(name="partner site").prefix + ".")
    assert_clean(page)
    # The key is on that page only: the next page, and the cookies, do not have it.
    page.click("text=Back to the API keys")
    assert raw not in page.content()
    assert all(raw not in cookie["value"] for cookie in page.context.cookies())
    page.click(f"text={raw.split('.')[0]}")  # the prefix links to the key's page
    page.click("a.historylink")
    page.wait_for_selector("#auditlog-history")
    page.screenshot(path=screenshot_dir / "csp-03-key-history.png", full_page=True)
    assert_clean(page)
