"""Form definitions keyed by the diagrams' ``formKey``; see ``definitions.py``."""

from .definitions import FormDef, load_forms

FORMS: dict[str, FormDef] = load_forms()

__all__ = ["FORMS", "FormDef", "load_forms"]
