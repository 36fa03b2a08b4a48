"""Rules specific to 使用登记: the installed machine, the using unit's people, the installation position."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, String, cast, select, update

from ..accounts.models import User
from ..errors import Invalid, Problems
from ..extensions import db
from ..filings.geo import bd09_to_wgs84, distance_m
from ..filings.models import ACTIVE, FilingStatus
from ..filings.national import EXCLUSIVE_DUTIES, MIN_DISTANCE_M, duty_problems, reason
from ..filings.numbering import assign_on_approval, next_number, number_if_missing
from ..filings.personnel import check_personnel, require_certified, seeded_rows
from ..installations.models import InstallationNotice
from ..installations.operations import end_installation
from ..projects.models import Project
from ..registry import registry
from ..rules import operations as rules
from ..types import utcnow
from ..workers.queries import picked_workers, worker_choices
from .models import UseRegistration

REQUIRED_CODES = ("1106", "1107", "1108", "1109")
DRIVER_CATEGORY = {"T": "05", "S": "06", "W": "07"}
SIGNALLER_CATEGORY = "04"


def eligible_notices(actor: User, record: UseRegistration | None) -> Select:
    """Approved installation notices on projects this unit builds, whose machine has no registration in force."""
    uscc = actor.organization.uscc if actor.organization else None
    busy = select(UseRegistration.installation_notice_id).where(
        UseRegistration.status.in_(ACTIVE), UseRegistration.ended_at.is_(None),
        UseRegistration.id != (record.id if record else None))
    return (select(InstallationNotice).join(Project, Project.id == InstallationNotice.project_id)
            .where(InstallationNotice.status == FilingStatus.APPROVED, InstallationNotice.ended_at.is_(None),
                   Project.construction_unit_uscc == uscc,
                   InstallationNotice.id.not_in(busy.scalar_subquery())))


def check_values(actor: User, record: UseRegistration | None, values: Mapping[str, Any]) -> None:
    """Every problem of the values at once: the machine and project, the units, the people, the position."""
    def current(name: str) -> Any:
        return values.get(name, getattr(record, name) if record else None)

    problems = Problems()
    notice = None
    if (notice_id := current("installation_notice_id")) is not None:
        notice = db.session.scalar(eligible_notices(actor, record).where(InstallationNotice.id == notice_id))
        if notice is None:
            problems.add("installation_notice_id",
                         "请选择安装告知已通过、项目施工单位为本单位、且尚未办理使用登记的设备")
    project = db.session.get(Project, notice.project_id) if notice else None
    if project is not None:
        if current("project_id") not in (None, project.id):
            problems.add("project_id", f"项目须与安装告知的项目一致：{project.name}")
        for field, expected, what in (("using_unit_uscc", project.construction_unit_uscc, "使用单位（施工单位）"),
                                      ("supervision_unit_uscc", project.supervision_unit_uscc, "监理单位")):
            if current(field) and current(field) != expected:
                problems.add(field, f"{what}须与项目登记的一致：{expected}")
    workers = []
    with problems.collecting():
        workers = picked_workers(actor, current("worker_ids") or [])
    with problems.collecting():
        check_personnel(current("personnel"), REQUIRED_CODES,
                        unit_uscc=project.construction_unit_uscc if project else None, unit_label="使用单位",
                        complete=False)
    with problems.collecting():
        _check_people_in_use(record, current("personnel") or [])
    if notice is not None:
        with problems.collecting():
            require_certified(current("personnel") or [], workers,
                              {"1109": DRIVER_CATEGORY[notice.machine.category], "1108": SIGNALLER_CATEGORY})
    with problems.collecting():
        _check_position(record, current("longitude"), current("latitude"), project)
    problems.raise_any()


def _in_force(record: UseRegistration | None) -> Select:
    """Other registrations holding their machine, position and people: in review or approved, not ended."""
    return select(UseRegistration).where(UseRegistration.status.in_(ACTIVE), UseRegistration.ended_at.is_(None),
                                         UseRegistration.id != (record.id if record else None))


def _check_people_in_use(record: UseRegistration | None, rows: list[dict[str, Any]]) -> None:
    """A driver (1109) or signaller (1108) works on one machine in use at a time (the ministry refuses another)."""
    problems = []
    for number, row in enumerate(rows, start=1):
        if row["code"] not in EXCLUSIVE_DUTIES:
            continue
        id_card = row["id_number"].upper()
        # The JSON text is searched for the number, then each candidate's rows are read: the same on both backends.
        candidates = db.session.scalars(_in_force(record).where(
            cast(UseRegistration.personnel, String).like(f"%{id_card}%"))).all()
        if any(other_row["code"] in EXCLUSIVE_DUTIES and other_row["id_number"].upper() == id_card
               for other in candidates for other_row in other.personnel or []):
            problems.append(f"第{number}行 " + reason("person_in_use", duty=EXCLUSIVE_DUTIES[row["code"]],
                                                      name=row["name"]))
    if problems:
        raise Invalid(problems[0], {"personnel": problems})


def _check_position(record: UseRegistration | None, longitude: str | None, latitude: str | None,
                    project: Project | None) -> None:
    if not longitude or not latitude:
        return
    here = bd09_to_wgs84(float(longitude), float(latitude))
    # 企业规则, never below the ministry's minimum: two machines never stand closer
    minimum = max(float(rules.value("position_distance_m")), MIN_DISTANCE_M)
    if project is not None and distance_m(here, bd09_to_wgs84(float(project.longitude), float(project.latitude))) \
            < minimum:
        raise Invalid.field("longitude", "安装位置经纬度不能与项目经纬度相同，请在拾取器中拾取设备的实际安装位置")
    # A box in degrees that surely holds the circle: here a metre is ~1/111,000° of latitude, ~1/85,000° of longitude.
    window = max(0.001, minimum / 50_000)
    others = db.session.scalars(_in_force(record).where(
        UseRegistration.wgs_longitude.between(here[0] - window, here[0] + window),
        UseRegistration.wgs_latitude.between(here[1] - window, here[1] + window))).all()
    for other in others:
        if distance_m(here, (other.wgs_longitude, other.wgs_latitude)) < minimum:
            name = f"使用登记 {other.registration_number}" if other.registration_number else f"使用登记 #{other.id}"
            raise Invalid.field("longitude", reason("position_in_use", other=name, distance=minimum))


def draft_defaults(actor: User) -> dict[str, Any]:
    return {"personnel": seeded_rows(actor, REQUIRED_CODES)}


def check_submit(actor: User, record: UseRegistration) -> None:
    """Every required duty named exactly once, as the ministry requires."""
    if problems := duty_problems([row["code"] for row in record.personnel or []]):
        raise Invalid(problems[0], {"personnel": problems})


def derived(actor: User, record: UseRegistration | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """What follows from the picked machine (its project, the project's region and units) and the WGS-84
    copy of the position."""
    out: dict[str, Any] = {}
    project_id = values.get("project_id", record.project_id if record else None)
    if not project_id:  # the project follows from the picked installation notice
        notice_id = values.get("installation_notice_id", record.installation_notice_id if record else None)
        notice = db.session.get(InstallationNotice, notice_id) if notice_id else None
        if notice is not None:
            project_id = out["project_id"] = notice.project_id
    if project_id and (project := db.session.get(Project, project_id)):
        out["region_code"] = project.region_code
        # the units the project names: picked with the machine, never typed again
        for field, uscc in (("supervision_unit_uscc", project.supervision_unit_uscc),
                            ("using_unit_uscc", project.construction_unit_uscc)):
            if not values.get(field, getattr(record, field, None) if record else None):
                out[field] = uscc
    lon = values.get("longitude", record.longitude if record else None)
    lat = values.get("latitude", record.latitude if record else None)
    if lon and lat:
        out["wgs_longitude"], out["wgs_latitude"] = bd09_to_wgs84(float(lon), float(lat))
    return out


def on_review(actor: User, record: UseRegistration, data: Mapping[str, Any]) -> None:
    assign_on_approval(record, "registration_number", "使用登记编号", data)


def review_defaults(record: UseRegistration) -> dict[str, Any]:
    category = record.installation_notice.machine.category if record.installation_notice else ""
    return {"registration_number": next_number(UseRegistration.registration_number,
                                               rules.value("registration_number_pattern"),
                                               region=record.region_code or "", category=category)}


def on_approved(actor: User, record: UseRegistration) -> None:
    number_if_missing(record, "registration_number", review_defaults)


def choices(actor: User, field: str) -> list[tuple[int, str]]:
    if field == "installation_notice_id":
        notices = db.session.scalars(eligible_notices(actor, None).order_by(InstallationNotice.id)).all()
        return [(n.id, f"{n.machine.filing_number} {n.machine.model}（出厂编号 {n.machine.factory_number}，"
                       f"{n.project.name}）") for n in notices]
    if field == "project_id":
        notices = db.session.scalars(eligible_notices(actor, None)).all()
        return sorted({(n.project.id, n.project.name) for n in notices})
    if field == "worker_ids":
        return worker_choices(actor)
    return []


#: what the using unit may fix after the ministry refused 制证 (住建部反馈): its people and the position
CORRECTABLE = ("personnel", "worker_ids", "longitude", "latitude", "manager_name", "manager_id_number",
               "manager_phone")


def correctable(record: UseRegistration) -> tuple[str, ...]:
    return CORRECTABLE if record.correction_open and record.status == FilingStatus.APPROVED else ()


def open_correction(record: UseRegistration, is_open: bool) -> None:
    """The ministry refused 制证 (open, nothing corrected yet) or the data went to it again (closed)."""
    record.correction_open = is_open
    if is_open:
        record.corrected_at = None


def on_corrected(actor: User, record: UseRegistration) -> None:
    record.corrected_at = utcnow()


#: emitted with (registration, actor) when a registration stops being in force (its machine was dismantled)
ENDED = "use_registration.ended"


def end_use(record: UseRegistration, actor: User | None) -> None:
    """The machine is gone from the site: its registration and installation are no longer in force."""
    db.session.execute(update(UseRegistration).where(UseRegistration.id == record.id)
                       .values(ended_at=utcnow()).execution_options(synchronize_session=False))
    end_installation(record.installation_notice_id)
    registry().emit(ENDED, record, actor)
