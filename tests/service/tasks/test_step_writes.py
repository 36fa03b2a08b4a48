"""A review step reads first and writes once: the rows it changes go out in one flush at commit.

A flush in the middle (an autoflush set off by a read after the first write) costs round trips and holds
row locks longer; the messages written with the step are the likeliest cause, so each outcome is checked.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.extensions import db


@pytest.mark.parametrize("decision", ["approve", "return", "reject"])
def test_a_review_step_is_written_by_one_flush(owner, reviewer, submit_organization, open_task_for, decision):
    record_id = submit_organization(owner)
    task_id = open_task_for(reviewer, record_id)
    assert reviewer.post(f"/tasks/{task_id}/claim").status_code == 200
    flushes: list[int] = []
    statements: list[str] = []

    def flushed(session, _context, _instances) -> None:
        flushes.append(len(session.new) + len(session.dirty))
        statements.append("FLUSH")

    def executed(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(Session, "before_flush", flushed)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        response = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": decision, "opinion": "意见"})
    finally:
        event.remove(Session, "before_flush", flushed)
        event.remove(db.engine, "before_cursor_execute", executed)
    assert response.status_code == 200, response.json
    assert len(flushes) == 1, flushes
    assert flushes[0] >= 3  # the task, the instance, the record, the history row, the filer's message …
    written = statements[statements.index("FLUSH"):]
    assert "SELECT" not in written and {"INSERT", "UPDATE"} <= set(written), statements
