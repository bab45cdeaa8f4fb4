"""The public page cache (cms.pagecache): what is kept, per language, and what invalidates it."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from cms import pagecache
from portal.records.disclosure import RecordStatus
from portal.records.services import change_record
from tests.cms.conftest import page_text
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import OrganisationFactory, UserFactory, make_record

pytestmark = pytest.mark.django_db


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


@pytest.fixture(autouse=True)
def chrome(db):
    """The site's chrome exists, as after `make setup` (its creation on the first page
    view would invalidate every page once)."""
    from wagtail.models import Site

    from cms.models import SiteChrome

    return SiteChrome.for_site(Site.objects.get(is_default_site=True))


@pytest.fixture
def subject(home):
    return OrganisationFactory(name="惠州市缓存测试有限公司")


def test_the_second_request_is_served_from_the_cache_without_a_query(client, subject):
    record = make_record(subject)
    first = client.get(f"/subjects/{subject.code}/")
    assert first.status_code == 200 and first[pagecache.HIT_HEADER] == "miss"
    for url in (f"/subjects/{subject.code}/", f"/records/{record.pk}/", "/"):
        client.get(url)
        again, count = queries_of(client, url)
        assert again.status_code == 200 and count == 0, url
        assert again[pagecache.HIT_HEADER] == "hit"
        assert "public" in again["Cache-Control"] and "max-age=60" in again["Cache-Control"]
        assert again["ETag"] and again["Content-Security-Policy"]
    assert record.decision_no in page_text(client.get(f"/subjects/{subject.code}/"))


def test_each_language_has_its_own_copy(client, subject):
    make_record(subject)
    chinese = client.get(f"/subjects/{subject.code}/")
    english = client.get(f"/en/subjects/{subject.code}/")
    assert english[pagecache.HIT_HEADER] == "miss"  # not the Chinese page's copy
    for url, words, other in (
        (f"/subjects/{subject.code}/", "行政处罚", "Administrative penalty"),
        (f"/en/subjects/{subject.code}/", "Administrative penalty", "行政处罚"),
    ):
        again, count = queries_of(client, url)
        assert count == 0 and words in page_text(again) and other not in page_text(again)
    assert chinese["ETag"] != english["ETag"]


def test_if_none_match_gets_304_without_a_query(client, subject):
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    etag = client.get(url)["ETag"]
    response, count = queries_of(client, url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b"" and count == 0
    assert response["ETag"] == etag and "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_repair_leaves_that_subjects_pages_at_once_and_others_cached(
    client, subject, lists, django_capture_on_commit_callbacks
):
    record = make_record(subject)
    other = make_record(OrganisationFactory())
    listing = [f"/subjects/{subject.code}/", "/penalties/"]
    for url in [*listing, f"/records/{record.pk}/"]:
        assert record.decision_no in page_text(client.get(url)), url
    assert subject.name in page_text(client.get("/"))  # the latest disclosures
    client.get(f"/subjects/{other.subject.code}/")
    with django_capture_on_commit_callbacks(execute=True):
        change_record(record, reason="repair", reference="repair:1", status=RecordStatus.REPAIRED)
    gone = client.get(f"/records/{record.pk}/")
    assert gone.status_code == 410 and record.decision_no not in page_text(gone)
    for url in listing:
        assert record.decision_no not in page_text(client.get(url)), url
    assert subject.name not in page_text(client.get("/"))
    unrelated, count = queries_of(client, f"/subjects/{other.subject.code}/")
    assert count == 0 and other.decision_no in page_text(unrelated)


def test_a_committed_batch_shows_on_its_subjects_profile(
    client, subject, django_capture_on_commit_callbacks
):
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)
    row = penalty_row(uscc=subject.uscc, subject_name=subject.name)
    with django_capture_on_commit_callbacks(execute=True):
        load(penalty_csv([row]))
    response, count = queries_of(client, url)
    assert count > 0 and row["decision_no"] in page_text(response)


def test_a_batch_naming_many_records_invalidates_every_subject_at_once(client, subject):
    from cms import invalidation

    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)
    tags = invalidation.tags_for_records(range(1, invalidation.MAX_NAMED + 2))
    assert pagecache.SUBJECTS in tags and not any(t.startswith("subject:") for t in tags)
    pagecache.invalidate(*tags)
    assert queries_of(client, url)[1] > 0


def test_publishing_a_page_invalidates_it_and_the_listing_above_it(client, home):
    from cms.models import NewsIndexPage, NewsPage

    index = home.add_child(instance=NewsIndexPage(title="信用动态", slug="news"))
    news = index.add_child(
        instance=NewsPage(title="旧的标题", slug="item", body="<p>正文</p>", summary="")
    )
    subject = OrganisationFactory()
    make_record(subject)
    for url in ("/news/", "/news/item/", f"/subjects/{subject.code}/"):
        assert client.get(url).status_code == 200
        assert queries_of(client, url)[1] == 0
    news.title = "新的标题"
    news.save_revision().publish()
    for url in ("/news/", "/news/item/"):
        response, count = queries_of(client, url)
        assert (
            count > 0
            and "新的标题" in page_text(response)
            and "旧的标题" not in page_text(response)
        )
    assert queries_of(client, f"/subjects/{subject.code}/")[1] == 0  # not every page
    news.unpublish()
    assert client.get("/news/item/").status_code == 404
    assert "新的标题" not in page_text(client.get("/news/"))


def test_a_subject_renamed_and_the_menus_saved_invalidate_their_pages(client, site):
    from cms.models import SiteChrome

    subject = OrganisationFactory(name="惠州市旧名称有限公司")
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)
    subject.name = "惠州市新名称有限公司"
    subject.save()
    assert "惠州市新名称有限公司" in page_text(client.get(url))
    chrome = SiteChrome.objects.get()
    chrome.site_name = "信用缓存城"
    chrome.save()
    assert "信用缓存城" in page_text(client.get("/"))


def test_a_logged_in_member_of_staff_is_never_served_or_cached(client, subject):
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)  # kept for anonymous visitors
    client.force_login(UserFactory())
    for _ in range(2):
        response, count = queries_of(client, url)
        assert response.status_code == 200 and count > 0
        assert pagecache.HIT_HEADER not in response
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_answers_that_set_a_cookie_vary_by_cookie_or_fail_are_not_kept(client, subject):
    make_record(subject)
    request = RequestFactory().get("/")
    request._portal_page_cache = pagecache.Dependencies()
    request._portal_page_key = "page:test"

    def answer(**headers):
        response = HttpResponse("公示")
        response["Cache-Control"] = "public, max-age=60"
        for name, value in headers.items():
            response[name] = value
        return response

    assert pagecache.may_keep(request, answer())
    with_cookie = answer()
    with_cookie.set_cookie("csrftoken", "x")
    assert not pagecache.may_keep(request, with_cookie)
    assert not pagecache.may_keep(request, answer(Vary="Cookie"))
    assert not pagecache.may_keep(request, answer(**{"Cache-Control": "private"}))
    failed = answer()
    failed.status_code = 503
    assert not pagecache.may_keep(request, failed)
    # And through the site: a missing page is rendered again every time.
    client.get("/subjects/NOSUCHCODE/")
    response, count = queries_of(client, "/subjects/NOSUCHCODE/")
    assert response.status_code == 404 and count > 0


def test_hits_count_against_the_pages_rate_limit(client, subject, settings):
    settings.PORTAL_RATE_LIMITS = {"public_profile": (3, 60)}
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_browsing_search_pages_are_kept_and_dropped_on_any_record_change(
    client, subject, django_capture_on_commit_callbacks
):
    make_record(subject)
    url = f"/search/?department={subject.records.first().department.code}"
    client.get(url)
    assert queries_of(client, url)[1] == 0
    with django_capture_on_commit_callbacks(execute=True):
        change_record(make_record(OrganisationFactory()), reason="operator", comment="x")
    assert queries_of(client, url)[1] > 0


def test_free_text_searches_are_served_but_not_kept(client, subject):
    make_record(subject)
    url = "/search/?q=缓存测试"
    first = client.get(url)
    assert first.status_code == 200 and first["Cache-Control"]
    response, count = queries_of(client, url)
    assert count > 0 and pagecache.HIT_HEADER not in response


def test_an_evicted_tag_is_a_miss_never_a_match(client, subject):
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)
    caches[pagecache.CACHE_ALIAS].delete(f"tag:{pagecache.subject_tag(subject.code)}")
    assert queries_of(client, url)[1] > 0


@override_settings(PORTAL_PAGE_CACHE_SECONDS=0)
def test_with_the_cache_off_every_request_renders_and_headers_stay(client, subject):
    make_record(subject)
    url = f"/subjects/{subject.code}/"
    client.get(url)
    response, count = queries_of(client, url)
    assert count > 0 and pagecache.HIT_HEADER not in response
    assert "public" in response["Cache-Control"] and response["ETag"]
