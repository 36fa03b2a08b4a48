"""Imports every model so metadata is complete (migrations, create_all, queries by name), and every
record kind's operations module, whose import registers its RecordKind."""

from .accounts.models import ApiToken, Bureau, LoginFailure, Region, Role, User
from .attachments.models import Attachment
from .audit.models import AuditEntry
from .certificates import operations as _certificate_rules  # noqa: F401 - registers services, jobs, timer
from .certificates.models import Certificate, MinistryExchange, NumberSequence
from .dismantlings.models import DismantlingNotice
from .dismantlings.operations import DISMANTLING_NOTICE
from .installations.models import InstallationNotice
from .installations.operations import INSTALLATION_NOTICE
from .machines.models import PropertyFiling
from .machines.operations import PROPERTY_FILING
from .organizations.models import Organization
from .organizations.operations import ORGANIZATION
from .process.models import FormDefinition, History, HumanTask, Job, ProcessDefinition, ProcessInstance, Timer
from .projects.models import Project
from .projects.operations import PROJECT
from .registrations.models import UseRegistration
from .registrations.operations import USE_REGISTRATION
from .rules.models import PlatformRule
from .workers.models import Worker
from .workers.operations import WORKER

__all__ = [
    "DISMANTLING_NOTICE",
    "INSTALLATION_NOTICE",
    "ORGANIZATION",
    "PROJECT",
    "PROPERTY_FILING",
    "USE_REGISTRATION",
    "WORKER",
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
    "MinistryExchange",
    "NumberSequence",
    "Organization",
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
