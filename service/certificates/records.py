"""The record sent to the ministry, in the national interface's field names (rules.md)."""

from __future__ import annotations

from typing import Any

from ..filings.models import FilingStatus
from .content import facts, personnel
from .models import Certificate, CertificateState

PROVINCE = "650000"
NEW, EXPIRE, CANCEL = "01", "04", "05"
OPERATE_LABELS = {NEW: "新发", EXPIRE: "过期失效", CANCEL: "注销"}
#: certState: 01 有效, 04 撤销, 05 注销, 06 失效
CERT_STATES = {None: "01", CertificateState.VALID: "01", CertificateState.REVOKED: "04",
               CertificateState.COMPLETED: "05", CertificateState.EXPIRED: "06"}


def build_record(cert: Certificate, operate_type: str, issue_date: str) -> dict[str, Any]:
    """Built when sent, not when queued: a resubmission carries the data as the company has fixed it."""
    f = facts(cert)
    record: dict[str, Any] = {
        "eCertID": cert.ecert_id, "provinceNum": PROVINCE, "certNum": cert.number or "",
        "issuAuth": f.bureau, "issuAuthCode": f.bureau_uscc, "issuDate": issue_date, "effectiveDate": issue_date,
        "expiringDate": cert.valid_until.isoformat() if cert.valid_until else "",
        "certState": CERT_STATES[cert.state], "operateType": operate_type,
    }
    if operate_type == NEW:
        registration = cert.registration
        machine = registration.installation_notice.machine
        record.update({
            "useUnitName": f.using_unit, "useUnitCode": f.using_unit_uscc, "ownerName": f.owner,
            "equipType": machine.category, "equipModel": f.model, "factoryNum": f.factory_number,
            "recordNum": f.filing_number, "recordState": "01" if machine.status == FilingStatus.APPROVED else "02",
            "projectName": f.project, "projectAddress": f.project_address,
            "registrationNum": f.registration_number,
            # the WGS-84 copy: the national register compares positions across platforms
            "longitude": registration.wgs_longitude, "latitude": registration.wgs_latitude,
            "personnel": personnel(cert),
        })
    else:
        record["reason"] = cert.end_reason or ""
    return record
