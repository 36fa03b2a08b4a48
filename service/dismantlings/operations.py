"""Rules specific to 拆卸告知: the machine in use, the dismantling unit's people, the 监督员."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from ..accounts.models import RoleKey, User
from ..errors import Invalid, Problems
from ..extensions import db
from ..filings.chains import chain_for
from ..filings.models import ACTIVE, FilingStatus
from ..filings.operations import ref_of
from ..filings.personnel import check_personnel, require_certified, seeded_rows
from ..installations.models import InstallationNotice
from ..process.operations import add_history
from ..registrations.models import UseRegistration
from ..registrations.operations import end_use
from ..registry import registry
from ..rules import operations as rules
from ..workers.queries import picked_workers, worker_choices
from .models import DismantlingNotice

KEY = "dismantling_notice"
#: event emitted (chain, record, supervisor) when the chief assigns the 监督员, in the review's transaction
SUPERVISOR_ASSIGNED = "dismantling.supervisor_assigned"
REQUIRED_CODES = ("1110", "1111", "1112", "1113")
INSTALLER_CATEGORY = {"T": "08", "S": "09", "W": "10"}


def eligible_registrations(actor: User, record: DismantlingNotice | None) -> Select:
    """Machines this unit installed that are registered for use, not yet dismantled nor being so."""
    busy = select(DismantlingNotice.use_registration_id).where(
        DismantlingNotice.status.in_(ACTIVE), DismantlingNotice.id != (record.id if record else None))
    return (select(UseRegistration)
            .join(InstallationNotice, InstallationNotice.id == UseRegistration.installation_notice_id)
            .where(UseRegistration.status == FilingStatus.APPROVED, UseRegistration.ended_at.is_(None),
                   InstallationNotice.account_id == actor.id, UseRegistration.id.not_in(busy.scalar_subquery())))


def check_values(actor: User, record: DismantlingNotice | None, values: Mapping[str, Any]) -> None:
    """Every problem of the values at once: the machine, the workers, the people, the date."""
    def current(name: str) -> Any:
        return values.get(name, getattr(record, name) if record else None)

    problems = Problems()
    registration = None
    if (registration_id := current("use_registration_id")) is not None:
        registration = db.session.scalar(eligible_registrations(actor, record)
                                         .where(UseRegistration.id == registration_id))
        if registration is None:
            problems.add("use_registration_id", "请选择本单位安装、已通过使用登记且尚未拆卸的设备")
    workers = []
    with problems.collecting():
        workers = picked_workers(actor, current("worker_ids") or [])
    notice = registration.installation_notice if registration else None
    with problems.collecting():
        check_personnel(current("personnel"), REQUIRED_CODES,
                        unit_uscc=notice.project.installation_unit_uscc if notice else None,
                        unit_label="安装（拆卸）单位", complete=False)
    if notice is not None:
        with problems.collecting():
            require_certified(current("personnel") or [], workers,
                              {"1113": INSTALLER_CATEGORY[notice.machine.category]})
    with problems.collecting():
        rules.working_calendar().require_notice(current("planned_date"), "拆卸")
    problems.raise_any()


def draft_defaults(actor: User) -> dict[str, Any]:
    return {"personnel": seeded_rows(actor, REQUIRED_CODES)}


def check_submit(actor: User, record: DismantlingNotice) -> None:
    check_personnel(record.personnel or [], REQUIRED_CODES, unit_uscc=None, unit_label="拆卸单位", complete=True)


def registration_region(actor: User, record: DismantlingNotice | None, values: Mapping[str, Any]) -> dict[str, Any]:
    registration_id = values.get("use_registration_id", record.use_registration_id if record else None)
    registration = db.session.get(UseRegistration, registration_id) if registration_id else None
    return {"region_code": registration.region_code} if registration else {}


def region_supervisors(region_code: str | None) -> Select:
    return select(User).where(User.role == RoleKey.SUPERVISOR, User.region_code == region_code,
                              User.active.is_(True))


def on_review(actor: User, record: DismantlingNotice, data: Mapping[str, Any]) -> None:
    """分配监督员: the chief's approval names one of the region's supervisors."""
    if data.get("decision") != "approve" or "supervisor_id" not in data:
        return
    supervisor = db.session.scalar(region_supervisors(record.region_code).where(User.id == data["supervisor_id"]))
    if supervisor is None:
        raise Invalid.field("supervisor_id", "请从本地区的监督员中选择")
    record.supervisor_id = supervisor.id
    kind = chain_for(KEY)
    add_history(record.instance_id, ref_of(kind, record), "分配监督员", actor, "assign",
                opinion=f"监督员：{supervisor.username}")
    registry().emit(SUPERVISOR_ASSIGNED, kind, record, supervisor)


def on_approved(actor: User, record: DismantlingNotice) -> None:
    """The machine is gone from the site: its use registration (and its certificate) end."""
    end_use(db.session.get(UseRegistration, record.use_registration_id), actor)


def review_choices(actor: User, record: DismantlingNotice, field: str) -> list[tuple[int, str]]:
    if field == "supervisor_id":
        return [(u.id, u.username) for u in db.session.scalars(region_supervisors(record.region_code))]
    return []


def choices(actor: User, field: str) -> list[tuple[int, str]]:
    if field == "use_registration_id":
        rows = db.session.scalars(eligible_registrations(actor, None).order_by(UseRegistration.id)).all()
        return [(r.id, f"{r.registration_number}（出厂编号 {r.factory_number}）") for r in rows]
    if field == "worker_ids":
        return worker_choices(actor)
    return []
