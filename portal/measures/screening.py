"""Screening input rows against the credit database, set-based (docs/domain.md, Joint rewards and penalties).

One lookup of one subject and a list of ten thousand go through the same
steps, each a handful of queries however long the list is:

1. codes in bulk: USCCs and person codes by `Subject.code`, resident identity
   numbers by their keyed hash (`Subject.identity_hash`);
2. rows without an exact match: the matching keys (normalised name →
   subjects, former names included) of the organisations the stored name keys
   lead to (portal.subjects.stored_keys, one indexed lookup per batch of
   rows); candidates are the keys of the input's block (first two characters)
   scoring above a cutoff with rapidfuzz, and every key near it by the name
   keys search uses (portal.subjects.name_keys: a typo in the first
   characters, a homophone, a bracketed city); exact key hits score 100 —
   candidates only, never accepted automatically; natural persons are never
   matched by name;
3. current red/black list memberships of every matched or candidate subject
   in bulk (and the other adverse records of matched subjects): records that are in force
   (CreditRecord.objects.in_force(): active and inside their disclosure
   window, public or shared-only; repaired, expired, revoked records do not
   count, which is how repair lifts measures);
4. the measures that apply to those lists in the chosen scenario;
5. the records of matched subjects meeting the scenario's conditions beyond
   the lists (ScreeningCondition: e.g. serious penalties of the last three
   years in procurement), also only records in force.

Candidates are ranked by score and, on a tie, the literal same name first.
"""

import datetime as dt
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from portal.catalog.models import CatalogItem, ListType
from portal.core.codes import CodeError, validate_uscc
from portal.core.text import normalise_code
from portal.departments.models import Department
from portal.measures import names
from portal.measures.models import Match, Measure
from portal.measures.presentation import group_by_item
from portal.measures.reader import InputRow
from portal.records.models import CreditRecord
from portal.subjects import name_keys, stored_keys
from portal.subjects.identity import RESIDENT_ID, PersonIdentity, mask_identity
from portal.subjects.models import Subject, SubjectKind, SubjectName, SubjectNameKey

CANDIDATE_LIMIT = 5
SCORE_CUTOFF = 80.0
# An exact code match whose input name scores below this against the subject is flagged.
NAME_MISMATCH_BELOW = 80.0
QUERY_BATCH = 256  # query keys per cdist call: bounds the score matrix's memory
CHUNK = 900  # ids per IN (…) query: well inside SQLite's variable limit
_PERSON_CODE = re.compile(r"^P[0-9A-F]{17}$")


@dataclass(frozen=True)
class SubjectRef:
    id: int
    code: str
    name: str
    kind: str


@dataclass
class Candidate:
    subject: SubjectRef
    score: float
    explanation: str
    lists: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "subject": self.subject.code,
            "name": self.subject.name,
            "score": self.score,
            "explanation": self.explanation,
            # One entry per list item with its name and record count: a candidate on
            # one list by 35 judgments shows the list once, "35".
            "lists": group_by_item(self.lists, keep_entries=False),
        }


@dataclass
class RowResult:
    input: InputRow
    input_code_display: str
    match: str
    subject: SubjectRef | None = None
    candidates: list[Candidate] = field(default_factory=list)
    lists: list[dict] = field(default_factory=list)
    measures: list[dict] = field(default_factory=list)
    # In-force adverse records of items that are not lists (penalties, arrears, …).
    adverse: list[dict] = field(default_factory=list)
    # In-force records meeting the scenario's conditions beyond the lists.
    findings: list[dict] = field(default_factory=list)
    note: str = ""

    @property
    def input_snapshot(self) -> dict:
        """The input as it may be kept and shown: a person's number masked."""
        return {"row": self.input.row, "name": self.input.name, "code": self.input_code_display}

    def as_json(self) -> dict:
        """The `screen --json` contract: one object per input row."""
        return {
            "input": self.input_snapshot,
            "match": self.match,
            "subject": self.subject.code if self.subject else None,
            "candidates": [
                {"subject": c.subject.code, "name": c.subject.name, "score": c.score}
                for c in self.candidates
            ],
            "lists": self.lists,
            "measures": self.measures,
            "adverse": self.adverse,
            "findings": self.findings,
        }


