"""重点人员 rows, shared by 安装告知, 使用登记 and 拆卸告知."""

from __future__ import annotations

from typing import Any

from forms.codes import PERSONNEL_CODES

from ..errors import Invalid, Problems


def seeded_rows(actor: Any, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    """A new notice's 重点人员 rows: one for each required code, in the filer's own unit (which the rules
    require), so nothing the platform knows is typed again."""
    unit = actor.organization
    return [{"code": code, "unit_name": unit.name if unit else "", "unit_uscc": unit.uscc if unit else "",
             "employed": True} for code in codes]


def check_personnel(rows: list[dict] | None, codes: tuple[str, ...], *, unit_uscc: str | None, unit_label: str,
                    complete: bool) -> None:
    """职务代码 from this notice's table; 离职原因 only for people who left; everyone from the right unit;
    with ``complete`` (on submit) every required code present. Every row's problem at once."""
    if rows is None:
        return
    problems = Problems()
    for number, row in enumerate(rows, start=1):
        where = f"第{number}行"
        if row["code"] not in codes:
            problems.add("personnel", f"{where} 职务代码 {row['code']} 不属于本业务，只能填写：" + "、".join(
                f"{c} {PERSONNEL_CODES[c]}" for c in codes))
        if row["employed"] and row.get("leave_reason"):
            problems.add("personnel", f"{where} 在职人员不填离职原因")
        if not row["employed"] and not row.get("leave_reason"):
            problems.add("personnel", f"{where} 不在职的人员须填写离职原因")
        if unit_uscc and row["unit_uscc"] != unit_uscc:
            problems.add("personnel", f"{where} 所在单位必须是当前项目{unit_label}！统一信用代码应为 {unit_uscc}")
    if complete and (missing := [c for c in codes if c not in {row["code"] for row in rows}]):
        problems.add("personnel", "缺少必填职务人员：" + "、".join(f"{c} {PERSONNEL_CODES[c]}" for c in missing))
    problems.raise_any()


def require_certified(rows: list[dict], workers: list, categories: dict[str, str]) -> None:
    """People named under a code (e.g. 1109 司机) must be among the picked special workers, holding the
    category that code needs for this machine (e.g. 05 for a tower crane)."""
    held = {(w.id_number, w.category) for w in workers}
    for row in rows:
        wanted = categories.get(row["code"])
        if wanted and (row["id_number"], wanted) not in held:
            raise Invalid.field("worker_ids",
                                f"{row['name']}（职务 {row['code']}）须是所选特种工人中工种代码为 {wanted} 的人员")
