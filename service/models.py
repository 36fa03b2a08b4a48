"""Imports every model so metadata is complete (migrations, create_all, queries by name)."""

from .accounts.models import ApiToken, Bureau, LoginFailure, Region, Role, User
from .attachments.models import Attachment
from .organizations.models import Organization
from .organizations.operations import ORGANIZATION  # importing registers the 单位管理 RecordKind
from .process.models import History, HumanTask, Job, ProcessDefinition, ProcessInstance, Timer
from .projects.models import Project
from .projects.operations import PROJECT
from .workers.models import Worker
from .workers.operations import WORKER

__all__ = [
           "ORGANIZATION",
           "PROJECT",
           "WORKER",
           "ApiToken",
           "Attachment",
           "Bureau",
           "History",
           "HumanTask",
           "Job",
           "LoginFailure",
           "Organization",
           "ProcessDefinition",
           "ProcessInstance",
           "Project",
           "Region",
           "Role",
           "Timer",
           "User",
           "Worker",
]
