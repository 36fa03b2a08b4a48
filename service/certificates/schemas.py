"""JSON shapes of certificates (api.md)."""

from __future__ import annotations

from typing import Any

from .content import facts
from .models import Certificate, CertificateStatus


def certificate_out(cert: Certificate | None, correctable: tuple[str, ...] = ()) -> dict[str, Any]:
    """``correctable``: what the using unit may still change (PATCH on the 使用登记) while 制证 is refused."""
    if cert is None:
        return {"status": "none", "number": None, "feedback": [], "state": None, "valid_until": None,
                "verify_code": None, "correctable": []}
    issued = cert.status == CertificateStatus.ISSUED
    return {"status": cert.status, "number": cert.number, "feedback": cert.feedback, "state": cert.state,
            "valid_until": cert.valid_until.isoformat() if issued and cert.valid_until else None,
            "issue_date": cert.issue_date.isoformat() if cert.issue_date else None,
            "license_code": cert.license_code, "end_reason": cert.end_reason,
            "verify_code": cert.verify_code if issued else None,
            "correctable": list(correctable) if cert.status == CertificateStatus.FAILED else []}


def verify_out(cert: Certificate) -> dict[str, Any]:
    f = facts(cert)
    return {"number": cert.number, "state": cert.state, "using_unit": f.using_unit, "category": f.category,
            "model": f.model, "factory_number": f.factory_number, "project": f.project, "bureau": f.bureau,
            "issue_date": cert.issue_date.isoformat() if cert.issue_date else None,
            "valid_until": cert.valid_until.isoformat() if cert.valid_until else None}
