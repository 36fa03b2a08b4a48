"""Request bodies of the later chains (安装告知, 使用登记, 拆卸告知) built from records the fixtures made."""

import datetime as dt

from service.calendar import add_working_days
from tests import factories

INSTALLATION_SLOTS = [f"s{i}" for i in range(1, 12)]
REGISTRATION_SLOTS = [f"s{i}" for i in range(1, 10)]
DISMANTLING_SLOTS = [f"s{i}" for i in range(1, 10)]


def person(code, uscc, **overrides):
    row = {"code": code, "name": factories.unique_name("张"), "id_number": factories.make_id_number(),
           "unit_name": "新疆天山建设有限公司", "unit_uscc": uscc, "employed": True}
    row.update(overrides)
    return row


def installation_data(setup, **overrides):
    data = {"property_filing_id": setup["machine"], "project_id": setup["project"], "worker_ids": setup["workers"],
            "planned_date": add_working_days(dt.date.today(), 3).isoformat(),
            "personnel": [person(c, setup["uscc"]) for c in ("1103", "1104", "1105")]}
    data.update(overrides)
    return data


def registration_data(site, **overrides):
    uscc = site["uscc"]
    rows = [person("1106", uscc), person("1107", uscc),
            person("1108", uscc, name=site["signaller"]["name"], id_number=site["signaller"]["id_number"]),
            person("1109", uscc, name=site["driver"]["name"], id_number=site["driver"]["id_number"])]
    data = {"installation_notice_id": site["installation"], "project_id": site["project"],
            "supervision_unit_uscc": site["project_data"]["supervision_unit_uscc"], "using_unit_uscc": uscc,
            "manager_name": "王建华", "manager_id_number": factories.make_id_number(), "manager_phone": "13899887766",
            "longitude": "87.618733", "latitude": "43.792818", "worker_ids": site["workers"], "personnel": rows}
    data.update(overrides)
    return data
