"""The registry of record kinds. Each domain package registers one ``RecordKind`` at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forms import FORMS, FormDef


def _no_check(*_: Any) -> None:
    return None


@dataclass(frozen=True, eq=False)
class RecordKind:
    key: str                       # process key, also the record_kind stored with tasks and history
    path: str                      # URL segment: /api/v1/<path>, /<path>
    label: str                     # 单位管理
    model: type
    form_key: str
    filers: tuple[str, ...]        # unit types that may file this kind
    #: Cross-record rules run on draft save (values about to be stored) and again on submit.
    check_values: Callable[..., None] = _no_check
    check_submit: Callable[..., None] = _no_check
    on_approved: Callable[..., None] = _no_check
    #: Values a new draft's form starts with for this actor (e.g. the account's unit type).
    draft_defaults: Callable[..., dict[str, Any]] = lambda _actor: {}
    #: Called with (actor, record, data) when a review task of this kind is completed, before the
    #: instance moves on: checks and stores task fields (e.g. the 备案编号 filled in on approval).
    on_review: Callable[..., None] = _no_check
    #: Values a review form of this kind starts with (e.g. the proposed next 备案编号).
    review_defaults: Callable[..., dict[str, Any]] = lambda _record: {}
    #: Columns derived from the actor and the values whenever a draft is saved, not typed in by the filer
    #: (e.g. the region: the unit's for a worker, the project's for an installation notice).
    derived_columns: Callable[..., dict[str, Any]] = lambda _actor, _record, _values: {}
    #: Eligible records for a ref/refs field on the page: (actor, field name) → [(id, label)].
    choices: Callable[..., list[tuple[int, str]]] = lambda _actor, _field: []
    #: The same for a review form's ref fields: (actor, record, field name) → [(id, label)] (e.g. 监督员).
    review_choices: Callable[..., list[tuple[int, str]]] = lambda _actor, _record, _field: []
    #: How a record of this kind is named where another filing refers to it.
    display: Callable[..., str] = lambda record: f"#{record.id}"
    #: Which records of this kind a 监督员 sees (None: none at all).
    supervisor_filter: Callable[..., Any] | None = None
    #: Fields the filer may still correct on a decided record (e.g. after the ministry refused 制证),
    #: or () when none: (record) → field names.
    correctable: Callable[..., tuple[str, ...]] = lambda _record: ()
    list_columns: tuple[str, ...] = field(default=())
    #: columns set by the chain rather than the filer (e.g. 备案编号), as (name, label); shown and returned
    issued_fields: tuple[tuple[str, str], ...] = field(default=())
    #: what the list's search box matches: names anywhere in the text, codes (出厂编号 …) from their start
    search_columns: tuple[str, ...] = field(default=())
    prefix_search_columns: tuple[str, ...] = field(default=())
    column_labels: dict[str, str] = field(default_factory=dict)  # list columns that are model properties
    #: loader options for what those property columns read, so a list page is a few queries, not one per row
    list_loaders: Callable[[], list[Any]] = lambda: []

    @property
    def form(self) -> FormDef:
        return FORMS[self.form_key]

    def label_of(self, name: str) -> str:
        labels = {**dict(self.issued_fields), **self.column_labels}
        return labels[name] if name in labels else self.form.field(name).label

    @property
    def search_hint(self) -> str:
        labels = [self.label_of(c) for c in (*self.search_columns, *self.prefix_search_columns)]
        return "、".join(dict.fromkeys(["单位名称", *labels]))  # every list also finds the filing unit by name


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    KINDS[kind.key] = kind
    return kind


def kind_by_path(path: str) -> RecordKind:
    return next(k for k in KINDS.values() if k.path == path)
