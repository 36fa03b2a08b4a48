"""The rules every record kind shares: who may file, when a record may change, what submit needs.

Pages, API and CLI all call these; they take the actor explicitly, flush, and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import url_for
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from forms import FORMS

from ..accounts.models import RoleKey, User
from ..attachments.models import Attachment
from ..attachments.staging import Staged, stage
from ..errors import Conflict, Forbidden, Invalid, NotFound, Problems, as_domain_error
from ..extensions import db
from ..process import operations as process
from ..process.models import History, HumanTask, ProcessInstance
from ..registry import registry
from ..types import utcnow
from .chains import Chain, chain_for
from .models import EDITABLE, FilingStatus
from .queries import return_reasons, visible

#: event emitted (chain, record) when a step returned, approved or terminated a filing, in the step's transaction
STATUS_CHANGED = "filing.status_changed"
_ANNOUNCED = (FilingStatus.RETURNED, FilingStatus.APPROVED, FilingStatus.TERMINATED)


def ref_of(kind: Chain, record: Any) -> process.RecordRef:
    return process.RecordRef(kind.key, record.id, record.region_code, record.account_id)


def require_filer(kind: Chain, actor: User) -> None:
    if actor.role != RoleKey.APPLICANT or actor.unit_type not in kind.filers:
        raise Forbidden(f"{kind.label}只能由" + "、".join(_FILER_LABELS[t] for t in kind.filers) + "账号填报")


_FILER_LABELS = {"owner": "产权单位", "construction": "施工单位"}


def get_record(kind: Chain, actor: User, record_id: int) -> Any:
    """The record if the actor may see it; another unit's record is simply not found."""
    record = db.session.scalar(visible(kind, actor).where(kind.model.id == record_id))
    if record is None:
        raise NotFound(f"{kind.label}记录不存在")
    return record


def is_editable_by(kind: Chain, actor: User, record: Any) -> bool:
    """The actor's own draft or returned record, or a decided one it may still correct."""
    return record.account_id == actor.id and (record.status in EDITABLE or bool(kind.correctable(record)))


