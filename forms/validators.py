"""Domain validators: each takes the raw value and returns the clean one or raises ``FieldInvalid``.

Messages are Chinese and say how to fix the input; where a check digit fails we name the position.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from stdnum.cn import ric, uscc

from .codes import REGIONS, XINJIANG_LATITUDE, XINJIANG_LONGITUDE


class FieldInvalid(ValueError):
    """A value failed a domain check; ``str(exc)`` is the message for the user."""


#: birth dates are judged by the calendar in Xinjiang's offices (Beijing time), as every business date is
BEIJING = ZoneInfo("Asia/Shanghai")
_WHITESPACE = re.compile(r"\s")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")


def plain_text(value: str) -> str:
    """No control characters, invisible characters or broken surrogates (they cannot be stored or printed)."""
    if _CONTROL.search(value):
        raise FieldInvalid("包含不可见的控制字符，请删除后重新填写（可能来自复制粘贴）")
    return value


def no_spaces(value: str) -> str:
    """Codes and numbers: any whitespace at all is an error, never silently removed."""
    if _WHITESPACE.search(value):
        raise FieldInvalid("不能包含空格，请删除空格后重新填写")
    return value


def name_text(value: str) -> str:
    """Names: surrounding spaces are trimmed; spaces inside are an error (the manual insists)."""
    value = value.strip()
    if _WHITESPACE.search(value):
        raise FieldInvalid("名称中不能包含空格，请删除空格后重新填写")
    return value


def _org_code_check(body: str) -> str:
    # GB 11714: digits count as themselves, letters A–Z as 10–35.
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_code(value: str) -> str:
    """统一社会信用代码 (GB 32100-2015): format, organisation-code check (position 17), check digit (18)."""
    no_spaces(value)
    value = value.upper()
    if len(value) != 18:
        raise FieldInvalid(f"统一社会信用代码应为18位，当前为{len(value)}位")
    for pos, char in enumerate(value, start=1):
        if char not in _USCC_ALPHABET or (pos <= 8 and not char.isdigit()):
            raise FieldInvalid(f"统一社会信用代码第{pos}位字符“{char}”无效")
    expected_org = _org_code_check(value[8:16])
    if value[16] != expected_org:
        raise FieldInvalid("统一社会信用代码第17位（组织机构代码校验位）有误，请核对第9–17位")
    expected = uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        raise FieldInvalid("统一社会信用代码第18位校验码有误，请核对后重新填写（建议从爱企查、企查查复制）")
    return value


def id_number(value: str) -> str:
    """身份证号 (GB 11643-1999): check digit, real birth date and province; lower-case x accepted."""
    no_spaces(value)
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise FieldInvalid("身份证号应为18位：17位数字加1位数字或X")
    if value[:2] not in {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
                         "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
                         "61", "62", "63", "64", "65", "71", "81", "82", "83", "91"}:
        raise FieldInvalid("身份证号前两位不是有效的省级行政区代码")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise FieldInvalid("身份证号第7–14位不是有效的出生日期") from None
    if not dt.date(1900, 1, 1) <= born <= dt.datetime.now(BEIJING).date():
        raise FieldInvalid("身份证号第7–14位的出生日期不在合理范围内")
    if value[17] != ric.calc_check_digit(value):  # python-stdnum takes the whole number, check digit included
        raise FieldInvalid("身份证号第18位校验码有误，请核对后重新填写")
    return value


def mobile(value: str) -> str:
    """Mobile phone: spaces, dashes and a +86/0086 prefix are tolerated, the rest must be 1[3-9]xxxxxxxxx."""
    cleaned = re.sub(r"[\s-]", "", value)
    cleaned = re.sub(r"^(\+86|0086)", "", cleaned)
    if not _MOBILE.match(cleaned):
        raise FieldInvalid("手机号格式不正确，应为11位手机号码，如13912345678")
    return cleaned


def region_code(value: str) -> str:
    if value not in REGIONS:
        raise FieldInvalid("请选择新疆维吾尔自治区内的地州市")
    return value


def _coordinate(value: str, bounds: tuple[float, float], what: str) -> str:
    no_spaces(value)
    try:
        number = float(value)
    except ValueError:
        raise FieldInvalid(f"{what}应为数字，例如 87.617733") from None
    if not bounds[0] <= number <= bounds[1]:
        raise FieldInvalid(f"{what}不在新疆范围内（{bounds[0]}–{bounds[1]}），请核对")
    return f"{number:.6f}"


def longitude(value: str) -> str:
    return _coordinate(value, XINJIANG_LONGITUDE, "经度")


def latitude(value: str) -> str:
    return _coordinate(value, XINJIANG_LATITUDE, "纬度")


VALIDATORS: dict[str, Callable[[str], str]] = {
    "no_spaces": no_spaces,
    "name": name_text,
    "uscc": uscc_code,
    "id_number": id_number,
    "mobile": mobile,
    "region_code": region_code,
    "longitude": longitude,
    "latitude": latitude,
}
