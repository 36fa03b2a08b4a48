"""Rules several record kinds share."""

from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..errors import Invalid


def unit_region(actor: User, _record: Any = None, _values: Any = None) -> dict[str, Any]:
    """Records about the unit itself (workers, machines) go to the bureau of the account's approved unit."""
    if actor.organization is None:
        raise Invalid("请先在“设置中心 › 单位管理”添加本单位并通过审批，再办理此业务",
                      {"organization": ["账号尚无通过审批的单位"]})
    return {"region_code": actor.organization.region_code}
