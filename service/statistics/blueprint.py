"""统计控制台 page (tables and charts), its JSON and its 导出."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from forms.codes import REGIONS

from ..accounts.models import User
from ..filings.chains import chains
from ..filings.models import STATUS_LABELS
from ..types import china_today
from ..web.api import actor
from ..web.api import bp as api
from ..web.docs import ANY_OBJECT, BINARY, STRING, array, documented, obj
from ..web.xlsx import XLSX_MIME, xlsx_response
from .exports import console_filename, console_sheets
from .operations import (
    ChainCounts,
    bureau_reviews,
    certificate_counts,
    chain_counts,
    decision_times,
    filings_by_region,
    last_months,
    region_of,
)

bp = Blueprint("statistics", __name__)


def _region() -> str | None:
    region = request.args.get("region") or None
    return region if region in REGIONS else None


def figures(user: User, region: str | None, counts: list[ChainCounts]) -> dict[str, Any]:
    """What the charts draw (static/charts.js): every series labelled in Chinese, months oldest first."""
    months = last_months(china_today())
    certificates = certificate_counts(user, region)
    by_region = filings_by_region(user, region)
    return {
        "months": months,
        "filings": [{"name": c.kind.label, "data": [c.by_month.get(m, 0) for m in months]} for c in counts],
        "decision_days": [{"name": t.kind.label, "count": t.count, "median": t.median, "p90": t.p90}
                          for t in decision_times(user, region)],
        "bureaus": [{"name": b.name, "open": b.open_reviews, "overdue": b.overdue}
                    for b in bureau_reviews(user, region)],
        "certificates": {"issued": [certificates.issued.get(m, 0) for m in months],
                         "ended": [certificates.ended.get(m, 0) for m in months]},
        "regions": {"names": list(REGIONS.values()),
                    "series": [{"name": chains()[key].label, "data": [per.get(code, 0) for code in REGIONS]}
                               for key, per in by_region.items()]} if by_region else None,
    }


@bp.get("/console")
@login_required
def console():
    region = _region()
    counts = chain_counts(current_user, region)
    return render_template("statistics/console.html", chains=counts, months=last_months(china_today()),
                           statuses=STATUS_LABELS, regions=REGIONS, region=region,
                           counted_region=region_of(current_user, region),
                           figures=figures(current_user, region, counts))


@bp.get("/console/export")
@login_required
def export():
    region = _region()
    return xlsx_response(console_filename(region_of(current_user, region)), console_sheets(current_user, region))


@api.get("/statistics")
@documented("统计控制台：各业务按状态、月份计数，待审批与已超期，图表数据（管理员可加 region）",
            query={"region": STRING}, errors=(403,),
            response=obj(("chains",), region_code={"anyOf": [STRING, {"type": "null"}]}, chains=array(ANY_OBJECT),
                         figures=ANY_OBJECT))
def statistics_json():
    counts = chain_counts(actor(), _region())
    return {"region_code": _region() or actor().region_code, "chains": [
        {"process_key": c.kind.key, "label": c.kind.label, "by_status": c.by_status, "by_month": c.by_month,
         "total": c.total, "open_reviews": c.open_reviews, "overdue": c.overdue}
        for c in counts], "figures": figures(actor(), _region(), counts)}


@api.get("/statistics/export")
@documented("统计控制台：导出各表（.xlsx；管理员可加 region）", query={"region": STRING}, response=BINARY,
            produces=XLSX_MIME, errors=(403,))
def statistics_export():
    region = _region()
    return xlsx_response(console_filename(region_of(actor(), region)), console_sheets(actor(), region))
