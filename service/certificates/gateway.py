"""The ministry (住建部) behind one interface: the HTTP client for the national interface shape, or the
simulator in this process. Callers never know which one they talk to.

The exchange is asynchronous: ``submit`` hands a record over (``AcceptData``) and is acknowledged at
once; ``result`` asks for the answer, which the ministry gives only after it has processed the record.
Every record carries a ``requestId``: the ministry treats a resent request as the one it already has.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from flask import current_app


class GatewayError(Exception):
    """The ministry could not be reached or answered garbage: retry later, with back-off."""


@dataclass(frozen=True)
class Answer:
    """The ministry's verdict on one request. ``ok`` False comes with each reason in ``errors``."""

    ok: bool
    errors: list[str] = field(default_factory=list)
    license_code: str | None = None

    @classmethod
    def from_return(cls, data: dict[str, Any]) -> Answer:
        """Read the national shape: ``{"ReturnCode": "1"|"0", "ReturnData": {"ErrorData": [...]}}``."""
        body = data.get("ReturnData") or {}
        errors = [e.get("ErrorMsg", str(e)) if isinstance(e, dict) else str(e) for e in body.get("ErrorData") or []]
        return cls(ok=data.get("ReturnCode") == "1", errors=errors, license_code=body.get("eLicenseCode"))


class MinistryGateway(Protocol):
    def submit(self, request_id: str, record: dict[str, Any]) -> Answer:
        """Hand the record over. ``ok`` means accepted for processing (not yet coded)."""

    def result(self, request_id: str) -> Answer | None:
        """The answer to an accepted request, or None while the ministry is still working on it.
        Raises ``KeyError`` if the ministry does not know the request (it must be submitted again)."""


class HttpGateway:
    """The national interface: a token from ``/token``, then ``/AcceptData`` and ``/QueryResult``."""

    def __init__(self, base_url: str, app_key: str, app_secret: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.app_key, self.app_secret, self.timeout = app_key, app_secret, timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def submit(self, request_id: str, record: dict[str, Any]) -> Answer:
        return Answer.from_return(self._call("/AcceptData", {"AcceptData": [{**record, "requestId": request_id}]}))

    def result(self, request_id: str) -> Answer | None:
        data = self._call("/QueryResult", {"requestId": request_id})
        body = data.get("ReturnData") or {}
        if body.get("State") == "unknown":
            raise KeyError(request_id)
        if body.get("State") != "done":
            return None
        return Answer.from_return(body.get("Result") or {})

    def _call(self, path: str, payload: dict[str, Any], retry_token: bool = True) -> dict[str, Any]:
        data = self._post(path, payload, {"token": self._access_token()})
        if data.get("ReturnCode") == "401" and retry_token:  # token expired on their side
            self._token = None
            return self._call(path, payload, retry_token=False)
        return data

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None or self._token[1] < time.monotonic():
                data = self._post("/token", {"appKey": self.app_key, "appSecret": self.app_secret}, {})
                body = data.get("ReturnData") or {}
                if data.get("ReturnCode") != "1" or not body.get("access_token"):
                    raise GatewayError(f"获取住建部接口令牌失败：{data}")
                self._token = (body["access_token"], time.monotonic() + int(body.get("expires_in", 3600)) - 60)
            return self._token[0]

    def _post(self, path: str, payload: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 — the URL is the configured ministry endpoint
            self.base_url + path, data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8", **headers}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GatewayError(f"住建部接口不可用：{exc}") from exc


class LocalGateway:
    """The simulator in this process (the embedded default): the same answers, no network."""

    def __init__(self, simulator: Any):
        self.simulator = simulator

    def submit(self, request_id: str, record: dict[str, Any]) -> Answer:
        return Answer.from_return(self.simulator.accept([{**record, "requestId": request_id}]))

    def result(self, request_id: str) -> Answer | None:
        body = self.simulator.query(request_id)["ReturnData"]
        if body["State"] == "unknown":
            raise KeyError(request_id)
        return Answer.from_return(body["Result"]) if body["State"] == "done" else None


#: one gateway per configuration, kept for the process: it holds the access token (or the simulator's state)
_GATEWAYS: dict[tuple, MinistryGateway] = {}


def gateway() -> MinistryGateway:
    """The configured gateway: ``CRANE_MINISTRY_URL`` → HTTP; unset → the in-process simulator."""
    config = current_app.config
    url = config["MINISTRY_URL"]
    register = config["MINISTRY_REGISTER"]
    key = (url, config["MINISTRY_APP_KEY"]) if url else ("local", float(config["MINISTRY_DELAY_SECONDS"]),
                                                         register)
    if key not in _GATEWAYS:
        if url:
            _GATEWAYS[key] = HttpGateway(url, config["MINISTRY_APP_KEY"], config["MINISTRY_APP_SECRET"],
                                         timeout=config["MINISTRY_TIMEOUT_SECONDS"])
        else:
            from .simulator import NationalRegister, Simulator  # needed only when no ministry is configured

            national = NationalRegister.load(Path(register)) if register else None
            _GATEWAYS[key] = LocalGateway(Simulator(delay=key[1], register=national))
    return _GATEWAYS[key]


def forget_gateways() -> None:
    """For tests: a fresh simulator (an empty national register) and no cached token."""
    _GATEWAYS.clear()
