"""Real races on PostgreSQL: threads claiming and completing one task through the API."""

import threading

import pytest
from sqlalchemy import func, select

from service.extensions import db
from service.process.models import History, HumanTask

THREADS = 8


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (TEST_DATABASE_URL)")


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return [r.status_code for r in results]


@pytest.mark.postgres
def test_many_reviewers_claim_one_task_exactly_one_wins(owner, make_api, submit_organization, open_task_for):
    reviewers = [make_api("reviewer") for _ in range(THREADS)]
    task_id = open_task_for(reviewers[0], submit_organization(owner))
    codes = _race([lambda r=r: r.post(f"/tasks/{task_id}/claim") for r in reviewers])
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    assert db.session.get(HumanTask, task_id).assignee_id is not None


@pytest.mark.postgres
def test_many_reviewers_complete_one_task_exactly_one_wins(owner, make_api, submit_organization, open_task_for):
    reviewers = [make_api("reviewer") for _ in range(THREADS)]
    record_id = submit_organization(owner)
    task_id = open_task_for(reviewers[0], record_id)
    codes = _race([lambda r=r: r.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
                   for r in reviewers])
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    approvals = db.session.scalar(select(func.count()).select_from(History).where(
        History.record_id == record_id, History.action == "approve"))
    assert approvals == 1
    assert owner.get(f"/organizations/{record_id}").json["status"] == "approved"


@pytest.mark.postgres
def test_same_reviewer_double_submit_completes_once(owner, reviewer, submit_organization, open_task_for):
    record_id = submit_organization(owner)
    task_id = open_task_for(reviewer, record_id)
    reviewer.post(f"/tasks/{task_id}/claim")
    codes = _race([lambda: reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "return", "opinion": "补"})
                   for _ in range(THREADS)])
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    open_tasks = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.record_id == record_id, HumanTask.status == "open"))
    assert open_tasks == 1  # exactly one 修改后重新提交 task, not one per racing request


@pytest.mark.postgres
def test_double_clicked_submit_starts_one_chain(owner, create_ready_organization):
    from service.process.models import ProcessInstance

    record_id = create_ready_organization(owner)
    codes = _race([lambda: owner.post(f"/organizations/{record_id}/submit") for _ in range(THREADS)])
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    instances = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.record_id == record_id))
    assert instances == 1


@pytest.mark.postgres
def test_concurrent_issuing_takes_distinct_consecutive_numbers(app):
    from service.certificates.numbering import NUMBER_RE, allocate

    def take():
        with app.app_context():
            number = allocate("650100", "T", 2026)
            db.session.commit()
            db.session.remove()
            return number

    barrier, numbers = threading.Barrier(THREADS * 2), []
    lock = threading.Lock()

    def run():
        barrier.wait()
        number = take()
        with lock:
            numbers.append(number)

    threads = [threading.Thread(target=run) for _ in range(THREADS * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    sequences = sorted(int(NUMBER_RE.match(n)[4]) for n in numbers)
    assert sequences == list(range(1, THREADS * 2 + 1))  # no gap, no duplicate


@pytest.mark.postgres
def test_double_clicked_make_certificate_sends_one_request(in_use, reviewer):
    from service.certificates.models import Certificate, MinistryExchange

    url = f"/use-registrations/{in_use['registration']}/certificate"
    codes = _race([lambda: reviewer.post(url) for _ in range(THREADS)])
    assert codes == [202] * THREADS
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.session.scalar(select(func.count()).select_from(MinistryExchange)) == 1
