"""The public search JSON API: shape, profile, 404, rate limit."""

import pytest

from tests.search.helpers import build_world, reindex


@pytest.fixture
def world(search_backend):
    w = build_world()
    reindex()
    return w


@pytest.mark.django_db
def test_search_api_returns_hits_facets_total(client, world):
    response = client.get("/api/v1/search", {"q": "华信", "kind": "enterprise", "page": 1})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"hits", "facets", "total", "page"}
    assert data["total"] == 3
    assert data["page"] == 1
    first = data["hits"][0]
    assert first["subject_name"] == "华信"
    assert first["highlight"] == "<mark>华信</mark>"
    assert {"value": "enterprise", "label": "企业", "count": 3} in data["facets"]["kind"]
    assert set(data["facets"]) == {"kind", "item", "department", "district", "year", "list"}


@pytest.mark.django_db
def test_search_api_filters_and_bad_input(client, world):
    data = client.get(
        "/api/v1/search", {"item": "ADM_PENALTY", "year": "x", "page": "-4", "per_page": "999"}
    ).json()
    assert data["page"] == 1 and data["per_page"] == 50
    assert {h["item_code"] for h in data["hits"]} == {"ADM_PENALTY"}
    assert client.post("/api/v1/search").status_code == 405


@pytest.mark.django_db
def test_code_goes_straight_to_subject(client, world):
    code = world["huaxin"].code
    data = client.get("/api/v1/search", {"q": f" {code.lower()} "}).json()
    assert data["exact_code"] == code
    assert [h["subject_code"] for h in data["hits"]] == [code]


@pytest.mark.django_db
def test_subject_profile(client, world):
    response = client.get(f"/api/v1/subjects/{world['huaxin'].code.lower()}")
    assert response.status_code == 200
    profile = response.json()
    assert profile["name"] == "惠州市华信科技有限公司"
    items = {g["item_code"]: g for g in profile["groups"]}
    assert set(items) == {"ADM_PENALTY", "ADM_LICENSE"}  # not the shared-only item
    penalty = items["ADM_PENALTY"]["records"][0]
    assert penalty["decision_no"] == "惠市监罚〔2025〕101号"
    assert {"key": "violation_type", "label": "违法行为类型", "value": "虚假宣传"} in penalty[
        "fields"
    ]


@pytest.mark.django_db
def test_person_profile_is_masked_and_hidden_people_404(client, world):
    person = client.get(f"/api/v1/subjects/{world['person'].code}").json()
    number = world["person_number"]
    assert person["public_code"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in str(person)
    assert person["legal_representative"] == ""
    assert client.get(f"/api/v1/subjects/{world['hidden_person'].code}").status_code == 404
    assert client.get(f"/api/v1/subjects/{world['minor'].code}").status_code == 404
    assert client.get("/api/v1/subjects/91441302MA00000000").status_code == 404


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after(client, world, settings):
    settings.PORTAL_RATE_LIMITS = {"search": (3, 60)}
    for _ in range(3):
        assert client.get("/api/v1/search", {"q": "华信"}).status_code == 200
    response = client.get("/api/v1/search", {"q": "华信"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"] == "rate_limited"
    # Another client is not affected.
    assert client.get("/api/v1/search", REMOTE_ADDR="10.0.0.9").status_code == 200


@pytest.mark.django_db
def test_suggest_api(client, world):
    data = client.get("/api/v1/suggest", {"q": "华信"}).json()
    assert [s["name"] for s in data["suggestions"]] == ["华信", "华信商行"]
