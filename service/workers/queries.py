"""Which special workers a filing may pick."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from forms.codes import WORKER_CATEGORIES

from ..accounts.models import User
from ..errors import Invalid
from ..extensions import db
from ..filings.models import FilingStatus
from ..types import china_today
from .models import Worker


def eligible_workers(actor: User) -> Select:
    """The unit's approved special workers whose certificate is still valid."""
    return select(Worker).where(Worker.account_id == actor.id, Worker.status == FilingStatus.APPROVED,
                                Worker.valid_until >= china_today())


def picked_workers(actor: User, worker_ids: Iterable[int]) -> list[Worker]:
    """The picked workers, each eligible, or a 422 that names the one that is not and why."""
    workers = []
    for worker_id in worker_ids:
        worker = db.session.scalar(eligible_workers(actor).where(Worker.id == worker_id))
        if worker is None:
            other = db.session.get(Worker, worker_id)
            own = other is not None and other.account_id == actor.id
            expired = own and other.valid_until is not None and other.valid_until < china_today()
            name = other.name if own else f"编号 {worker_id}"
            raise Invalid.field("worker_ids", f"特种工人 {name} 证书已过期，不能选用" if expired
                                else f"特种工人 {name} 不是本单位已通过审批的特种工人")
        workers.append(worker)
    return workers


def worker_choices(actor: User) -> list[tuple[int, str]]:
    """Each picker label names the 工种: the rules match it against 司机, 司索信号工 and 安装拆卸工."""
    rows = db.session.scalars(eligible_workers(actor).order_by(Worker.name)).all()
    return [(w.id, f"{w.name} · {w.category} {WORKER_CATEGORIES.get(w.category, '')} · 证书至 {w.valid_until:%Y-%m-%d}")
            for w in rows]


def worker_details(actor: User, field: str) -> dict[int, dict[str, str]]:
    """For the 特种工人 picker: who each worker is, so that ticking one fills the 重点人员 row that names them."""
    if field != "worker_ids":
        return {}
    return {w.id: {"name": w.name, "id_number": w.id_number, "category": w.category}
            for w in db.session.scalars(eligible_workers(actor))}
