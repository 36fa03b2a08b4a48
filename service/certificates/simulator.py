"""A stand-in for the ministry (住建部 赋码), the only simulated party. It answers like the national
interface — asynchronously, after ``delay`` seconds — and refuses what the ministry refuses, in the words
of ``filings.national`` (which the platform checks first): missing or duplicated required personnel, bad
check digits, an expired special-worker certificate, an installation position or a driver or signaller
already on a machine in use, a machine without a valid property filing. An ID number is judged by its
format, birth date and check digit only (an ID keeps the county code it was issued with).

It keeps the national register: the certificates it issued, and — from ``--register FILE`` — people and
positions on machines in use elsewhere in China, the one thing no form here can foresee. Runs in-process
(``LocalGateway``) or as its own server: ``crane ministry-sim --port N [--register FILE]`` (``create_app``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, request
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from ..filings.national import EXCLUSIVE_DUTIES, MIN_DISTANCE_M, duty_problems, id_problem, reason, uscc_problem

CHINA = ZoneInfo("Asia/Shanghai")
PROVINCE = "650000"
#: GB/T 36904 root of national e-licence identifiers, and the definer (住建部) with the certificate type
LICENSE_ROOT = "1.2.156.3005.2"
DEFINER = "11100000000019001E"
LICENSE_TYPE = "035"
STATE_FOR_OPERATE = {"04": ("06",), "05": ("04", "05")}


def license_code(issuer_uscc: str, serial: int) -> str:
    """``1.2.156.3005.2.{definer+type}.{issuer}.{serial}.{version}.{check}``, check = ISO 7064 MOD 37,36."""
    body = f"{DEFINER}{LICENSE_TYPE}.{issuer_uscc}.{serial:08d}.001"
    return f"{LICENSE_ROOT}.{body}.{mod_37_36.calc_check_digit(body.replace('.', ''))}"


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat) * 6_371_000
    dy = math.radians(b[1] - a[1]) * 6_371_000
    return math.hypot(dx, dy)


@dataclass(frozen=True)
class NationalRegister:
    """People and installation positions on machines in use in other provinces (``--register FILE``):
    ``{"people": [{"id_number", "name", "province"}], "positions": [{"longitude", "latitude", "province"}]}``,
    positions in WGS-84 as the ministry compares them."""

    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: tuple[tuple[float, float, str], ...] = ()

    @classmethod
    def load(cls, path: Path) -> NationalRegister:
        data = json.loads(path.read_text("utf-8"))
        people = {str(p["id_number"]).upper(): p for p in data.get("people", [])}
        positions = tuple((float(p["longitude"]), float(p["latitude"]), p.get("province", "外省"))
                          for p in data.get("positions", []))
        return cls(people, positions)


class Simulator:
    def __init__(self, delay: float = 0.0, register: NationalRegister | None = None):
        self.delay = delay
        self.register = register or NationalRegister()
        self._lock = threading.Lock()
        self._requests: dict[str, dict[str, Any]] = {}
        self._valid: dict[str, dict[str, Any]] = {}  # eCertID → the record of a valid certificate
        self._serial = 0

    # -- the interface -----------------------------------------------------------------------------------
    def accept(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """``AcceptData``: malformed requests are refused at once; the rest are answered after the delay."""
        problems = [f"第{i + 1}条：缺少 requestId 或 eCertID" for i, r in enumerate(records)
                    if not r.get("requestId") or len(str(r.get("eCertID", ""))) != 32]
        if problems or not records:
            return _return(False, problems or ["AcceptData 为空"])
        with self._lock:
            for record in records:
                if record["requestId"] in self._requests:  # a resend: the same request, processed once
                    continue
                self._requests[record["requestId"]] = {
                    "due": time.monotonic() + self.delay, "answer": self._decide(record)}
        return _return(True, [])

    def query(self, request_id: str) -> dict[str, Any]:
        with self._lock:
            entry = self._requests.get(request_id)
        if entry is None:
            return {"ReturnCode": "1", "ReturnData": {"State": "unknown"}}
        if time.monotonic() < entry["due"]:
            return {"ReturnCode": "1", "ReturnData": {"State": "pending"}}
        return {"ReturnCode": "1", "ReturnData": {"State": "done", "Result": entry["answer"]}}

    # -- the ministry's rules -----------------------------------------------------------------------------
    def _decide(self, record: dict[str, Any]) -> dict[str, Any]:
        operate = record.get("operateType")
        errors = check_common(record)
        if operate in ("01", "08"):
            errors += check_business(record) + self._check_register(record)
            if errors:
                return _return(False, errors)
            self._serial += 1
            self._valid[record["eCertID"]] = record
            return _return(True, [], eLicenseCode=license_code(record["issuAuthCode"], self._serial))
        if operate in STATE_FOR_OPERATE:
            if record["eCertID"] not in self._valid:
                errors.append("证照不存在或已注销、失效")
            if record.get("certState") not in STATE_FOR_OPERATE[operate]:
                errors.append(f"操作类型 {operate} 与证照状态 {record.get('certState')} 不符")
            if errors:
                return _return(False, errors)
            self._valid.pop(record["eCertID"])
            return _return(True, [])
        return _return(False, errors or [f"未知的操作类型 {operate!r}"])

    def _check_register(self, record: dict[str, Any]) -> list[str]:
        """The national register: positions, drivers and signallers already on a machine in use — one this
        simulator certified, or one elsewhere in China (``--register``)."""
        errors = []
        here = _position(record)
        exclusive = {(p.get("idCard") or "").upper(): p for p in record.get("personnel") or []
                     if p.get("dutyCode") in EXCLUSIVE_DUTIES}
        for other_id, other in self._valid.items():
            if other_id == record["eCertID"]:
                continue
            there = _position(other)
            if here and there and _distance_m(here, there) < MIN_DISTANCE_M:
                errors.append(reason("position_in_use", other=f"证书 {other.get('certNum') or other_id}",
                                     distance=MIN_DISTANCE_M))
            for person in other.get("personnel") or []:
                if person.get("dutyCode") in EXCLUSIVE_DUTIES and (person.get("idCard") or "").upper() in exclusive:
                    errors.append(reason("person_in_use", duty=EXCLUSIVE_DUTIES[person["dutyCode"]],
                                         name=person.get("name")))
        for id_card, person in exclusive.items():
            if (known := self.register.people.get(id_card)) is not None:
                errors.append(reason("register_person", duty=EXCLUSIVE_DUTIES[person["dutyCode"]],
                                     name=person.get("name"), province=known.get("province", "外省")))
        for lon, lat, province in self.register.positions:
            if here and _distance_m(here, (lon, lat)) < MIN_DISTANCE_M:
                errors.append(reason("register_position", province=province))
        return errors


def check_common(record: dict[str, Any]) -> list[str]:
    errors = []
    if record.get("provinceNum") != PROVINCE:
        errors.append(f"provinceNum 应为 {PROVINCE}")
    for name in ("issuAuth", "issuDate"):
        if not record.get(name):
            errors.append(f"缺少 {name}")
    if not uscc.is_valid(record.get("issuAuthCode") or ""):
        errors.append("发证机关统一社会信用代码（issuAuthCode）校验位错误")
    return errors


def check_business(record: dict[str, Any]) -> list[str]:
    errors = []
    if problem := uscc_problem(record.get("useUnitCode") or ""):
        errors.append(reason("use_unit_uscc", detail=problem))
    if not record.get("recordNum") or record.get("recordState") != "01":
        errors.append(reason("no_property_filing"))
    if record.get("equipType") not in ("T", "S", "W"):
        errors.append("设备类别应为 T、S 或 W")
    if _position(record) is None:
        errors.append(reason("no_position"))
    personnel = record.get("personnel") or []
    errors += duty_problems([p.get("dutyCode") for p in personnel])
    today = dt.datetime.now(CHINA).date()
    for person in personnel:
        if problem := id_problem(person.get("idCard") or ""):
            errors.append(reason("id_number", name=person.get("name"), detail=problem))
        until = person.get("certValidUntil")
        if until and dt.date.fromisoformat(until) < today:
            errors.append(reason("expired_certificate", name=person.get("name"), until=until))
    return errors


def _position(record: dict[str, Any]) -> tuple[float, float] | None:
    try:
        return float(record["longitude"]), float(record["latitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _return(ok: bool, errors: list[str], **data: Any) -> dict[str, Any]:
    return {"ReturnCode": "1" if ok else "0",
            "ReturnData": {"ErrorData": [{"ErrorMsg": e} for e in errors], **data}}


def create_app(delay: float, app_key: str, app_secret: str, register: NationalRegister | None = None) -> Flask:
    """The simulator as an HTTP server with the national interface's paths and token check."""
    app = Flask("ministry-simulator")
    simulator = Simulator(delay, register)
    tokens: set[str] = set()

    def authorised() -> bool:
        return request.headers.get("token") in tokens

    def posted() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    @app.post("/token")
    def token():
        data = posted()
        if data.get("appKey") != app_key or data.get("appSecret") != app_secret:
            return jsonify(_return(False, ["appKey 或 appSecret 错误"]))
        value = secrets.token_hex(16)
        tokens.add(value)
        return jsonify({"ReturnCode": "1", "ReturnData": {"access_token": value, "expires_in": 7200}})

    @app.post("/AcceptData")
    def accept_data():
        if not authorised():
            return jsonify({"ReturnCode": "401", "ReturnData": {"ErrorData": [{"ErrorMsg": "令牌无效"}]}})
        records = posted().get("AcceptData")
        return jsonify(simulator.accept(records if isinstance(records, list) else []))

    @app.post("/QueryResult")
    def query_result():
        if not authorised():
            return jsonify({"ReturnCode": "401", "ReturnData": {"ErrorData": [{"ErrorMsg": "令牌无效"}]}})
        return jsonify(simulator.query(str(posted().get("requestId", ""))))

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app
