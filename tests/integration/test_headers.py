"""Public pages carry a Content-Security-Policy; a missing page is the branded 404."""

import pytest

pytestmark = pytest.mark.django_db


def test_public_pages_carry_a_content_security_policy(client):
    response = client.get("/robots.txt")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_admin_keeps_its_own_inline_scripts(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.parametrize(
    "path, words", [("/no-such-page/", "页面不存在"), ("/en/no-such-page/", "Page not found")]
)
def test_a_missing_page_is_the_branded_404_without_debug_details(client, path, words):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Using the URLconf" not in html and "urlpatterns" not in html
    assert 'class="site-header"' in html
    assert words in html
    assert "Content-Security-Policy" in response
