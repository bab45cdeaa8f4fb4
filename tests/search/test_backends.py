"""One behavioural suite, run against every backend (a tiny subclass per backend).

- embedded, FTS5 form (SQLite; skipped on other databases)
- embedded, token-table form (the form PostgreSQL uses; runs on SQLite too)
- Elasticsearch, against a real osmem-server over HTTP
"""

import pytest
from django.core.management import call_command

from portal.records.disclosure import RecordStatus
from portal.records.services import change_record
from search.indexing import index_subjects
from tests.search.helpers import build_world, keys, reindex, search


@pytest.mark.django_db
class SearchBehaviour:
    backend_kind = "fts"

    @pytest.fixture(autouse=True)
    def world(self, search_backend):
        self.backend = search_backend
        self.w = build_world()
        reindex()
        return self.w

    # -- what is found ------------------------------------------------------------
    def test_name_query_ranks_exact_then_prefix_then_contains(self):
        results = search(q="华信")
        w = self.w
        subjects = [h.subject_code for h in results.hits if h.type == "subject"]
        assert subjects[0] == w["exact"].code
        assert results.hits[0].score > results.hits[1].score
        assert subjects[1] == w["shop"].code  # starts with the query
        assert w["huaxin"].code in subjects
        assert w["person"].code not in subjects  # a person only by the full name
        assert w["renamed"].code in subjects  # found by its former name
        assert subjects.index(w["renamed"].code) > subjects.index(w["huaxin"].code)

    def test_former_name_is_found_and_shown(self):
        results = search(q="华信物流")
        assert [h.subject_code for h in results.hits] == [self.w["renamed"].code]
        assert "曾用名" in results.hits[0].highlight
        assert "<mark>华信物流</mark>" in results.hits[0].highlight

    def test_phrase_match_not_scattered_characters(self):
        assert search(q="信华").total == 0
        assert search(q="华信科技").total == 1
        assert search(q="惠州市华信科技有限公司").hits[0].score == 8.0

    def test_full_width_and_case_fold(self):
        assert keys(search(q="ＨＵＡ华信科技")) == []
        assert keys(search(q="华信　科技")) == keys(search(q="华信 科技"))
        assert search(q="华信 科技").total == 1

    def test_single_character_matches_names(self):
        results = search(q="鹏")
        assert [h.subject_code for h in results.hits] == [self.w["renamed"].code]

    def test_records_found_by_content_and_decision_number(self):
        results = search(q="虚假宣传")
        assert {h.record_id for h in results.hits} == {self.w["penalty"].pk}
        by_number = search(q="惠建许〔2024〕7号")
        assert by_number.hits[0].record_id == self.w["licence"].pk
        assert by_number.hits[0].score == 8.0

    def test_code_in_any_form_goes_straight_to_subject(self):
        code = self.w["huaxin"].code
        spaced = " ".join([code[:6].lower(), code[6:]])
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
        for form in (code, spaced, full_width):
            results = search(q=form)
            assert results.exact_code == code
            assert [h.subject_code for h in results.hits] == [code]

    # -- disclosure rules ---------------------------------------------------------
    def test_never_returns_what_the_public_may_not_see(self):
        everything = search(q="", per_page=50)
        record_ids = {h.record_id for h in everything.hits if h.type == "record"}
        w = self.w
        # Browsing lists the organisations' public records; a person's only by full name.
        assert record_ids == {w["penalty"].pk, w["licence"].pk, w["dishonest"].pk, w["honour"].pk}
        by_name = search(q="王华信", per_page=50)
        assert w["person"].code in {h.subject_code for h in by_name.hits}
        codes = {h.subject_code for h in everything.hits}
        assert w["person"].code not in codes
        assert w["hidden_person"].code not in codes  # a person with nothing published
        assert w["minor"].code not in codes
        assert everything.total == len(everything.hits) == 9
        assert search(q="李华信").total == 0
        assert search(q="赵华信").total == 0

    def test_identity_numbers_never_indexed_in_clear(self):
        number = self.w["person_number"]
        assert search(q=number).total == 0
        assert search(q=number[-6:]).total == 0
        person = search(q="王华信").hits[0]
        assert person.public_code == number[:4] + "*" * 10 + number[-4:]
        assert person.subject_code.startswith("P")
        indexed = self.backend.document_versions()
        assert f"s:{self.w['person'].pk}" in indexed
        for hit in search(q="", per_page=50).hits:
            assert number not in str(hit.as_json())

    def test_state_change_reaches_the_index_at_once(self, django_capture_on_commit_callbacks):
        penalty = self.w["penalty"]
        assert search(q="虚假宣传").total == 1
        with django_capture_on_commit_callbacks(execute=True):
            change_record(penalty, reason="objection", status=RecordStatus.REVOKED)
        assert search(q="虚假宣传").total == 0
        with django_capture_on_commit_callbacks(execute=True):
            change_record(penalty, reason="department", status=RecordStatus.ACTIVE)
        assert search(q="虚假宣传").total == 1
        with django_capture_on_commit_callbacks(execute=True):
            change_record(penalty, reason="objection", under_objection=True)
        hit = search(q="虚假宣传").hits[0]
        assert hit.under_objection is True

    def test_repair_of_a_persons_only_record_removes_the_person(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            change_record(self.w["person_penalty"], reason="repair", status=RecordStatus.REPAIRED)
        assert search(q="王华信").total == 0

    # -- facets, filters, paging, sorting -----------------------------------------
    def test_facets_count_with_other_filters(self):
        results = search(q="")
        facets = {name: {v: n for v, _, n in values} for name, values in results.facets.items()}
        assert facets["item"] == {
            "ADM_PENALTY": 1,  # the person's penalty is not browsed
            "ADM_LICENSE": 1,
            "COURT_DISHONEST": 1,
            "HONOUR": 1,
        }
        assert facets["list"] == {"black": 2, "red": 2}  # subjects and their records
        assert "natural_person" not in facets["kind"]  # browsing never lists a person
        labels = {v: label for v, label, _ in results.facets["item"]}
        assert labels["ADM_PENALTY"] == "行政处罚"

        filtered = search(q="", item="ADM_PENALTY")
        assert filtered.total == 1
        item_counts = {v: n for v, _, n in filtered.facets["item"]}
        assert item_counts["ADM_LICENSE"] == 1  # a facet ignores its own filter
        kind_counts = {v: n for v, _, n in filtered.facets["kind"]}
        assert kind_counts == {"enterprise": 1}

    def test_punctuation_is_literal_and_browsing_never_lists_a_person(self):
        for q in ["%", "_", "*", "%%", "_%_"]:
            assert search(q=q).total == 0, q
        everything = search(q="", per_page=50)
        assert everything.total > 0
        assert all(hit.kind != "natural_person" for hit in everything.hits)
        assert search(q="", kind="natural_person").total == 0  # nor through the facet
        # By full name a person is still found.
        assert search(q="王华信").total >= 1

    def test_filters(self):
        w = self.w
        assert {h.record_id for h in search(q="", list_type="black").hits} >= {w["dishonest"].pk}
        assert {h.subject_code for h in search(q="", list_type="black").hits} == {w["shop"].code}
        assert search(q="", department="ENV").total == 0  # only a person's record: not browsed
        year = w["licence"].decision_date.year
        assert w["licence"].pk in {h.record_id for h in search(q="", year=year).hits}
        district = search(q="华信", district="441303")
        assert {h.subject_code for h in district.hits} == {w["shop"].code}
        assert search(q="华信", kind="individual_business").total == 1
        assert search(q="华信", kind="nothing").total == 0

    def test_pagination_and_date_sort(self):
        first = search(q="", per_page=4)
        second = search(q="", per_page=4, page=2)
        assert first.total == second.total == 9
        assert first.pages == 3
        assert not {h.highlight for h in first.hits} & {h.highlight for h in second.hits}
        by_date = search(q="", sort="date", per_page=50)
        dates = [h.decision_date for h in by_date.hits]
        known = [d for d in dates if d is not None]
        assert known == sorted(known, reverse=True)
        assert dates[-1] is None or all(d is not None for d in dates)
        assert by_date.hits[0].decision_date == max(known)

    def test_highlight_is_safe_html(self):
        hit = search(q="粤安").hits[0]
        assert "<b>" not in hit.highlight
        assert "&lt;b&gt;<mark>粤安</mark>&lt;/b&gt;&amp;建材" in hit.highlight

    def test_suggestions_are_organisations_only(self):
        names = [s["name"] for s in self.backend.suggest("华信", 8)]
        assert names == ["华信", "华信商行"]
        assert self.backend.suggest("王华", 8) == []
        assert self.backend.suggest("惠州市华", 8)[0]["code"] == self.w["huaxin"].code

    # -- lifecycle ----------------------------------------------------------------
    def test_reindexing_is_idempotent(self):
        before = self.backend.document_versions()
        assert reindex() == 0 or self.backend.name == "elasticsearch"
        index_subjects([self.w["huaxin"].pk])
        assert self.backend.document_versions() == before

    def test_rebuild_switches_with_no_downtime(self):
        from tests.factories import OrganisationFactory

        old = self.backend.status().name
        late = OrganisationFactory.build(name="东江新材料有限公司")  # not saved: no signal
        target = self.backend.begin_rebuild()
        assert search(q="华信").total > 0  # the live index keeps answering
        late.save()
        self.backend.bulk_load(target, [])
        assert search(q="东江").total == 0
        call_command("search_index", "--rebuild", "--force", verbosity=0)
        assert self.backend.status().name != old
        assert search(q="东江").total == 1
        assert search(q="华信").total > 0

    def test_check_reports_drift_and_repair_fixes_it(self, capsys):
        call_command("search_index", "--check")
        assert "0 missing, 0 extra, 0 out of date" in capsys.readouterr().out
        self.backend.delete_documents([f"r:{self.w['penalty'].pk}"])
        self.w["exact"].set_name("华信集团")
        type(self.w["exact"]).objects.filter(pk=self.w["exact"].pk).update(
            name="华信集团", name_normalised="华信集团"
        )
        with pytest.raises(SystemExit) as exit_info:
            call_command("search_index", "--check")
        assert exit_info.value.code == 1
        # The renamed subject's document and its record's (which shows the name) are stale.
        assert "1 missing, 0 extra, 2 out of date" in capsys.readouterr().out
        call_command("search_index", "--check", "--repair")
        call_command("search_index", "--check")
        assert search(q="华信集团").total == 1


class TestEmbeddedFts(SearchBehaviour):
    backend_kind = "fts"


class TestEmbeddedTokenTable(SearchBehaviour):
    backend_kind = "ngram"


@pytest.mark.elasticsearch
class TestElasticsearch(SearchBehaviour):
    backend_kind = "elasticsearch"


@pytest.mark.django_db
def test_signatures_past_the_bit_limit_are_counted_from_rows(search_backend, monkeypatch):
    """Facet signatures beyond what fits in the row id's low bits stay correct."""
    from search.backends import embedded

    build_world()
    reindex()
    queries = [{"q": "华信"}, {"q": "华信", "kind": "enterprise"}, {"q": "虚假宣传"}, {"q": ""}]
    before = [search(**params) for params in queries]
    monkeypatch.setattr(embedded, "SIG_MASK", 2)  # only signatures 1 and 2 fit now
    search_backend.drop_all()
    reindex()
    for params, expected in zip(queries, before, strict=True):
        results = search(**params)
        assert results.total == expected.total
        assert results.facets == expected.facets
        assert keys(results) == keys(expected)


@pytest.mark.django_db
def test_browsing_finds_the_same_page_by_signature_or_by_walking_the_order(
    search_backend, monkeypatch
):
    """A narrow filter reads its documents by signature, a broad one walks the order
    index until a page passes: the same documents in the same order either way."""
    from search.backends import embedded

    build_world()
    reindex()
    queries = [{"q": "", "kind": "enterprise"}, {"q": "", "list_type": "black"}]
    queries += [{"q": "", "item": "ADM_PENALTY"}, {"q": "", "sort": "date", "kind": "enterprise"}]
    by_signature = [search(**params) for params in queries]
    assert all(results.total for results in by_signature)
    monkeypatch.setattr(embedded, "BROWSE_SEEK_AT_MOST", 0)  # every filter counts as broad
    for params, expected in zip(queries, by_signature, strict=True):
        walked = search(**params)
        assert keys(walked) == keys(expected) and walked.total == expected.total