@dataclass
class _Code:
    subject_code: str = ""  # a USCC or a person code, looked up by Subject.code
    identity_hash: str = ""
    display: str = ""
    error: str = ""
    is_person: bool = False


def classify_code(raw: str) -> _Code:
    """What an input code is: a USCC, a resident identity number, a person code, or invalid."""
    code = normalise_code(raw)
    if not code:
        return _Code()
    if _PERSON_CODE.match(code):
        return _Code(subject_code=code, display=code, is_person=True)
    try:
        return _Code(subject_code=validate_uscc(code), display=code)
    except CodeError as uscc_error:
        try:
            person = PersonIdentity.from_number(RESIDENT_ID, code)
        except CodeError as id_error:
            looks_like_id = code[:17].isdigit()
            error = id_error if looks_like_id else uscc_error
            return _Code(
                display=mask_identity(code) if looks_like_id else code,
                error=str(error),
                is_person=looks_like_id,
            )
    return _Code(identity_hash=person.identity_hash, display=person.identity_masked, is_person=True)


class NameIndex:
    """Matching keys of organisations (current and former names), looked up as needed.

    Candidates of a key: the keys of its block (first two characters) scoring
    at least SCORE_CUTOFF, and every key near it by the name keys search uses
    (portal.subjects.name_keys: same core, homophone, one character apart), so
    a typo in the first characters or a bracketed city still finds the name.
    Both come from the stored keys (SubjectNameKey: ``b:`` the block, ``n:``/
    ``p:``/``d:`` the near keys, each with the matching key it belongs to), one
    indexed lookup per batch of input keys; only the subjects of the best
    matching keys are loaded, and their names as stored decide. Organisations
    whose stored keys are stale (never written, or of another version) are
    keyed here, in memory: slower, never missed.
    """

    def __init__(self):
        # matching key -> [(id, code, current name, kind, name matched, is a former name)]
        self.entries: dict[str, list[tuple]] = {}
        self.block_keys: dict[str, set[str]] = defaultdict(set)
        self._holders: dict[str, set[int]] = defaultdict(set)  # matching key -> subject ids
        self._hits: dict[str, set[tuple[str, int]]] = {}  # stored key -> (matching key, id)
        self._stale: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self._scored: dict[str, list[tuple]] = {}
        self._explained: dict[tuple, str] = {}
        self._key_stale()

    def _key_stale(self) -> None:
        """Keys of the organisations whose stored keys are stale, computed here."""
        city = settings.PORTAL_CITY_NAME
        stale = stored_keys.stale_subjects().order_by()
        rows = list(stale.values_list("id", "name_normalised").iterator(chunk_size=10000))
        if not rows:
            return
        former = (
            SubjectName.objects.filter(subject__in=stale)
            .exclude(name_normalised=F("subject__name_normalised"))
            .order_by()
            .values_list("subject_id", "name_normalised")
        )
        for pk, normalised in itertools.chain(rows, former.iterator(chunk_size=10000)):
            matching, keys = name_keys.screening_keys(normalised, city)
            for key in keys:
                self._stale[key].add((matching, pk))

    def _lookup(self, keys: set[str]) -> dict[str, set[tuple[str, int]]]:
        """{stored key: (matching key, subject id) of every organisation name having it}."""
        todo = sorted(keys - self._hits.keys())
        for key in todo:
            self._hits[key] = set(self._stale.get(key, ()))
        for chunk in _chunks(todo):
            # Read from the (key, matching key, subject) index alone.
            for key, matching, pk in (
                SubjectNameKey.objects.filter(key__in=chunk)
                .order_by()
                .values_list("key", "matching_key", "subject_id")
            ):
                self._hits[key].add((matching, pk))
        return {key: self._hits[key] for key in keys}

    def _load_entries(self, choices: set[str]) -> None:
        """The subjects holding these matching keys, with the names that carry them."""
        choices = {c for c in choices if c not in self.entries}
        wanted = {pk for choice in choices for pk in self._holders[choice]}
        for choice in choices:
            self.entries[choice] = []
        city = settings.PORTAL_CITY_NAME
        refine = names.refine_key
        organisations = ~Q(kind=SubjectKind.NATURAL_PERSON)
        for chunk in _chunks(sorted(wanted)):
            named: list[tuple] = []
            current = {}
            # One query a chunk: each subject with (left join) its recorded names.
            for pk, code, name, kind, normalised, other, other_normalised in (
                Subject.objects.filter(organisations, pk__in=chunk)
                .order_by("pk", "names__pk")
                .values_list(
                    "id",
                    "code",
                    "name",
                    "kind",
                    "name_normalised",
                    "names__name",
                    "names__name_normalised",
                )
            ):
                if pk not in current:
                    current[pk] = (code, name, kind)
                    named.append((pk, normalised, name, False))
                # SubjectName holds the current name too: only names that differ are former.
                if other_normalised is not None and other_normalised != normalised:
                    named.append((pk, other_normalised, other, True))
            for pk, normalised, matched, former in named:
                choice = refine(normalised, city)
                # A key left over from a deleted name leads nowhere: names decide.
                if choice in choices and pk in self._holders[choice]:
                    code, name, kind = current[pk]
                    self.entries[choice].append((pk, code, name, kind, matched, former))

    def prepare(self, keys) -> None:
        """Score many keys at once: one lookup of the stored keys of their blocks and near
        keys; per block, one rapidfuzz cdist over the block's keys; then the near keys of
        every query, scored one by one; then the subjects of the best keys are loaded."""
        todo: dict[str, list[str]] = defaultdict(list)
        for key in set(keys):
            if key and key not in self._scored:
                todo[names.block_key(key)].append(key)
        if not todo:
            return
        wanted: dict[str, list[str]] = defaultdict(list)  # near key -> the queries asking
        for queries in todo.values():
            for query in queries:
                found = name_keys.query_keys(query)
                for key in (*found.normalised, *found.fuzzy):
                    if not key.startswith("e:"):
                        wanted[key].append(query)
        hits = self._lookup({f"b:{block}" for block in todo} | wanted.keys())
        holders = self._holders
        for block in todo:
            for choice, pk in hits[f"b:{block}"]:
                self.block_keys[block].add(choice)
                holders[choice].add(pk)
        near: dict[str, set[str]] = defaultdict(set)
        for key, asking in wanted.items():
            for choice, pk in hits[key]:
                holders[choice].add(pk)
                for query in asking:
                    near[query].add(choice)
        scored: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for block, queries in todo.items():
            # Sorted: the same candidates whatever order the database returned the keys in.
            choices = sorted(self.block_keys.get(block, ()))
            if not choices:
                continue
            for start in range(0, len(queries), QUERY_BATCH):
                part = queries[start : start + QUERY_BATCH]
                matrix = process.cdist(
                    part,
                    choices,
                    scorer=fuzz.ratio,
                    score_cutoff=SCORE_CUTOFF,
                    dtype=np.float32,
                    workers=1,
                )
                for query, scores in zip(part, matrix, strict=True):
                    hits_at = np.flatnonzero(scores)
                    if len(hits_at) > CANDIDATE_LIMIT:
                        order = np.argsort(-scores[hits_at], kind="stable")[:CANDIDATE_LIMIT]
                        hits_at = hits_at[order]
                    scored[query] = [(choices[i], round(float(scores[i]), 1)) for i in hits_at]
        for queries in todo.values():
            for query in queries:
                found = scored[query]
                seen = {choice for choice, _ in found}
                found += [(c, names.score(query, c)) for c in sorted(near[query] - seen)]
        self._load_entries({c for query in scored for c, _ in scored[query]})
        for queries in todo.values():
            for query in queries:
                self._scored[query] = self._best(scored[query])

    def _best(self, scored: list[tuple[str, float]]) -> list[tuple]:
        """One entry per subject, best first: [(entry, candidate key, score)]."""
        best: dict[int, tuple] = {}
        for choice, value in scored:
            for entry in self.entries[choice]:
                held = best.get(entry[0])
                # Keep the higher score; on a tie, the current name over a former one.
                if held is not None and (held[2] > value or (held[2] == value and entry[5])):
                    continue
                best[entry[0]] = (entry, choice, value)
        return sorted(best.values(), key=lambda b: (-b[2], b[0][1]))[:CANDIDATE_LIMIT]

    def candidates(self, query_name: str, key: str) -> list[Candidate]:
        if key not in self._scored:
            self.prepare([key])
        result = []
        for entry, choice, value in self._scored[key]:
            pk, code, current, kind, matched, former = entry
            memo = (query_name, matched, former)
            if memo not in self._explained:
                self._explained[memo] = names.explain(
                    query_name, key, matched, choice, value, former_name=former
                )
            result.append(
                Candidate(SubjectRef(pk, code, current, kind), value, self._explained[memo])
            )
        return result


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def list_items() -> dict[int, CatalogItem]:
    return {
        item.pk: item
        for item in CatalogItem.objects.filter(list_type__in=[ListType.RED, ListType.BLACK])
    }


