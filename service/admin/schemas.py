"""JSON shapes of the administrator's API."""

from __future__ import annotations

from typing import Any

from forms import FormDef

from ..accounts.models import Role, is_staff_role
from ..rules.operations import definitions


def role_out(role: Role, users: int) -> dict[str, Any]:
    return {"key": role.key, "name": role.name, "staff": is_staff_role(role.key), "users": users}


def form_out(form: FormDef, custom: bool) -> dict[str, Any]:
    return {"key": form.key, "title": form.title, "custom": custom, "fields": form.ui()}


def rules_out(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "label": rule.label, "value": values[key], "default": rule.default, "unit": rule.unit,
             "help": rule.help} for key, rule in definitions().items()]
