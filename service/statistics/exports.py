"""导出 of the 统计控制台: each of its tables as a sheet, the same figures the page shows."""

from __future__ import annotations

from forms.codes import REGIONS

from ..accounts.models import User
from ..filings.chains import chains
from ..filings.models import STATUS_LABELS, FilingStatus
from ..types import china_today
from ..web.xlsx import Sheet
from .operations import (
    bureau_reviews,
    certificate_counts,
    chain_counts,
    decision_times,
    filings_by_region,
    last_months,
)

#: the statuses the console counts (a draft is nobody's business but its filer's)
COUNTED = [(key, label) for key, label in STATUS_LABELS.items() if key != FilingStatus.DRAFT]


def console_sheets(actor: User, region_code: str | None) -> list[Sheet]:
    months = last_months(china_today())
    counts = chain_counts(actor, region_code)
    certificates = certificate_counts(actor, region_code)
    sheets = [
        Sheet("按业务和状态", ["业务", *(label for _, label in COUNTED), "合计", "待审批任务", "已超期"],
              [[c.kind.label, *(c.by_status.get(key, 0) for key, _ in COUNTED), c.total, c.open_reviews, c.overdue]
               for c in counts]),
        Sheet("按月份", ["业务", *months], [[c.kind.label, *(c.by_month.get(m, 0) for m in months)] for c in counts]),
        Sheet("审批用时（工作日）", ["业务", "已决定件数", "中位数", "90%分位数"],
              [[t.kind.label, t.count, t.median, t.p90] for t in decision_times(actor, region_code)]),
        Sheet("各住建局待审批", ["地区", "待审批任务", "已超期"],
              [[b.name, b.open_reviews, b.overdue] for b in bureau_reviews(actor, region_code)]),
        Sheet("使用登记证", ["月份", "发证", "注销/撤销/失效"],
              [[m, certificates.issued.get(m, 0), certificates.ended.get(m, 0)] for m in months]),
    ]
    if by_region := filings_by_region(actor, region_code):
        kinds = chains()
        sheets.append(Sheet("各地区发起审批", ["地区", *(kinds[key].label for key in by_region), "合计"],
                            [[name, *(per.get(code, 0) for per in by_region.values()),
                              sum(per.get(code, 0) for per in by_region.values())]
                             for code, name in REGIONS.items()]))
    return sheets


def console_filename(region_code: str | None) -> str:
    return f"统计控制台-{REGIONS.get(region_code or '', '全部地区')}-{china_today():%Y%m%d}.xlsx"
