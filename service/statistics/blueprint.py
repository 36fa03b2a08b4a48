"""统计控制台 page and its JSON."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from forms.codes import REGIONS

from ..filings.models import STATUS_LABELS
from ..types import china_today
from ..web.api import actor
from ..web.api import bp as api
from ..web.docs import ANY_OBJECT, STRING, array, documented, obj
from .operations import chain_counts, last_months

bp = Blueprint("statistics", __name__)


def _region() -> str | None:
    region = request.args.get("region") or None
    return region if region in REGIONS else None


@bp.get("/console")
@login_required
def console():
    region = _region()
    return render_template("statistics/console.html", chains=chain_counts(current_user, region),
                           months=last_months(china_today()), statuses=STATUS_LABELS, regions=REGIONS,
                           region=region)


@api.get("/statistics")
@documented("统计控制台：各业务按状态、月份计数，待审批与已超期（管理员可加 region）", query={"region": STRING},
            errors=(403,), response=obj(("chains",), region_code={"anyOf": [STRING, {"type": "null"}]},
                                        chains=array(ANY_OBJECT)))
def statistics_json():
    return {"region_code": _region() or actor().region_code, "chains": [
        {"process_key": c.kind.key, "label": c.kind.label, "by_status": c.by_status, "by_month": c.by_month,
         "total": c.total, "open_reviews": c.open_reviews, "overdue": c.overdue}
        for c in chain_counts(actor(), _region())]}
