"""Reference data loaded by ``crane serve``: regions, one bureau per region, roles, shipped diagrams."""

from __future__ import annotations

from sqlalchemy import select
from stdnum.cn import uscc

from forms.codes import REGIONS

from .accounts.models import ROLE_LABELS, Bureau, Region, Role
from .config import BPMN_DIR
from .extensions import db
from .filings.chains import chains
from .process.models import ProcessDefinition
from .process.operations import deploy_definition


def placeholder_uscc(region_code: str) -> str:
    """A well-formed code (机关, the region, valid check digit) until the administrator enters the real one."""
    base = f"11{region_code}MB{region_code}0"
    return base + uscc.calc_check_digit(base)


def load_reference_data() -> list[str]:
    """Idempotent. Returns the keys of diagrams deployed now (as version 1)."""
    known_regions = set(db.session.scalars(select(Region.code)))
    for code, name in REGIONS.items():
        if code not in known_regions:
            db.session.add(Region(code=code, name=name))
    db.session.flush()
    bureaus = {b.region_code: b for b in db.session.scalars(select(Bureau))}
    for code, name in REGIONS.items():
        bureau = bureaus.get(code) or Bureau(region_code=code, name=f"{name}住房和城乡建设局")
        db.session.add(bureau)
        bureau.uscc = bureau.uscc or placeholder_uscc(code)
    known_roles = set(db.session.scalars(select(Role.key)))
    for key, label in ROLE_LABELS.items():
        if key not in known_roles:
            db.session.add(Role(key=key, name=label))
    db.session.flush()
    deployed = []
    existing = set(db.session.scalars(select(ProcessDefinition.key).distinct()))
    # the shipped diagrams (the chains' and the certificate's), and any registered chain's own
    diagrams = {path.stem: path for path in BPMN_DIR.glob("*.bpmn")}
    diagrams.update({chain.key: chain.diagram_path for chain in chains().values()})
    for key, path in sorted(diagrams.items()):
        if key not in existing:
            deploy_definition(key, path.read_bytes(), actor=None)
            deployed.append(key)
    return deployed
