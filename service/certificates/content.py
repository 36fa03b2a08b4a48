"""What a certificate says: one list of labelled fields, read by the PDF template, the OFD writer, the
ministry record and the public check alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from forms.codes import MACHINE_CATEGORIES

from ..accounts.models import Bureau
from ..extensions import db
from ..registrations.models import UseRegistration
from ..workers.models import Worker
from .models import ENDED_MARKS, Certificate

TITLE = "建筑起重机械使用登记证"


@dataclass(frozen=True)
class Facts:
    """The registration's data at issue, flattened."""

    number: str
    using_unit: str
    using_unit_uscc: str
    owner: str
    category: str
    model: str
    factory_number: str
    filing_number: str
    project: str
    project_address: str
    position: str
    registration_number: str
    bureau: str
    bureau_uscc: str
    issue_date: dt.date | None
    valid_until: dt.date | None
    license_code: str
    #: 已注销 / 已撤销 / 已失效 on an ended certificate, else empty
    ended_mark: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("使用单位", self.using_unit), ("统一社会信用代码", self.using_unit_uscc),
                ("产权单位", self.owner), ("设备类别", self.category), ("规格型号", self.model),
                ("出厂编号", self.factory_number), ("产权备案编号", self.filing_number),
                ("使用登记编号", self.registration_number), ("工程项目", self.project),
                ("工程地址", self.project_address), ("安装位置", self.position),
                ("发证日期", chinese_date(self.issue_date)), ("有效期至", chinese_date(self.valid_until))]


def chinese_date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def bureau_of(region_code: str) -> Bureau:
    return db.session.scalar(select(Bureau).where(Bureau.region_code == region_code))


def facts(cert: Certificate) -> Facts:
    registration = cert.registration
    notice = registration.installation_notice
    machine, project = notice.machine, notice.project
    unit = registration.account.organization
    owner = machine.account.organization
    bureau = bureau_of(cert.region_code)
    return Facts(
        number=cert.number or "", using_unit=unit.name if unit else "",
        using_unit_uscc=registration.using_unit_uscc or "",
        owner=owner.name if owner else "", category=MACHINE_CATEGORIES.get(machine.category, machine.category or ""),
        model=machine.model or "", factory_number=machine.factory_number or "",
        filing_number=machine.filing_number or "", project=project.name or "", project_address=project.address or "",
        position=f"东经 {registration.longitude}，北纬 {registration.latitude}",
        registration_number=registration.registration_number or "", bureau=bureau.name, bureau_uscc=bureau.uscc or "",
        issue_date=cert.issue_date, valid_until=cert.valid_until, license_code=cert.license_code or "",
        ended_mark=ENDED_MARKS.get(cert.state, ""))


def personnel(cert: Certificate) -> list[dict[str, str]]:
    return personnel_of(cert.registration)


def personnel_of(registration: UseRegistration) -> list[dict[str, str]]:
    """The registration's 重点人员 as the ministry wants them, with the certificate of each special worker."""
    workers = {w.id_number.upper(): w for w in db.session.scalars(
        select(Worker).where(Worker.id.in_(registration.worker_ids or [])))}
    people = []
    for row in registration.personnel or []:
        worker = workers.get((row.get("id_number") or "").upper())
        people.append({"dutyCode": row.get("code"), "name": row.get("name"), "idCard": row.get("id_number"),
                       "unitName": row.get("unit_name"), "unitCode": row.get("unit_uscc"),
                       "certNum": worker.certificate_number if worker else None,
                       "certValidUntil": worker.valid_until.isoformat() if worker and worker.valid_until else None})
    return people
