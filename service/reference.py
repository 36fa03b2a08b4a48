"""Reference data loaded by ``crane serve``: regions, one bureau per region, roles, shipped diagrams."""

from __future__ import annotations

from sqlalchemy import select

from forms.codes import REGIONS

from .accounts.models import ROLE_LABELS, Bureau, Region, Role
from .config import ROOT
from .extensions import db
from .process.models import ProcessDefinition
from .process.operations import deploy_definition

BPMN_DIR = ROOT / "bpmn_models"


def load_reference_data() -> list[str]:
    """Idempotent. Returns the keys of diagrams deployed now (as version 1)."""
    known_regions = set(db.session.scalars(select(Region.code)))
    for code, name in REGIONS.items():
        if code not in known_regions:
            db.session.add(Region(code=code, name=name))
    db.session.flush()
    bureau_regions = set(db.session.scalars(select(Bureau.region_code)))
    for code, name in REGIONS.items():
        if code not in bureau_regions:
            db.session.add(Bureau(region_code=code, name=f"{name}住房和城乡建设局"))
    known_roles = set(db.session.scalars(select(Role.key)))
    for key, label in ROLE_LABELS.items():
        if key not in known_roles:
            db.session.add(Role(key=key, name=label))
    db.session.flush()
    deployed = []
    existing = set(db.session.scalars(select(ProcessDefinition.key).distinct()))
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        if path.stem not in existing:
            deploy_definition(path.stem, path.read_bytes(), actor=None)
            deployed.append(path.stem)
    return deployed
