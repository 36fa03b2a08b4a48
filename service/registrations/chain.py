"""使用登记 as a chain."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..filings.chains import Chain
from ..installations.models import InstallationNotice
from ..machines.models import PropertyFiling
from ..workers.queries import worker_details
from . import operations
from .models import UseRegistration


class UseRegistrationChain(Chain):
    key, path, label, form_key = "use_registration", "use-registrations", "使用登记", "use_registration"
    model = UseRegistration
    filers = ("construction",)
    sla_days = 7  # the regulation's seven working days
    issued_fields = (("registration_number", "使用登记编号"),)
    list_columns = ("registration_number", "internal", "factory_number", "certificate_feedback")
    column_labels: ClassVar[dict[str, str]] = {"factory_number": "出厂编号", "internal": "是否对内",
                                               "certificate_feedback": "制证反馈"}
    prefix_search_columns = ("registration_number",)
    filled_fields: ClassVar[dict[str, str]] = {
        "project_id": "由所选设备的安装告知带出", "supervision_unit_uscc": "由所选设备的项目带出",
        "using_unit_uscc": "由所选设备的项目带出（本单位）"}

    check_values = staticmethod(operations.check_values)
    check_submit = staticmethod(operations.check_submit)
    draft_defaults = staticmethod(operations.draft_defaults)
    on_review = staticmethod(operations.on_review)
    review_defaults = staticmethod(operations.review_defaults)
    on_approved = staticmethod(operations.on_approved)
    derived_columns = staticmethod(operations.derived)
    choices = staticmethod(operations.choices)
    choice_details = staticmethod(worker_details)
    correctable = staticmethod(operations.correctable)
    on_corrected = staticmethod(operations.on_corrected)

    def display(self, record: UseRegistration) -> str:
        return f"{record.registration_number or '（未登记）'}（出厂编号 {record.factory_number}）"

    def list_loaders(self) -> list[Any]:
        return [selectinload(UseRegistration.installation_notice).selectinload(InstallationNotice.machine)
                .selectinload(PropertyFiling.account).selectinload(User.organization)]
