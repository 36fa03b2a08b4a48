"""The 消息中心's rules: who hears of which event, in what words; reading; e-mail; overdue reminders.

Messages are written by registry listeners in the transaction of the step that caused them, so a message
exists exactly when its step does. E-mail goes through the job outbox (a row in the same transaction, sent
by a worker with retries), so an SMTP server that is down never fails or slows a step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import RoleKey, User
from ..certificates.models import STATE_LABELS, Certificate, CertificateStatus
from ..certificates.operations import ANSWERED, CERTIFICATE_ENDED
from ..dismantlings.operations import SUPERVISOR_ASSIGNED
from ..errors import NotFound
from ..extensions import db
from ..filings.chains import Chain, chain_for, chains
from ..filings.models import FilingStatus
from ..filings.operations import STATUS_CHANGED
from ..organizations.models import Organization
from ..process.jobs import enqueue
from ..process.models import HumanTask, TaskStatus
from ..process.operations import TASK_OPENED, Decision
from ..registrations.models import UseRegistration
from ..registry import Job
from ..types import CHINA, utcnow
from . import mail
from .models import Message, OverdueReminder

EMAIL_JOB = "message.email"
#: how the 消息中心 names each event
EVENT_LABELS = {"returned": "退回", "approved": "通过", "terminated": "不予通过", "task": "待办任务",
                "certificate_issued": "制证成功", "certificate_failed": "制证未通过",
                "certificate_ended": "证书终止", "overdue": "审批超期"}
SIGNATURE = "建筑起重机械电子证照管理服务平台（系统消息，请勿回复）"
TITLE_MAX = Message.title.type.length


# -- writing ------------------------------------------------------------------------------------------------
def notify(users: Iterable[User], event: str, title: str, body: str, kind: str, record_id: int,
           task: HumanTask | None = None) -> list[Message]:
    """One message to each active account of ``users`` (each once), and its e-mail where SMTP is configured."""
    recipients = {user.id: user for user in users if user is not None and user.active}
    title = title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "…"  # a long name must not fail the step
    messages = [Message(user=user, event=event, title=title, body=body, record_kind=kind, record_id=record_id,
                        task=task) for user in recipients.values()]
    db.session.add_all(messages)
    if mail.configured(current_app.config) and any(user.email for user in recipients.values()):
        db.session.flush()  # the jobs name the messages
        for message in messages:
            if message.user.email:
                enqueue(EMAIL_JOB, {"message_id": message.id})
    return messages


def _named(kind: Chain, record: Any) -> str:
    return f"{kind.label}「{kind.display(record)}」"


def _active(query: Select) -> list[User]:
    # The step's rows are only queued: reading who to tell must not flush them one by one.
    with db.session.no_autoflush:
        return list(db.session.scalars(query.where(User.active.is_(True))))


def _account(user_id: int) -> User | None:
    with db.session.no_autoflush:  # as in _active
        return db.session.get(User, user_id)


def _staff(role: str, region_code: str | None) -> Select:
    """A role's holders in a region (a task without a region: every holder)."""
    query = select(User).where(User.role == role)
    return query if region_code is None else query.where(User.region_code == region_code)


def _on_status_changed(kind: Chain, record: Any, decision: Decision | None) -> None:
    """退回 / 通过 / 不予通过 of a filing: to the account that filed it, with the reviewer's opinion (none when no
    reviewer decided, e.g. a timer, rather than an earlier step's opinion)."""
    status, name, shown = record.status, _named(kind, record), kind.display(record)
    if status == FilingStatus.RETURNED:
        event, title, body = "returned", f"{kind.label}被退回：{shown}", f"您提交的{name}被退回，请修改后重新提交。"
    elif status == FilingStatus.APPROVED:
        event, title, body = "approved", f"{kind.label}审批通过：{shown}", f"您提交的{name}已审批通过。"
    else:
        event, title, body = "terminated", f"{kind.label}不予通过：{shown}", f"您提交的{name}审批未通过，流程已终止。"
    if decision:
        body += (f"{'退回原因' if event == 'returned' else '审批意见'}：{decision.opinion or '（未填写意见）'}"
                 f"（{decision.task_name}环节）")
    notify([_account(record.account_id)], event, title, body, kind.key, record.id)


