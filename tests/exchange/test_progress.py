"""The progress of a long batch, as the API and the workspace report it while it runs."""

import pytest
from django.urls import reverse

from exchange import processing, services
from exchange.models import Batch, BatchStatus
from importers.samples import penalty_csv_bytes
from tests.exchange.conftest import submit
from tests.factories import catalog_item

pytestmark = pytest.mark.django_db


def test_progress_moves_through_validation_and_loading(client, officer, market_token, monkeypatch):
    monkeypatch.setattr(processing, "CHUNK_ROWS", 250)
    content = penalty_csv_bytes(2000, item=catalog_item("ADM_PENALTY"), seed=3)
    batch = submit(content)
    api_url = f"/api/v1/exchange/batches/{batch.pk}/"
    web_url = reverse("exchange:batch_progress", args=[batch.pk])
    client.force_login(officer)
    seen = []

    def look(result):
        api = client.get(api_url, HTTP_AUTHORIZATION=f"Token {market_token}").json()
        web = client.get(web_url).json()
        assert api["progress"]["percent"] == web["percent"]
        seen.append((api["status"], api["progress"]["percent"], api["progress"]["rows"]))

    services.validate_batch(batch.pk, after_chunk=look)
    validating = [s for s in seen if s[0] == "validating"]
    assert len(validating) >= 8
    percents = [p for _, p, _ in validating]
    assert percents == sorted(percents) and percents[0] < 30 and percents[-1] >= 90
    assert [r for _, _, r in validating][:2] == [250, 500]
    assert client.get(web_url).json()["percent"] == 100

    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMMITTING)
    seen.clear()
    services.commit_batch(batch.pk, after_chunk=look)
    assert {s[0] for s in seen} == {"committing"}
    assert seen[-1][1] >= 90 and seen[0][1] < seen[-1][1]
    done = client.get(api_url, HTTP_AUTHORIZATION=f"Token {market_token}").json()
    assert (done["status"], done["progress"]["percent"], done["created"]) == (
        "committed",
        100,
        2000,
    )
