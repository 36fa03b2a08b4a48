"""The chain plugin: what the shared filing machinery (pages, API, lists, SLA, menu) needs of a chain.

A chain is a subclass of :class:`Chain` in its own package, registered from the one tuple in
``create_app`` (``filings.init_app``). Its hooks are named methods with harmless defaults, so a chain
overrides only the rules it has — usually by naming the rule function of its own ``operations`` module
(``check_values = staticmethod(operations.check_values)``), where the rules live.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from sqlalchemy import ColumnElement

from forms import FORMS, FormDef

from ..config import BPMN_DIR
from ..registry import registry

#: how a chain's instance may end (its end events' ``outcome``)
FILING_OUTCOMES = frozenset({"approved", "terminated"})


class Chain:
    key: ClassVar[str]                     # process key, also the record_kind of its tasks and history
    path: ClassVar[str]                    # URL segment: /api/v1/<path>, /<path>
    label: ClassVar[str]                   # 单位管理
    model: ClassVar[type]
    form_key: ClassVar[str]
    filers: ClassVar[tuple[str, ...]]      # unit types that may file this chain
    #: 设置中心 (the unit's own data) or the machine's chain of filings, in the applicant's menu
    menu: ClassVar[Literal["settings", "chain"]] = "chain"
    #: 办理时限: working days for each review step, until the administrator changes it (企业规则)
    sla_days: ClassVar[int] = 5
    outcomes: ClassVar[frozenset[str]] = FILING_OUTCOMES
    #: the diagram deployed as version 1 when the key has none yet (default: ``bpmn_models/<key>.bpmn``)
    diagram: ClassVar[Path | None] = None
    list_columns: ClassVar[tuple[str, ...]] = ()
    #: columns set by the chain rather than the filer (e.g. 备案编号), as (name, label); shown and returned
    issued_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: what the list's search box matches: names anywhere in the text, codes (出厂编号 …) from their start
    search_columns: ClassVar[tuple[str, ...]] = ()
    prefix_search_columns: ClassVar[tuple[str, ...]] = ()
    #: labels of list columns that are model properties, not form fields
    column_labels: ClassVar[dict[str, str]] = {}
    #: form fields the platform fills from what was picked (``derived_columns``): shown, never typed on the page
    filled_fields: ClassVar[dict[str, str]] = {}

    # -- hooks -------------------------------------------------------------------------------------------
    def check_values(self, actor: Any, record: Any | None, values: Mapping[str, Any]) -> None:
        """Cross-record rules on the values about to be stored (draft save), and again on submit."""

    def check_submit(self, actor: Any, record: Any) -> None:
        """What a complete filing needs beyond its required fields (发起审批)."""

    def on_review(self, actor: Any, record: Any, data: Mapping[str, Any]) -> None:
        """A review step of this chain is being completed with ``data``: check and store its task fields."""

    def on_approved(self, actor: Any, record: Any) -> None:
        """The chain ended approved."""

    def draft_defaults(self, actor: Any) -> dict[str, Any]:
        """Values a new draft's form starts with for this actor."""
        return {}

    def review_defaults(self, record: Any) -> dict[str, Any]:
        """Values a review form starts with (e.g. the proposed next 备案编号)."""
        return {}

    def derived_columns(self, actor: Any, record: Any | None, values: Mapping[str, Any]) -> dict[str, Any]:
        """Columns derived whenever a draft is saved, not typed by the filer (e.g. the region)."""
        return {}

    def choices(self, actor: Any, field: str) -> list[tuple[int, str]]:
        """What the actor may pick for a ref/refs field of the filing form: [(id, label)]."""
        return []

    def choice_details(self, actor: Any, field: str) -> dict[int, dict[str, str]]:
        """What the page needs to know of each choice to fill in what follows from it (a worker's name and ID)."""
        return {}

    def review_choices(self, actor: Any, record: Any, field: str) -> list[tuple[int, str]]:
        """The same for a review form's ref fields (e.g. the region's 监督员)."""
        return []

    def display(self, record: Any) -> str:
        """How a record is named where another filing refers to it."""
        return f"#{record.id}"

    def show_issued(self, record: Any, name: str) -> str:
        """An issued field as people read it, or when it will be there."""
        return getattr(record, name, None) or "（审批通过后由住建局填写）"

    def supervisor_filter(self, actor: Any) -> ColumnElement[bool] | None:
        """Which records a 监督员 sees (None: none)."""
        return None

    def correctable(self, record: Any) -> tuple[str, ...]:
        """Fields the filer may still correct on a decided record (e.g. after the ministry refused 制证)."""
        return ()

    def on_corrected(self, actor: Any, record: Any) -> None:
        """The filer saved a correction of a decided record."""

    def list_loaders(self) -> list[Any]:
        """Loader options for what the list's property columns read: a list page is a few queries."""
        return []

    # -- derived -----------------------------------------------------------------------------------------
    @property
    def form(self) -> FormDef:
        return FORMS[self.form_key]

    @property
    def diagram_path(self) -> Path:
        return self.diagram or BPMN_DIR / f"{self.key}.bpmn"

    def label_of(self, name: str) -> str:
        labels = {**dict(self.issued_fields), **self.column_labels}
        return labels[name] if name in labels else self.form.field(name).label

    @property
    def search_hint(self) -> str:
        labels = [self.label_of(c) for c in (*self.search_columns, *self.prefix_search_columns)]
        return "、".join(dict.fromkeys(["单位名称", *labels]))  # every list also finds the filing unit by name


def chains() -> dict[str, Chain]:
    return registry().chains


def chain_for(key: str) -> Chain:
    return registry().chains[key]


def chain_at(path: str) -> Chain | None:
    """The chain served at URL segment ``path``."""
    return next((c for c in registry().chains.values() if c.path == path), None)