def adverse_items() -> dict[int, CatalogItem]:
    """Adverse items that are not lists (penalties, arrears, …): shown beside the lists."""
    return {
        item.pk: item
        for item in CatalogItem.objects.filter(is_adverse=True, list_type=ListType.NONE)
    }


def memberships(subject_ids) -> dict[int, list[dict]]:
    """Current red/black list memberships with their source records, by subject id."""
    result = in_force_entries(subject_ids, list_items())
    for entries in result.values():
        # Black lists first (the sort is stable: latest decision first within each).
        entries.sort(key=lambda e: e["list_type"] != ListType.BLACK)
    return result


def adverse_records(subject_ids) -> dict[int, list[dict]]:
    """In-force adverse records of items that are not lists, by subject id."""
    return in_force_entries(subject_ids, adverse_items())


def in_force_entries(subject_ids, items: dict[int, CatalogItem]) -> dict[int, list[dict]]:
    """In-force records of ``items`` with their source details, latest first, by subject id.

    Queried by subject (the subject index), items filtered here: asking the
    database for the items too makes it walk every record of the item instead.
    """
    result: dict[int, list[dict]] = defaultdict(list)
    if not items:
        return result
    departments = dict(Department.objects.values_list("id", "name"))
    for chunk in _chunks(set(subject_ids)):
        rows = (
            # In force, not merely public: a shared-only item binds reviewers too.
            CreditRecord.objects.filter(subject_id__in=chunk)
            .in_force()
            .order_by()
            .values_list(
                "id",
                "subject_id",
                "catalog_item_id",
                "decision_no",
                "decision_date",
                "department_id",
                "public_state",
                "title",
            )
        )
        for pk, subject_id, item_id, number, decided, dept_id, state, title in rows:
            item = items.get(item_id)
            if item is None:
                continue
            result[subject_id].append(
                {
                    "list": item.code,
                    "name": item.name,
                    "list_type": item.list_type,
                    "record_id": pk,
                    "decision_no": number,
                    "decision_date": decided.isoformat(),
                    "department": departments.get(dept_id, ""),
                    "public_state": state,
                    "title": title,
                }
            )
    for entries in result.values():
        entries.sort(key=lambda e: (e["decision_date"], e["record_id"]), reverse=True)
    return result


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _meets_field(data: dict, key: str, expected: str) -> bool:
    value = data.get(key)
    if isinstance(value, list):
        return expected in (str(v) for v in value)
    return value is not None and str(value) == expected


