"""Every field's and every row's error in one answer: a person fixes all of them in one round."""

from __future__ import annotations

from tests import factories
from tests.support.records import REGISTRATION_SLOTS, person, registration_data


def test_registration_names_every_problem_at_once(client):
    response = client.post("/register", data={"username": "a", "email": "not-an-email", "phone": "123",
                                              "password": "short", "confirm_password": "other"})
    assert response.status_code == 422
    for message in ("用户名为3–40位", "邮箱格式不正确", "手机号格式不正确", "密码长度应为8–128位",
                    "两次输入的密码不一致", "请选择单位类型"):
        assert message in response.text, message


def test_the_api_answers_every_field_too(client):
    response = client.post("/api/v1/auth/register", json={"username": "a", "email": "x", "phone": "1",
                                                          "password": "p", "unit_type": "nope"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "email", "phone", "password", "unit_type"}


def test_three_wrong_personnel_rows_three_messages(site):
    rows = registration_data(site)["personnel"]
    rows[0]["leave_reason"] = "调岗"  # employed, yet a reason for leaving
    rows[1].update(employed=False)  # left, but no reason given
    rows[2]["unit_uscc"] = factories.make_uscc()  # a real code, but not the using unit's
    response = site["builder"].post("/use-registrations", json=registration_data(site, personnel=rows))
    assert response.status_code == 422
    messages = response.json["errors"]["personnel"]
    assert any(m.startswith("第1行 在职人员不填离职原因") for m in messages)
    assert any(m.startswith("第2行 不在职的人员须填写离职原因") for m in messages)
    assert any(m.startswith("第3行 所在单位必须是当前项目使用单位") for m in messages)


def test_form_errors_and_rule_errors_come_together(site):
    """A field the form refuses and a rule the chain breaks, in one answer."""
    bad_phone = registration_data(site, manager_phone="123", longitude="87.617733", latitude="43.792818")
    response = site["builder"].post("/use-registrations", json=bad_phone)  # on the project's own position
    assert response.status_code == 422
    assert set(response.json["errors"]) >= {"manager_phone", "longitude"}


def test_submit_reports_missing_files_and_wrong_rows_together(site):
    builder = site["builder"]
    rows = [r for r in registration_data(site)["personnel"] if r["code"] != "1107"]
    rows.append(person("1106", site["uscc"]))  # 1106 twice, 1107 missing
    record_id = builder.post("/use-registrations", json=registration_data(site, personnel=rows)).json["id"]
    for slot in REGISTRATION_SLOTS[:3]:  # s4… still to upload
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    response = builder.post(f"/use-registrations/{record_id}/submit")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert {"s4", "s9"} <= set(errors)
    assert "缺少必填人员：安全员（1107）" in errors["personnel"]
    assert "必填人员重复：项目负责人（1106）" in errors["personnel"]
    assert "还有必填项、必传附件或填写有误的内容" in response.json["message"]