def _on_task_opened(task: HumanTask) -> None:
    """A new review task: to the staff who may claim it (the role's holders in the record's region)."""
    kind = chains().get(task.record_kind)
    if kind is None:  # not a filing's task (no chain names it): nobody waits for it here
        return
    record = db.session.get(kind.model, task.record_id)
    due = f"，办理时限至 {task.due_at.astimezone(CHINA):%Y-%m-%d %H:%M}" if task.due_at else ""
    notify(_active(_staff(task.role, task.region_code)), "task", f"新的待审批任务：{_named(kind, record)}",
           f"{_named(kind, record)}已到「{task.name}」环节，等待认领办理{due}。", kind.key, record.id, task)


def _on_supervisor_assigned(kind: Chain, record: Any, supervisor: User) -> None:
    notify([supervisor], "task", f"指派监督：{_named(kind, record)}",
           f"住建局已指派您监督{_named(kind, record)}的拆卸，计划拆卸日期 {record.planned_date or '—'}。",
           kind.key, record.id)


def _using_unit(registration: UseRegistration) -> list[User]:
    """The using unit's accounts: the one that filed the 使用登记, and any account of the unit it names."""
    accounts = _active(select(User).join(Organization, Organization.id == User.organization_id)
                       .where(Organization.uscc == registration.using_unit_uscc,
                              Organization.status == FilingStatus.APPROVED)) if registration.using_unit_uscc else []
    return [_account(registration.account_id), *accounts]


def _on_certificate_answered(cert: Certificate) -> None:
    """The ministry answered 制证: the certificate's number, or its 住建部反馈 to correct."""
    registration, kind = cert.registration, chain_for("use_registration")
    name = _named(kind, registration)
    if cert.status == CertificateStatus.ISSUED:
        event, title = "certificate_issued", f"使用登记证已制证：{cert.number}"
        body = f"{name}的使用登记证已赋码成功，证书编号 {cert.number}，有效期至 {cert.valid_until}。"
    else:
        event, title = "certificate_failed", f"使用登记证制证未通过：{kind.display(registration)}"
        body = (f"{name}制证未通过。住建部反馈：{'；'.join(cert.feedback)}。"
                "请按反馈修改使用登记，住建局将再次制证。")
    notify(_using_unit(registration), event, title, body, kind.key, registration.id)


def _on_certificate_ended(cert: Certificate) -> None:
    """完工注销, 撤销 or 到期失效."""
    registration, kind = cert.registration, chain_for("use_registration")
    how = STATE_LABELS[cert.state]
    notify(_using_unit(registration), "certificate_ended", f"使用登记证{how}：{cert.number}",
           f"{_named(kind, registration)}的使用登记证 {cert.number} 已{how}。原因：{cert.end_reason or '—'}",
           kind.key, registration.id)


# -- overdue reminders --------------------------------------------------------------------------------------
def _first_reminder(task_id: int) -> bool:
    """Mark the task reminded; False if it already was (by this pass or another worker's, at the same time)."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(OverdueReminder).values(task_id=task_id, sent_at=utcnow()).on_conflict_do_nothing()
                 .returning(OverdueReminder.task_id))  # a row back only when written (psycopg has no rowcount here)
    return db.session.execute(statement).first() is not None


def remind_overdue(limit: int = 500) -> int:
    """Open review tasks past their 办理时限, once each: to whoever claimed it, else its candidates, and the
    region's chief. Returns how many tasks were reminded of. The caller commits."""
    reminded = select(OverdueReminder.task_id).where(OverdueReminder.task_id == HumanTask.id).exists()
    tasks = db.session.scalars(select(HumanTask).where(
        HumanTask.status == TaskStatus.OPEN, HumanTask.role != RoleKey.APPLICANT, HumanTask.due_at < utcnow(),
        ~reminded).order_by(HumanTask.id).limit(limit)).all()
    count = 0
    for task in tasks:
        kind = chains().get(task.record_kind)
        if kind is None or not _first_reminder(task.id):
            continue
        record = db.session.get(kind.model, task.record_id)
        waiting = [task.assignee] if task.assignee is not None else _active(_staff(task.role, task.region_code))
        chiefs = _active(_staff(RoleKey.CHIEF, task.region_code))
        notify([*waiting, *chiefs], "overdue", f"审批超期：{_named(kind, record)}",
               f"{_named(kind, record)}的「{task.name}」环节已超过办理时限"
               f"（{task.due_at.astimezone(CHINA):%Y-%m-%d %H:%M}），请尽快办理。", kind.key, record.id, task)
        count += 1
    return count


