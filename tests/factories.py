"""Valid identifiers and ready-made records for tests (the manual's samples fail their check digits)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random

from stdnum.cn import ric, uscc

_counter = itertools.count(1)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ORG_SLOTS = ("business_license", "qualification_certificate", "safety_license", "authorization_letter")


def make_uscc(seed: int | None = None) -> str:
    """A USCC with a valid organisation-code check (position 17) and check digit (position 18)."""
    rnd = random.Random(seed if seed is not None else next(_counter) * 7919)
    head = "91" + "650100"
    body = "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    first17 = head + body + check
    return first17 + uscc.calc_check_digit(first17)


def make_id_number(born: dt.date = dt.date(1985, 6, 15), county: str = "650102", seq: int | None = None) -> str:
    seq = seq if seq is not None else next(_counter) % 1000
    first17 = f"{county}{born:%Y%m%d}{seq:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum ignores the last character: a placeholder


def unique_name(prefix: str = "用户") -> str:
    return f"{prefix}{next(_counter)}"


def organization_data(**overrides: str) -> dict[str, str]:
    data = {"name": unique_name("新疆天山建设有限公司"), "uscc": make_uscc(), "org_type": "owner",
            "region_code": "650100", "address": "乌鲁木齐市天山区解放北路1号", "legal_representative": "张建国",
            "contact_name": "李明", "contact_phone": "13912345678"}
    data.update(overrides)
    return data


def pdf_file(name: str = "scan.pdf") -> tuple[io.BytesIO, str]:
    return io.BytesIO(PDF_BYTES), name


def worker_data(**overrides: object) -> dict[str, object]:
    today = dt.date.today()
    data: dict[str, object] = {
        "name": unique_name("杨俊"), "id_number": make_id_number(), "category": "05",
        "certificate_number": f"新A04{next(_counter):08d}", "issuing_authority": "新疆维吾尔自治区住房和城乡建设厅",
        "valid_from": (today - dt.timedelta(days=200)).isoformat(),
        "valid_until": (today + dt.timedelta(days=530)).isoformat(),
        "employer_name": "新疆天山建设有限公司", "employer_uscc": make_uscc(), "phone": "13999001122"}
    data.update(overrides)
    return data


def project_data(**overrides: str) -> dict[str, str]:
    data = {"name": unique_name("乌鲁木齐会展中心二期"), "address": "乌鲁木齐市新市区会展大道100号",
            "region_code": "650100", "developer_name": "乌鲁木齐城市建设投资集团",
            "construction_unit_uscc": make_uscc(), "supervision_unit_uscc": make_uscc(),
            "installation_unit_uscc": make_uscc(), "permit_number": f"650100202611{next(_counter):04d}",
            "longitude": "87.617733", "latitude": "43.792818", "manager_name": "王建华",
            "manager_phone": "13899887766"}
    data.update(overrides)
    return data


PARAMETERS = {"T": [{"code": "1001", "value": "56"}, {"code": "1002", "value": "6"},
                    {"code": "1003", "value": "40.5"}, {"code": "1004", "value": "1.3"}],
              "S": [{"code": "1005", "value": "2000"}, {"code": "1006", "value": "36"}],
              "W": [{"code": "1007", "value": "1000"}, {"code": "1008", "value": "25"}]}
PROPERTY_SLOTS = ("business_license", "manufacture_license", "conformity_certificate", "purchase_proof", "commitment")


def property_filing_data(category: str = "T", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": category, "model": "QTZ80(TC6010-6)", "manufacturer": "四川建设机械（集团）股份有限公司",
        "manufacture_license": "TS2451034-2026", "factory_number": f"QTZ{next(_counter):06d}",
        "manufacture_date": "2023-05-18", "certificate_of_conformity": f"HG{next(_counter):06d}",
        "contact_name": "李明", "contact_phone": "13912345678", "parameters": PARAMETERS[category]}
    data.update(overrides)
    return data