def condition_findings(subject_ids, scenario, today: dt.date | None = None) -> dict[int, list]:
    """In-force records of these subjects meeting the scenario's active conditions, by
    subject id, latest first; each entry names its condition and its catalog item."""
    result: dict[int, list[dict]] = defaultdict(list)
    conditions = list(scenario.conditions.filter(is_active=True).order_by("sort_order", "pk"))
    subject_ids = set(subject_ids)
    if not conditions or not subject_ids:
        return result
    today = today or timezone.localdate()
    items = {item.pk: item for item in CatalogItem.objects.all()}
    rules = []  # (condition, item ids, earliest decision date)
    for condition in conditions:
        if condition.catalog_item_id:
            chosen = {condition.catalog_item_id} & items.keys()
        else:
            chosen = {pk for pk, item in items.items() if item.category == condition.category}
        if condition.adverse_only:
            chosen = {pk for pk in chosen if items[pk].is_adverse}
        since = _years_before(today, condition.years) if condition.years else None
        if chosen:
            rules.append((condition, chosen, since))
    wanted = set().union(*(chosen for _c, chosen, _s in rules)) if rules else set()
    if not wanted:
        return result
    departments = dict(Department.objects.values_list("id", "name"))
    fields = [
        "id",
        "subject_id",
        "catalog_item_id",
        "decision_no",
        "decision_date",
        "department_id",
        "public_state",
        "title",
        "severity",
    ]
    if any(condition.field_key for condition, _i, _s in rules):
        fields.append("data")  # only when a condition reads a field: data is the bulk
    for chunk in _chunks(subject_ids):
        # Filtered by subject only, as in in_force_entries: the subject index does the work.
        rows = (
            CreditRecord.objects.filter(subject_id__in=chunk)
            .in_force(today)
            .order_by()
            .values_list(*fields)
        )
        for (
            pk,
            subject_id,
            item_id,
            number,
            decided,
            dept_id,
            state,
            title,
            severity,
            *data,
        ) in rows:
            data = data[0] if data else {}
            if item_id not in wanted:
                continue
            for condition, chosen, since in rules:
                if item_id not in chosen or (since and decided < since):
                    continue
                if condition.severity and severity != condition.severity:
                    continue
                if condition.field_key and not _meets_field(
                    data, condition.field_key, condition.field_value
                ):
                    continue
                item = items[item_id]
                result[subject_id].append(
                    {
                        "condition": condition.code,
                        "condition_name": condition.name,
                        "list": item.code,
                        "name": item.name,
                        "list_type": item.list_type,
                        "record_id": pk,
                        "decision_no": number,
                        "decision_date": decided.isoformat(),
                        "department": departments.get(dept_id, ""),
                        "public_state": state,
                        "title": title,
                        "severity": severity,
                    }
                )
    for entries in result.values():
        entries.sort(key=lambda e: (e["decision_date"], e["record_id"]), reverse=True)
    return result


