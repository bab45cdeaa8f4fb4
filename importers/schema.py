"""A catalog item's field schema compiled for imports: columns, header mapping, rules.

Everything here is read from the catalog's CatalogField rows, so an operator's
edit to the catalog changes validation and the template alike.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from portal.catalog.models import CatalogItem
from portal.core.text import normalise_text

# The column the row-error report adds; ignored when a report is uploaded again.
ERROR_COLUMN = "错误说明"
ERROR_COLUMN_ALIASES = frozenset({ERROR_COLUMN, "errors", "error"})
# The first cell of the templates' example row starts with this; such rows are skipped.
EXAMPLE_MARKER = "【示例】"


# Columns of codes and document numbers (USCC, identity numbers, decision and licence
# numbers): spreadsheets the portal writes keep them as text cells, so a long number is
# never turned into 4.41302E+17 or loses its last digits.
CODE_FIELD_TYPES = frozenset({"uscc", "id_number"})
CODE_KEY_ENDINGS = ("_no", "_uscc", "_code", "_number")


def is_code_field(key: str, field_type: str = "") -> bool:
    return field_type in CODE_FIELD_TYPES or key == "uscc" or key.endswith(CODE_KEY_ENDINGS)


@dataclass(frozen=True)
class ActionColumn:
    """A column every template carries beside the item's fields: what the row does."""

    key: str
    label: str
    label_en: str


# Optional; a row that leaves them blank adds or corrects its record, as before.
ACTION = ActionColumn("action", "操作类型", "Action")
WITHDRAWAL_BASIS = ActionColumn("withdrawal_basis", "撤销或移出依据", "Withdrawal basis")
WITHDRAWAL_DOCUMENT = ActionColumn(
    "withdrawal_document_no", "撤销或移出文书号", "Withdrawal document number"
)
# The day the revocation or removal was decided (optional): its reporting duty counts from it.
WITHDRAWAL_DATE = ActionColumn("withdrawal_date", "撤销或移出日期", "Withdrawal date")
ACTION_COLUMNS = (ACTION, WITHDRAWAL_BASIS, WITHDRAWAL_DOCUMENT, WITHDRAWAL_DATE)
# What a row asks for: "" adds or corrects (新增/更正); the others withdraw the record
# found by the row's key (portal.records.withdrawals: revocation, delisting).
UPSERT, REVOKE, DELIST = "", "revocation", "delisting"
ACTION_WORDS = {
    "": UPSERT,
    "新增/更正": UPSERT,
    "新增": UPSERT,
    "更正": UPSERT,
    "撤销": REVOKE,
    "移出": DELIST,
    "add/correct": UPSERT,
    "revoke": REVOKE,
    "remove": DELIST,
}
ACTION_CHOICES = ("新增/更正", "撤销", "移出")


class FileRejected(Exception):
    """A problem with the whole file (unreadable, wrong headers): nothing in it is loaded."""

    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}

    def message(self) -> str:
        from importers.messages import render

        return render(self.code, self.params)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    label_en: str
    type: str
    required: bool
    cond_field: str
    cond_op: str
    cond_value: str
    choices: tuple
    default: str
    max_length: int | None
    min_value: Decimal | None
    not_before: str
    not_in_future: bool
    is_public: bool
    help_text: str

    @property
    def conditionally_required(self) -> bool:
        return bool(self.cond_field and self.cond_op)

    @property
    def ref(self) -> dict:
        """How error parameters refer to this field (rendered in the UI language later)."""
        return {"key": self.key, "label": self.label, "label_en": self.label_en}


@dataclass
class ImportSchema:
    item_id: int
    code: str
    name: str
    version: int
    fields: list[FieldSpec]
    natural_key: list[str]
    title_field: str
    by_key: dict = field(init=False)

    def __post_init__(self):
        self.by_key = {spec.key: spec for spec in self.fields}

    @classmethod
    def from_item(cls, item: CatalogItem) -> "ImportSchema":
        fields = [
            FieldSpec(
                key=f.key,
                label=normalise_text(f.label),
                label_en=f.label_en,
                type=f.field_type,
                required=f.required,
                cond_field=f.required_if_field,
                cond_op=f.required_if_op,
                cond_value=normalise_text(f.required_if_value),
                choices=tuple(normalise_text(c) for c in f.choice_list),
                default=normalise_text(f.default),
                max_length=f.max_length,
                min_value=f.min_value,
                not_before=f.not_before_field,
                not_in_future=f.not_in_future,
                is_public=f.is_public,
                help_text=f.help_text,
            )
            for f in item.fields.all().order_by("sort_order", "id")
        ]
        return cls(
            item_id=item.pk,
            code=item.code,
            name=item.name,
            version=item.schema_version,
            fields=fields,
            natural_key=item.natural_key_fields,
            title_field=item.title_field,
        )

    @property
    def labels(self) -> list[str]:
        return [spec.label for spec in self.fields]

    def map_header(self, cells: list) -> "HeaderMap":
        """Match a header row (labels, keys or English labels) to the fields.

        Missing required columns, unknown columns and repeated columns reject the
        file; optional columns may be left out.
        """
        lookup = {}
        for spec in (*self.fields, *ACTION_COLUMNS):
            for name in (spec.label, spec.key, spec.label_en):
                if name:
                    lookup.setdefault(normalise_text(name).casefold(), spec)
        columns: dict[str, int] = {}
        actions: dict[str, int] = {}
        header_text: dict[str, str] = {}
        unknown, repeated = [], []
        error_column = None
        width = 0
        for index, cell in enumerate(cells):
            text = normalise_text(cell)
            if not text:
                continue
            width = index + 1
            folded = text.casefold()
            if folded in ERROR_COLUMN_ALIASES:
                error_column = index
                continue
            spec = lookup.get(folded)
            if spec is None:
                unknown.append(text)
            elif spec.key in columns or spec.key in actions:
                repeated.append(text)
            elif isinstance(spec, ActionColumn):
                actions[spec.key] = index
                header_text[spec.key] = str(cell).strip()
            else:
                columns[spec.key] = index
                # Messages name the column as the file wrote it.
                header_text[spec.key] = str(cell).strip()
        if not columns and not unknown:
            raise FileRejected("no_header")
        if repeated:
            raise FileRejected("duplicate_columns", {"columns": "、".join(repeated)})
        if unknown:
            raise FileRejected("unknown_columns", {"columns": "、".join(unknown)})
        missing = [
            spec.label
            for spec in self.fields
            if (spec.required or spec.conditionally_required) and spec.key not in columns
        ]
        if missing:
            raise FileRejected("missing_columns", {"columns": "、".join(missing)})
        return HeaderMap(columns, header_text, error_column, width, actions)


@dataclass
class HeaderMap:
    columns: dict  # field key -> column index
    header_text: dict  # field key (or action column key) -> the header as written in the file
    error_column: int | None
    width: int
    actions: dict = field(default_factory=dict)  # action column key -> column index
