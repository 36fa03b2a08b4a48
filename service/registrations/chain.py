"""使用登记 as a chain."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..filings.chains import Chain
from ..installations.models import InstallationNotice
from ..machines.models import PropertyFiling
from . import operations
from .models import UseRegistration


class UseRegistrationChain(Chain):
    key, path, label, form_key = "use_registration", "use-registrations", "使用登记", "use_registration"
    model = UseRegistration
    filers = ("construction",)
    sla_days = 7  # the regulation's seven working days
    issued_fields = (("registration_number", "使用登记编号"),)
    list_columns = ("registration_number", "internal", "factory_number")
    column_labels: ClassVar[dict[str, str]] = {"factory_number": "出厂编号", "internal": "是否对内"}
    prefix_search_columns = ("registration_number",)

    def check_values(self, actor: Any, record: Any, values: Any) -> None:
        operations.check_values(actor, record, values)

    def check_submit(self, actor: Any, record: Any) -> None:
        operations.check_submit(actor, record)

    def on_review(self, actor: Any, record: Any, data: Any) -> None:
        operations.on_review(actor, record, data)

    def review_defaults(self, record: Any) -> dict[str, Any]:
        return operations.review_defaults(record)

    def on_approved(self, actor: Any, record: Any) -> None:
        operations.on_approved(actor, record)

    def derived_columns(self, actor: Any, record: Any, values: Any) -> dict[str, Any]:
        return operations.derived(actor, record, values)

    def choices(self, actor: Any, field: str) -> list[tuple[int, str]]:
        return operations.choices(actor, field)

    def correctable(self, record: Any) -> tuple[str, ...]:
        return operations.correctable(record)

    def display(self, record: UseRegistration) -> str:
        return f"{record.registration_number or '（未登记）'}（出厂编号 {record.factory_number}）"

    def list_loaders(self) -> list[Any]:
        return [selectinload(UseRegistration.installation_notice).selectinload(InstallationNotice.machine)
                .selectinload(PropertyFiling.account).selectinload(User.organization)]