class MeasureBook:
    """The active measures of one scenario, looked up by the lists a subject is on."""

    def __init__(self, scenario):
        self.measures = list(Measure.objects.for_scenario(scenario).select_related("catalog_item"))
        self._by_list: dict[tuple[str, str], list[Measure]] = {}

    def _for(self, list_type: str, item_code: str) -> list[Measure]:
        key = (list_type, item_code)
        if key not in self._by_list:
            self._by_list[key] = [
                m
                for m in self.measures
                if m.list_type == list_type
                and (m.catalog_item is None or m.catalog_item.code == item_code)
            ]
        return self._by_list[key]

    def for_lists(self, lists: list[dict]) -> list[dict]:
        """The measures these memberships trigger; rewards are suspended while on a black list."""
        on_black = any(entry["list_type"] == ListType.BLACK for entry in lists)
        found: dict[str, dict] = {}
        order: dict[str, int] = {}
        for entry in lists:
            for measure in self._for(entry["list_type"], entry["list"]):
                if measure.code not in found:
                    order[measure.code] = (measure.list_type != ListType.BLACK, measure.sort_order)
                    found[measure.code] = {
                        "code": measure.code,
                        "name": measure.name,
                        "list_type": measure.list_type,
                        "legal_basis": measure.legal_basis,
                        "triggered_by": [],
                        "triggered_by_names": [],
                        "suspended": measure.list_type == ListType.RED and on_black,
                    }
                if entry["list"] not in found[measure.code]["triggered_by"]:
                    found[measure.code]["triggered_by"].append(entry["list"])
                    found[measure.code]["triggered_by_names"].append(entry["name"])
        return sorted(found.values(), key=lambda m: order[m["code"]])


