"""A new diagram version applies to new filings; running ones finish on theirs."""

from pathlib import Path

import pytest

from service.extensions import db
from service.process.operations import deploy_definition
from workflows.errors import DiagramRejected

TWO_LEVEL = (Path(__file__).parent / "diagrams" / "organization_two_level.bpmn").read_text(encoding="utf-8")


def test_added_review_level_changes_new_filings_only(owner, reviewer, make_api, submit_organization, decide):
    chief = make_api("chief", "650100")
    running = submit_organization(owner)
    assert deploy_definition("organization", TWO_LEVEL, actor=None).version == 2
    db.session.commit()
    fresh = submit_organization(owner)

    # the running filing finishes on version 1: one approval ends it
    decide(reviewer, running)
    old = owner.get(f"/organizations/{running}").json
    assert old["status"] == "approved" and old["process_version"] == 1

    # the new one runs on version 2: the reviewer's approval hands it to the chief
    decide(reviewer, fresh, opinion="初审同意")
    assert owner.get(f"/organizations/{fresh}").json["status"] == "in_review"
    assert reviewer.get("/tasks").json["total"] == 0  # 复审 is the chief's, not claimable by a reviewer
    chief_task = chief.get("/tasks").json["items"]
    assert [t["name"] for t in chief_task] == ["复审"]
    assert reviewer.post(f"/tasks/{chief_task[0]['id']}/claim").status_code == 403
    chief.post(f"/tasks/{chief_task[0]['id']}/complete", json={"decision": "approve", "opinion": "复审同意"})
    new = owner.get(f"/organizations/{fresh}").json
    assert new["status"] == "approved" and new["process_version"] == 2
    assert [h["task"] for h in new["history"]] == ["发起审批", "初审", "复审"]
    progress = owner.get(f"/organizations/{fresh}/progress").json
    assert {"Task_review", "Task_chief", "End_approved"} <= set(progress["completed"])


def test_broken_diagram_is_not_deployed(app):
    broken = TWO_LEVEL.replace('name="chief"', 'name="nobody"')
    with pytest.raises(DiagramRejected) as exc:
        deploy_definition("organization", broken, actor=None)
    assert [i.element_id for i in exc.value.issues] == ["Lane_chief"]
    with pytest.raises(DiagramRejected):
        deploy_definition("project", TWO_LEVEL, actor=None)  # process id must match the key
