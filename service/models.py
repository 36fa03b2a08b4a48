"""Imports every model so metadata is complete (migrations, create_all, queries by name)."""

from .accounts.models import ApiToken, Bureau, LoginFailure, Region, Role, User
from .attachments.models import Attachment
from .audit.models import AuditEntry
from .certificates.models import Certificate, MinistryExchange, NumberSequence
from .dismantlings.models import DismantlingNotice
from .installations.models import InstallationNotice
from .machines.models import PropertyFiling
from .messages.models import Message, OverdueReminder
from .organizations.models import Organization
from .process.models import FormDefinition, History, HumanTask, Job, ProcessDefinition, ProcessInstance, Timer
from .projects.models import Project
from .registrations.models import UseRegistration
from .rules.models import PlatformRule
from .workers.models import Worker

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Bureau",
    "Certificate",
    "DismantlingNotice",
    "FormDefinition",
    "History",
    "HumanTask",
    "InstallationNotice",
    "Job",
    "LoginFailure",
    "Message",
    "MinistryExchange",
    "NumberSequence",
    "Organization",
    "OverdueReminder",
    "PlatformRule",
    "ProcessDefinition",
    "ProcessInstance",
    "Project",
    "PropertyFiling",
    "Region",
    "Role",
    "Timer",
    "UseRegistration",
    "User",
    "Worker",
]
