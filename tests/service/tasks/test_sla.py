"""办理时限: review tasks carry a due date from 企业规则; overdue ones are marked in the lists and counted."""

import datetime as dt

from service.extensions import db
from service.process.models import HumanTask
from service.types import utcnow


def test_overdue_reviews_are_marked_in_lists_and_counted_on_the_console(app, unit_owner, reviewer, open_task_for,
                                                                        submit_machine, login):
    late = submit_machine(unit_owner)
    submit_machine(unit_owner)  # on time
    task = db.session.get(HumanTask, open_task_for(reviewer, late))
    page = app.test_client()
    login(page, reviewer.user.username)
    assert "已超期" not in page.get("/tasks?scope=all").text
    task.due_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()

    tasks = page.get("/tasks?scope=all").text
    assert tasks.count("已超期") == 1 and "办理时限" in tasks
    listing = page.get("/property-filings").text
    assert listing.count('class="badge overdue"') == 1
    counts = {c["process_key"]: c for c in reviewer.get("/statistics").json["chains"]}
    assert (counts["property_filing"]["open_reviews"], counts["property_filing"]["overdue"]) == (2, 1)
    assert counts["organization"]["overdue"] == 0
    console = page.get("/console").text
    assert "已超期任务" in console and 'class="badge overdue">1<' in console