def editable_record(kind: Chain, actor: User, record_id: int, *, lock: bool = False) -> Any:
    """The actor's own draft or returned record. ``lock`` takes its row for the change to come: two
    concurrent submits (a double click) must not both start a chain."""
    query = visible(kind, actor).where(kind.model.id == record_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    record = db.session.scalar(query)
    if record is None:
        raise NotFound(f"{kind.label}记录不存在")
    if record.account_id != actor.id:
        raise NotFound(f"{kind.label}记录不存在")
    if record.status not in EDITABLE and not kind.correctable(record):
        raise Conflict("只有待发起或退回修改的记录可以修改")
    return record


def checked_values(kind: Chain, actor: User, record: Any | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values, checked by the chain's rules — every problem of both in one answer: where some
    fields fail the form, the rules still look at the ones that passed."""
    problems = Problems()
    try:
        values = kind.form.load(data, partial=True)
    except SchemaError as exc:
        problems.keep(as_domain_error(exc))
        values = {k: v for k, v in (exc.valid_data or {}).items() if k not in (exc.messages or {})}
    with problems.collecting():
        kind.check_values(actor, record, values)
    problems.raise_any(Invalid.message)
    return values


def create_draft(kind: Chain, actor: User, data: Mapping[str, Any]) -> Any:
    """添加: a draft may be incomplete, but what it holds must already be valid."""
    require_filer(kind, actor)
    values = checked_values(kind, actor, None, data)
    derived = kind.derived_columns(actor, None, values)
    record = kind.model(**values, **derived, account_id=actor.id, status=FilingStatus.DRAFT)
    db.session.add(record)
    db.session.flush()
    return record


def update_draft(kind: Chain, actor: User, record_id: int, data: Mapping[str, Any]) -> Any:
    record = editable_record(kind, actor, record_id, lock=True)
    if record.status not in EDITABLE:  # a correction of a decided record: only what may change now
        allowed = kind.correctable(record)
        for name in data:
            if name not in allowed and any(f.name == name for f in kind.form.fields):
                raise Invalid.field(name, "按住建部反馈修改时只能修改：" + "、".join(kind.label_of(f) for f in allowed))
    values = checked_values(kind, actor, record, data)
    changes = {**values, **kind.derived_columns(actor, record, values)}
    if record.instance_id and changes.get("region_code", record.region_code) != record.region_code:
        raise Invalid.field("region_code", "已提交审批的记录不能更换审批地区；如需更换，请重新添加")
    for name, value in changes.items():
        setattr(record, name, value)
    if record.status not in EDITABLE:
        kind.check_submit(actor, record)  # a corrected record must stay complete
        kind.on_corrected(actor, record)
    db.session.flush()
    return record


def delete_draft(kind: Chain, actor: User, record_id: int) -> None:
    record = editable_record(kind, actor, record_id, lock=True)
    if record.status != FilingStatus.DRAFT:
        raise Conflict("已提交过审批的记录不能删除")
    db.session.execute(Attachment.__table__.delete().where(Attachment.record_kind == kind.key,
                                                           Attachment.record_id == record.id))
    db.session.delete(record)
    db.session.flush()


def attach_file(kind: Chain, actor: User, record_id: int, slot: str, filename: str,
                stream: BinaryIO) -> Attachment:
    editable_record(kind, actor, record_id)  # nothing is stored for a record the actor may not change
    return attach_staged(kind, actor, record_id, slot, stage(stream, filename))


def attach_staged(kind: Chain, actor: User, record_id: int, slot: str, staged: Staged) -> Attachment:
    """A file already in the store (see ``attachments.staging``) becomes the record's attachment in ``slot``."""
    record = editable_record(kind, actor, record_id, lock=True)
    if slot not in {s.slot for s in kind.form.attachments}:
        raise NotFound(f"附件栏位 {slot} 不存在")
    attachment = db.session.scalar(select(Attachment).where(
        Attachment.record_kind == kind.key, Attachment.record_id == record.id, Attachment.slot == slot))
    if attachment is None:
        attachment = Attachment(record_kind=kind.key, record_id=record.id, slot=slot)
        db.session.add(attachment)
    attachment.filename, attachment.mime = staged.filename, staged.mime
    attachment.size, attachment.sha256 = staged.size, staged.sha256
    attachment.uploaded_by_id, attachment.uploaded_at = actor.id, utcnow()
    db.session.flush()
    return attachment


def choices_of(kind: Chain, actor: User) -> dict[str, list[tuple[int, str]]]:
    """What the actor may pick for each reference field of the chain's form (pages and API alike)."""
    return {f.name: kind.choices(actor, f.name) for f in kind.form.fields if f.type in ("ref", "refs")}


def choice_details_of(kind: Chain, actor: User) -> dict[str, dict[int, dict[str, str]]]:
    return {f.name: details for f in kind.form.fields if f.type in ("ref", "refs")
            if (details := kind.choice_details(actor, f.name))}


def visible_attachment(actor: User, attachment_id: int) -> Attachment:
    """An attachment of a record the actor may see; any other is simply not found."""
    attachment = db.session.get(Attachment, attachment_id)
    kind = registry().chains.get(attachment.record_kind) if attachment else None
    if attachment is None or kind is None:
        raise NotFound("附件不存在")
    get_record(kind, actor, attachment.record_id)
    return attachment


def attachments_of(kind: Chain, record: Any) -> list[Attachment]:
    order = {s.slot: i for i, s in enumerate(kind.form.attachments)}
    rows = db.session.scalars(select(Attachment).where(Attachment.record_kind == kind.key,
                                                       Attachment.record_id == record.id)).all()
    return sorted(rows, key=lambda a: order.get(a.slot, 99))


def _check_complete(kind: Chain, record: Any) -> None:
    values = {f.name: getattr(record, f.name, None) for f in kind.form.fields}
    errors = kind.form.missing_required(values)
    present = {a.slot for a in attachments_of(kind, record)}
    for slot in kind.form.attachments:
        if slot.required and slot.slot not in present:
            errors[slot.slot] = [f"请上传{slot.label}"]
    if errors:
        raise Invalid("还有必填项或必传附件未完成，请补充后再发起审批", errors)


def submit(kind: Chain, actor: User, record_id: int, opinion: str | None = None) -> Any:
    """发起审批: start the chain for a draft, or hand a returned record back to the reviewers."""
    record = editable_record(kind, actor, record_id, lock=True)
    problems = Problems()  # what is missing and what is wrong, all in one answer
    with problems.collecting():
        _check_complete(kind, record)
    with problems.collecting():
        kind.check_values(actor, record, {f.name: getattr(record, f.name, None) for f in kind.form.fields})
    with problems.collecting():
        kind.check_submit(actor, record)
    problems.raise_any("还有必填项、必传附件或填写有误的内容，请补充修改后再发起审批")
    if record.status == FilingStatus.DRAFT:
        instance, result = process.start_instance(ref_of(kind, record), actor)
        record.instance_id = instance.id
        record.submitted_at = utcnow()
        apply_result(kind, record, result, actor)
    else:
        instance = process.lock_instance(record.instance_id)
        task = process.open_applicant_task(instance.id)
        record.submitted_at = utcnow()
        advance(kind, record, instance, process.CompleteTask(task, FORMS["resubmit"].load({"opinion": opinion})),
                actor)
    return record


def advance(kind: Chain, record: Any, instance: ProcessInstance, move: process.Move, actor: User | None) -> None:
    """A filing's instance moves (review, resubmission, timer): the one step, then the status follows."""
    apply_result(kind, record, process.step(instance, ref_of(kind, record), move, actor), actor)


def status_after(result: process.StepResult) -> FilingStatus:
    """A filing's status follows its instance: the declared outcome of its end, else who acts next."""
    if result.finished:
        return FilingStatus(result.outcome or FilingStatus.TERMINATED)
    if RoleKey.APPLICANT in result.waiting_lanes:
        return FilingStatus.RETURNED
    return FilingStatus.IN_REVIEW


def apply_result(kind: Chain, record: Any, result: process.StepResult, actor: User | None) -> None:
    status = status_after(result)
    changed = record.status != status
    record.status = status
    if status in (FilingStatus.APPROVED, FilingStatus.TERMINATED):
        record.decided_at = utcnow()
    if status == FilingStatus.APPROVED:
        kind.on_approved(actor, record)
    if changed and status in _ANNOUNCED:
        registry().emit(STATUS_CHANGED, kind, record, result.decision)


def fire_filing_timer(instance: ProcessInstance) -> None:
    """A filing's timer fired (e.g. a review left too long): the locked instance runs on."""
    kind = chain_for(instance.record_kind)
    advance(kind, db.session.get(kind.model, instance.record_id), instance, process.FireTimers(), None)


def complete_review(actor: User, task: HumanTask, instance: ProcessInstance, data: dict[str, Any]) -> None:
    """A review step of a filing, with the task's validated ``data``: the chain's task fields, then the step."""
    kind = chain_for(task.record_kind)
    record = db.session.get(kind.model, task.record_id)
    kind.on_review(actor, record, data)
    advance(kind, record, instance, process.CompleteTask(task, data), actor)


def progress_of(kind: Chain, record: Any) -> dict[str, Any]:
    instance = db.session.get(ProcessInstance, record.instance_id) if record.instance_id else None
    return process.progress(instance, kind.key)


@dataclass(frozen=True)
class Notice:
    """A box on top of a record's page (e.g. 住建部反馈 with the action to correct)."""

    title: str
    lines: tuple[str, ...]
    action_label: str = ""
    action_url: str = ""
    tone: str = "warning"


def record_notices(kind: Chain, viewer: User, record: Any) -> list[Notice]:
    """What the record's page says on top: why it was returned, and what packages built on the chain add."""
    notices = []
    if record.status == FilingStatus.RETURNED and (returned := return_reasons(kind, [record.id]).get(record.id)):
        mine = viewer.id == record.account_id
        notices.append(Notice("审批退回，请按审批意见修改后重新提交", (returned,), "按意见修改" if mine else "",
                              _edit_url(kind, record) if mine else ""))
    notices += [notice for offer in registry().record_notices.get(kind.key, ()) for notice in offer(viewer, record)]
    return notices


def _edit_url(kind: Chain, record: Any) -> str:
    return url_for("filings.edit", kind_path=kind.path, record_id=record.id)




def is_correction(kind: Chain, record: Any) -> bool:
    """A decided record the filer may still correct (e.g. after the ministry refused 制证)."""
    return record is not None and record.status not in EDITABLE and bool(kind.correctable(record))


def record_actions(kind: Chain, viewer: User, record: Any) -> list[tuple[str, str]]:
    """(label, url) of what packages built on this chain offer on the record's page (e.g. 打印证书)."""
    return [action for offer in registry().record_actions.get(kind.key, ()) for action in offer(viewer, record)]


def history_of(kind: Chain, record: Any) -> list[History]:
    return list(db.session.scalars(select(History).where(History.record_kind == kind.key,
                                                         History.record_id == record.id).order_by(History.id)))
