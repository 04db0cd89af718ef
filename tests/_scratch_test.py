import pytest
from playwright.sync_api import Page, expect

@pytest.mark.browser
@pytest.mark.parametrize("first", ["/checkin", "/"])
def test_first_request(first, store, server_factory, page: Page, artifacts):
    store.create_couple("A & B", ["Ann", "Bob"])
    store.close()
    srv = server_factory(store.path)
    page.goto(srv.url + first)
    page.wait_for_timeout(4000)
    page.screenshot(path=str(artifacts / f"scratch{first.replace('/','_')}.png"), full_page=True)
    print(first, page.locator('[data-testid="stMain"]').inner_text()[:400])
    print("SIDEBAR", page.locator('[data-testid="stSidebar"]').inner_text()[:400] if page.locator('[data-testid="stSidebar"]').count() else None)
    page.goto(srv.url + "/checkin")
    page.wait_for_timeout(3000)
    print("AFTER", page.locator('[data-testid="stMain"]').inner_text()[:300])
