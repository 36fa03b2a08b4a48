"""Rules specific to 安装告知: what may be picked, who must be named, when it must be filed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, or_, select, update

from ..accounts.models import User
from ..errors import Invalid, Problems
from ..extensions import db
from ..filings.models import ACTIVE, FilingStatus
from ..filings.personnel import check_personnel, seeded_rows
from ..machines.models import PropertyFiling
from ..projects.models import Project
from ..rules import operations as rules
from ..types import utcnow
from ..workers.queries import picked_workers, worker_choices
from .models import InstallationNotice

REQUIRED_CODES = ("1103", "1104", "1105")


def eligible_machines(actor: User, record: InstallationNotice | None) -> Select:
    """The unit's approved machines without another installation notice in force."""
    busy = select(InstallationNotice.property_filing_id).where(
        InstallationNotice.status.in_(ACTIVE), InstallationNotice.ended_at.is_(None),
        InstallationNotice.id != (record.id if record else None))
    return select(PropertyFiling).where(PropertyFiling.account_id == actor.id,
                                        PropertyFiling.status == FilingStatus.APPROVED,
                                        PropertyFiling.id.not_in(busy.scalar_subquery()))


def eligible_projects(actor: User) -> Select:
    """Approved projects this unit filed or that name it as the installation unit."""
    uscc = actor.organization.uscc if actor.organization else None
    return select(Project).where(Project.status == FilingStatus.APPROVED,
                                 or_(Project.account_id == actor.id, Project.installation_unit_uscc == uscc))


def _pick(query: Select, model: type, record_id: int, field: str, message: str) -> Any:
    picked = db.session.scalar(query.where(model.id == record_id))
    if picked is None:
        raise Invalid.field(field, message)
    return picked


def check_values(actor: User, record: InstallationNotice | None, values: Mapping[str, Any]) -> None:
    """Every problem of the values at once: the machine, the project, the workers, the people, the date."""
    def current(name: str) -> Any:
        return values.get(name, getattr(record, name) if record else None)

    problems = Problems()
    if (machine_id := current("property_filing_id")) is not None:
        with problems.collecting():
            _pick(eligible_machines(actor, record), PropertyFiling, machine_id, "property_filing_id",
                  "请选择本单位已通过产权备案、且没有在用安装告知的设备")
    project = None
    if (project_id := current("project_id")) is not None:
        with problems.collecting():
            project = _pick(eligible_projects(actor), Project, project_id, "project_id",
                            "请选择已通过审批、且以本单位为安装单位的项目")
    with problems.collecting():
        picked_workers(actor, current("worker_ids") or [])
    with problems.collecting():
        check_personnel(current("personnel"), REQUIRED_CODES,
                        unit_uscc=project.installation_unit_uscc if project else None, unit_label="安装单位",
                        complete=False)
    with problems.collecting():
        rules.working_calendar().require_notice(current("planned_date"), "安装")
    problems.raise_any()


def draft_defaults(actor: User) -> dict[str, Any]:
    return {"personnel": seeded_rows(actor, REQUIRED_CODES)}


def check_submit(actor: User, record: InstallationNotice) -> None:
    check_personnel(record.personnel or [], REQUIRED_CODES, unit_uscc=None, unit_label="安装单位", complete=True)


def project_region(actor: User, record: InstallationNotice | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """A notice goes to the bureau of its project's region."""
    project_id = values.get("project_id", record.project_id if record else None)
    project = db.session.get(Project, project_id) if project_id else None
    return {"region_code": project.region_code} if project else {}


def choices(actor: User, field: str) -> list[tuple[int, str]]:
    if field == "property_filing_id":
        rows = db.session.scalars(eligible_machines(actor, None).order_by(PropertyFiling.id)).all()
        return [(m.id, f"{m.filing_number} {m.model}（出厂编号 {m.factory_number}）") for m in rows]
    if field == "project_id":
        return [(p.id, p.name) for p in db.session.scalars(eligible_projects(actor).order_by(Project.id))]
    if field == "worker_ids":
        return worker_choices(actor)
    return []


def end_installation(notice_id: int) -> None:
    """The machine was dismantled: the notice is no longer in force (its machine may be installed again)."""
    db.session.execute(update(InstallationNotice).where(InstallationNotice.id == notice_id)
                       .values(ended_at=utcnow()).execution_options(synchronize_session=False))
