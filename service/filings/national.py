"""What the ministry (住建部) refuses a use-registration certificate for, in its words: one catalogue for the
platform's own checks — which refuse the same data first, at entry or 发起审批 — and the ministry simulator.

Only what the national register knows (people and positions on machines in use in other provinces) is
left for the ministry alone (``REGISTER_ONLY``).
"""

from __future__ import annotations

from forms.validators import FieldInvalid, id_number, uscc_code

#: the people every use registration names exactly once
REQUIRED_DUTIES = {"1106": "项目负责人", "1107": "安全员", "1108": "信号司索工", "1109": "司机"}
#: people who may work on one machine in use at a time
EXCLUSIVE_DUTIES = {"1108": "信号司索工", "1109": "司机"}
#: two machines in use never stand closer than this (metres)
MIN_DISTANCE_M = 5.0

#: Every reason the ministry refuses a new certificate for, by key (the table-driven test walks them).
REASONS = {
    "use_unit_uscc": "使用单位统一社会信用代码有误：{detail}",
    "no_property_filing": "设备无有效的产权备案",
    "no_position": "缺少安装位置经纬度",
    "missing_duty": "缺少必填人员：{duty}（{code}）",
    "duplicate_duty": "必填人员重复：{duty}（{code}）",
    "id_number": "人员 {name} 的身份证号有误：{detail}",
    "expired_certificate": "人员 {name} 的特种作业操作资格证书已过期（{until}）",
    "person_in_use": "{duty} {name} 已在其他在用设备的使用登记证中登记",
    "position_in_use": "安装位置与在用设备（{other}）重复，两台设备相距不得小于{distance:g}米",
    "register_person": "{duty} {name} 已在{province}在用设备的使用登记证中登记",
    "register_position": "安装位置与{province}在用设备重复",
}
#: what only the national register knows: no form here could foresee it
REGISTER_ONLY = frozenset({"register_person", "register_position"})


def reason(key: str, **facts: object) -> str:
    return REASONS[key].format(**facts)


def id_problem(value: str) -> str | None:
    """An ID number is judged by its format, birth date and check digit — the same rule as the forms'."""
    try:
        id_number(value)
    except FieldInvalid as exc:
        return str(exc)
    return None


def uscc_problem(value: str) -> str | None:
    try:
        uscc_code(value)
    except FieldInvalid as exc:
        return str(exc)
    return None


def duty_problems(codes: list[str]) -> list[str]:
    """Each required duty named exactly once."""
    problems = []
    for code, duty in REQUIRED_DUTIES.items():
        count = codes.count(code)
        if count != 1:
            problems.append(reason("missing_duty" if count == 0 else "duplicate_duty", duty=duty, code=code))
    return problems