# -- reading ------------------------------------------------------------------------------------------------
def _of(user: User, unread: bool = False) -> ColumnElement[bool]:
    mine = Message.user_id == user.id
    return mine & Message.read_at.is_(None) if unread else mine


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Message).where(_of(user, unread=True))) or 0


def list_messages(user: User, unread: bool = False, page: int = 1, per_page: int = 20) -> tuple[list[Message], int]:
    total = db.session.scalar(select(func.count()).select_from(Message).where(_of(user, unread))) or 0
    rows = db.session.scalars(select(Message).where(_of(user, unread)).order_by(Message.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def mine(user: User, message_id: int) -> Message:
    """The account's own message; another account's is simply not found."""
    message = db.session.scalar(select(Message).where(Message.id == message_id, _of(user)))
    if message is None:
        raise NotFound("消息不存在")
    return message


def mark_read(user: User, message_id: int) -> Message:
    message = mine(user, message_id)
    message.read_at = message.read_at or utcnow()
    return message


def mark_all_read(user: User) -> int:
    return db.session.execute(update(Message).where(_of(user, unread=True)).values(read_at=utcnow())).rowcount


def target(message: Message, viewer: User) -> tuple[str, dict[str, Any]]:
    """(endpoint, values) of what the message is about: staff open its review task, everyone else the record."""
    if message.task_id is not None and viewer.is_staff:
        return "tasks.show", {"task_id": message.task_id}
    kind = chains().get(message.record_kind)
    if kind is None:
        return "messages.index", {}
    return "filings.view", {"kind_path": kind.path, "record_id": message.record_id}


def absolute_url(endpoint: str, values: dict[str, Any]) -> str:
    """A link for outside the platform (e-mail), at CRANE_PUBLIC_URL; works without a request."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


# -- e-mail -------------------------------------------------------------------------------------------------
def email_text(message: Message) -> tuple[str, str]:
    """(subject, body) of a message's e-mail, with the link to its record."""
    link = absolute_url(*target(message, message.user))
    return (f"【{EVENT_LABELS[message.event]}】{message.title}",
            f"{message.user.username}，您好：\n\n{message.body}\n\n查看详情：{link}\n\n{SIGNATURE}\n")


def _email(payload: dict[str, Any]) -> None:
    """The ``message.email`` job: sent at the account's current address; no address (or no SMTP): nothing."""
    message = db.session.get(Message, payload["message_id"])
    config = current_app.config
    if message is None or not message.user.email or not mail.configured(config):
        return
    mail.send(config, message.user.email, *email_text(message))


def init_app(app: Flask) -> None:
    plugged = app.extensions["crane"]
    plugged.listen(STATUS_CHANGED, _on_status_changed)
    plugged.listen(TASK_OPENED, _on_task_opened)
    plugged.listen(SUPERVISOR_ASSIGNED, _on_supervisor_assigned)
    plugged.listen(ANSWERED, _on_certificate_answered)
    plugged.listen(CERTIFICATE_ENDED, _on_certificate_ended)
    plugged.jobs[EMAIL_JOB] = Job(_email)
    plugged.periodic.append(remind_overdue)
    plugged.me_facts.append(lambda user: {"unread_messages": unread_count(user)})
    # one COUNT per page, and only where the header shows it
    app.add_template_global(lambda: unread_count(current_user), "unread_messages")
