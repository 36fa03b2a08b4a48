from pathlib import Path

import pytest
from lxml import etree
from marshmallow import ValidationError

from forms import FORMS
from forms.definitions import DefinitionError, form_from_json, load_forms
from workflows.lint import form_key_of
from workflows.parser import NS

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn_models"


def test_every_definition_loads_and_has_labels():
    assert {"organization", "review", "resubmit"} <= set(FORMS)
    for form in FORMS.values():
        assert form.title
        assert all(f.label for f in form.fields)


@pytest.mark.parametrize("path", sorted(BPMN_DIR.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_user_task_names_a_known_form(path):
    root = etree.parse(str(path)).getroot()
    tasks = root.iter(f"{{{NS['bpmn']}}}userTask")
    keys = [form_key_of(t) for t in tasks]
    assert all(k in FORMS for k in keys)
    assert keys or path.stem == "certificate"  # the bureau acts on a certificate by messages, not forms


def test_review_requires_decision_and_opinion():
    with pytest.raises(ValidationError) as exc:
        FORMS["review"].load({})
    assert set(exc.value.messages) == {"decision", "opinion"}
    assert FORMS["review"].load({"decision": "return", "opinion": "补充资料"}) == {
        "decision": "return", "opinion": "补充资料"}


def test_choice_outside_options_is_rejected_with_choices_named():
    with pytest.raises(ValidationError) as exc:
        FORMS["review"].load({"decision": "maybe", "opinion": "x"})
    assert "通过" in exc.value.messages["decision"][0]


def test_partial_load_allows_missing_but_checks_given_values():
    form = FORMS["organization"]
    assert form.load({"name": "新疆建工"}, partial=True) == {"name": "新疆建工"}
    with pytest.raises(ValidationError) as exc:
        form.load({"contact_phone": "12345"}, partial=True)
    assert "手机号" in exc.value.messages["contact_phone"][0]


def test_unknown_fields_and_wrong_types_are_rejected():
    form = FORMS["organization"]
    with pytest.raises(ValidationError) as exc:
        form.load({"name": ["a"], "is_admin": True}, partial=True)
    assert exc.value.messages["is_admin"] == ["不允许的字段"]
    assert "name" in exc.value.messages


def test_max_length_enforced():
    with pytest.raises(ValidationError):
        FORMS["review"].load({"decision": "approve", "opinion": "长" * 501})


def test_json_schema_lists_required_fields_and_enums():
    schema = FORMS["review"].json_schema()
    assert schema["required"] == ["decision", "opinion"]
    assert schema["properties"]["decision"]["enum"] == ["approve", "return", "reject"]


@pytest.mark.parametrize("raw", [
    {"title": "x"},
    {"key": "k", "title": "t", "fields": [{"name": "a", "label": "A", "type": "blob"}]},
    {"key": "k", "title": "t", "fields": [{"name": "a", "label": "A", "validators": ["nope"]}]},
    {"key": "k", "title": "t", "fields": [{"name": "a", "label": "A", "type": "choice"}]},
    {"key": "k", "title": "t", "fields": [{"name": "a", "label": "A"}, {"name": "a", "label": "B"}]},
])
def test_malformed_definitions_fail_at_load(raw):
    with pytest.raises(DefinitionError):
        form_from_json(raw)


def test_duplicate_keys_across_files_fail(tmp_path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text('{"key": "same", "title": "t"}', encoding="utf-8")
    with pytest.raises(DefinitionError, match="duplicate form key"):
        load_forms(tmp_path)


@pytest.mark.parametrize("value", [2**31, "2147483648", "²", "-1", 1.5, True])
def test_a_picked_record_outside_the_id_range_is_a_field_error(value):
    """Ids past PostgreSQL's integer range, or digits int() refuses, are a message on the field — never a 500."""
    with pytest.raises(ValidationError) as exc:
        FORMS["review_dismantling_chief"].load({"decision": "approve", "opinion": "同意", "supervisor_id": value})
    assert exc.value.messages["supervisor_id"] == ["请从列表中选择"]


@pytest.mark.parametrize("value", [2**31 - 1, "2147483647", " 7 "])
def test_picked_record_ids_up_to_the_largest_are_accepted(value):
    loaded = FORMS["review_dismantling_chief"].load({"decision": "approve", "opinion": "同意", "supervisor_id": value})
    assert loaded["supervisor_id"] == int(value)
