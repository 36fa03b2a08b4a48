"""导出 of the account lists (企业账号, 工作人员): the columns the pages show, every account the search finds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forms.codes import REGIONS

from ..accounts.models import User
from ..types import china_today
from ..web.xlsx import Sheet
from . import operations

TITLES = {"enterprise": "企业账号", "staff": "工作人员"}
HEADERS = {"enterprise": ("用户名", "单位类型", "单位名称", "邮箱", "手机号", "状态", "注册时间"),
           "staff": ("用户名", "角色", "地区", "邮箱", "手机号", "状态", "注册时间")}


def _row(kind: str, user: User, role_names: dict[str, str]) -> list[Any]:
    if kind == "enterprise":
        middle = [user.nature, user.organization.name if user.organization else ""]
    else:
        middle = [role_names.get(user.role, user.role), REGIONS.get(user.region_code or "", "")]
    return [user.username, *middle, user.email or "", user.phone or "", "启用" if user.active else "停用",
            user.created_at]


def _rows(kind: str, q: str) -> Iterator[list[Any]]:
    role_names = {role.key: role.name for role, _users in operations.roles()}
    return (_row(kind, user, role_names) for user in operations.iter_users(kind, q))


def users_sheet(kind: str, q: str = "") -> Sheet:
    return Sheet(TITLES[kind], HEADERS[kind], _rows(kind, q))


def users_filename(kind: str) -> str:
    return f"{TITLES[kind]}-{china_today():%Y%m%d}.xlsx"