def screen(rows: list[InputRow], scenario) -> list[RowResult]:
    """Match every row, collect list memberships and the scenario's measures. Read-only."""
    codes = [classify_code(row.code) for row in rows]
    results = [
        RowResult(input=row, input_code_display=c.display, match=Match.NONE)
        for row, c in zip(rows, codes, strict=True)
    ]

    # 1. Codes in bulk.
    by_code, by_hash, key_of = {}, {}, {}
    wanted_codes = {c.subject_code for c in codes if c.subject_code}
    wanted_hashes = {c.identity_hash for c in codes if c.identity_hash}
    fields = ("id", "code", "name", "kind", "name_normalised", "identity_hash")
    for chunk in _chunks(wanted_codes):
        for pk, code, name, kind, normalised, _h in (
            Subject.objects.filter(code__in=chunk).order_by().values_list(*fields)
        ):
            by_code[code] = SubjectRef(pk, code, name, kind)
            key_of[pk] = names.refine_key(normalised)
    for chunk in _chunks(wanted_hashes):
        for pk, code, name, kind, normalised, hashed in (
            Subject.objects.filter(identity_hash__in=chunk).order_by().values_list(*fields)
        ):
            by_hash[hashed] = SubjectRef(pk, code, name, kind)
            key_of[pk] = names.refine_key(normalised)

    # 2. Names of the rows still unmatched.
    name_rows = []
    for result, code in zip(results, codes, strict=True):
        subject = by_code.get(code.subject_code) or by_hash.get(code.identity_hash)
        if subject is not None:
            result.match = Match.EXACT
            result.subject = subject
            if result.input.name:
                key = names.match_key(result.input.name)
                value = names.score(key, key_of.get(subject.id, ""))
                if value < NAME_MISMATCH_BELOW:
                    result.note = _(
                        "输入名称与库中名称“%(name)s”不一致（相似度%(score)s），请核对"
                    ) % {"name": subject.name, "score": f"{value:g}"}
            continue
        if code.is_person or result.input.is_person:
            # People are never matched by name, however their number was damaged.
            if code.error:
                result.note = _(
                    "证件号码无效（%(error)s）；自然人只按身份证号码核查，不按姓名检索。"
                    "请核对号码；如在 Excel 中填写，请先把该列设为文本格式，否则长号码会被改坏"
                ) % {"error": code.error}
            elif code.is_person:
                result.note = _("未找到该证件号码对应的主体")
            else:
                result.note = _("自然人只按身份证号码核查，不按姓名检索：请填写身份证号码")
            continue
        if code.error:
            result.note = _("代码无效（%(error)s），已按名称检索") % {"error": code.error}
        elif code.is_person:
            result.note = _("未找到该证件号码对应的主体")
            continue  # people are never matched by name
        elif code.subject_code:
            result.note = _("统一社会信用代码未在库中找到，已按名称检索")
        if result.input.name:
            name_rows.append(result)
        elif not result.note:
            result.note = _("没有可检索的名称或代码")
    if name_rows:
        keys = {id(r): names.match_key(r.input.name) for r in name_rows}
        index = NameIndex()
        index.prepare(keys.values())
        for result in name_rows:
            key = keys[id(result)]
            found = list(index.candidates(result.input.name, key)) if key else []
            result.candidates = rank_candidates(result.input.name, found)
            if result.candidates:
                result.match = Match.CANDIDATES
            elif not result.note:
                result.note = _("未找到名称相近的主体")

    # 3. Memberships in bulk, 4. measures.
    ids = {r.subject.id for r in results if r.subject}
    ids |= {c.subject.id for r in results for c in r.candidates}
    member = memberships(ids)
    matched = {r.subject.id for r in results if r.subject}
    adverse = adverse_records(matched)
    findings = condition_findings(matched, scenario)
    book = MeasureBook(scenario)
    for result in results:
        if result.subject:
            result.lists = member.get(result.subject.id, [])
            result.measures = book.for_lists(result.lists)
            result.adverse = adverse.get(result.subject.id, [])
            result.findings = findings.get(result.subject.id, [])
        for candidate in result.candidates:
            candidate.lists = member.get(candidate.subject.id, [])
    return results


def rank_candidates(query_name: str, candidates: list[Candidate]) -> list[Candidate]:
    """Best score first; on a tie the literal same name first, then a same-width spelling,
    then the rest in the order found: the reviewer's own spelling is the likeliest subject."""
    return sorted(
        candidates, key=lambda c: (-c.score, names.literal_rank(query_name, c.subject.name))
    )


def screen_subject(subject: Subject, scenario) -> tuple[list[dict], list[dict], list[dict]]:
    """Lists, measures and adverse records of one known subject (after a reviewer confirms
    a candidate)."""
    lists = memberships([subject.pk]).get(subject.pk, [])
    adverse = adverse_records([subject.pk]).get(subject.pk, [])
    return lists, MeasureBook(scenario).for_lists(lists), adverse


def single_input(query: str) -> InputRow:
    """A reviewer's one-line query: a code when it reads as one, otherwise a name."""
    code = normalise_code(query)
    if re.fullmatch(r"[0-9A-Z]{18}", code):
        return InputRow(row=1, name="", code=code)
    return InputRow(row=1, name=" ".join(str(query).split()), code="")
