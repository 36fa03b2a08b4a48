"""A stand-in for the ministry (住建部 赋码), the only simulated party. It answers like the national
interface — asynchronously, after ``delay`` seconds — and refuses what the ministry refuses: missing or
duplicated required personnel, bad check digits, an expired special-worker certificate, a duplicated
installation position, a machine without a valid property filing.

It keeps its own national register (valid certificates, their positions and operators), so it knows
what our platform cannot: that a position or an operator is already taken elsewhere. Runs in-process
(``LocalGateway``) or as its own server: ``crane ministry-sim --port N`` (``create_app``).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, request
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_37_36

CHINA = ZoneInfo("Asia/Shanghai")
PROVINCE = "650000"
REQUIRED_DUTIES = {"1106": "项目负责人", "1107": "安全员", "1108": "信号司索工", "1109": "司机"}
MIN_DISTANCE_M = 5.0
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


class Simulator:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
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
        """What only the national register knows: positions and operators already in use elsewhere."""
        errors = []
        here = _position(record)
        operators = {p.get("idCard") for p in record.get("personnel") or [] if p.get("dutyCode") == "1109"}
        for other_id, other in self._valid.items():
            if other_id == record["eCertID"]:
                continue
            there = _position(other)
            if here and there and _distance_m(here, there) < MIN_DISTANCE_M:
                errors.append(f"安装位置与在用设备（证书 {other.get('certNum') or other_id}）重复")
            for person in other.get("personnel") or []:
                if person.get("dutyCode") == "1109" and person.get("idCard") in operators:
                    errors.append(f"司机 {person.get('name')} 已在其他在用设备的使用登记证中登记")
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
    if not uscc.is_valid(record.get("useUnitCode") or ""):
        errors.append(f"使用单位统一社会信用代码 {record.get('useUnitCode')} 校验位错误")
    if not record.get("recordNum") or record.get("recordState") != "01":
        errors.append("设备无有效的产权备案")
    if record.get("equipType") not in ("T", "S", "W"):
        errors.append("设备类别应为 T、S 或 W")
    if _position(record) is None:
        errors.append("缺少安装位置经纬度")
    personnel = record.get("personnel") or []
    for code, duty in REQUIRED_DUTIES.items():
        count = sum(1 for p in personnel if p.get("dutyCode") == code)
        if count == 0:
            errors.append(f"缺少必填人员：{duty}（{code}）")
        elif count > 1:
            errors.append(f"必填人员重复：{duty}（{code}）")
    today = dt.datetime.now(CHINA).date()
    for person in personnel:
        if not ric.is_valid(person.get("idCard") or ""):
            errors.append(f"人员 {person.get('name')} 的身份证号校验位错误")
        until = person.get("certValidUntil")
        if until and dt.date.fromisoformat(until) < today:
            errors.append(f"人员 {person.get('name')} 的特种作业操作资格证书已过期（{until}）")
    return errors


def _position(record: dict[str, Any]) -> tuple[float, float] | None:
    try:
        return float(record["longitude"]), float(record["latitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _return(ok: bool, errors: list[str], **data: Any) -> dict[str, Any]:
    return {"ReturnCode": "1" if ok else "0",
            "ReturnData": {"ErrorData": [{"ErrorMsg": e} for e in errors], **data}}


def create_app(delay: float, app_key: str, app_secret: str) -> Flask:
    """The simulator as an HTTP server with the national interface's paths and token check."""
    app = Flask("ministry-simulator")
    simulator = Simulator(delay)
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
