"""OASIS CAP 1.2: model, safe XML, rules (CAP, IPAWS, ECIG), CAP <-> SAME bridge, signatures.

- :mod:`.model`: frozen ``Alert``/``Info``/``Resource``/``Area`` and the CAP enumerations.
- :func:`parse` / :func:`serialize`: hardened parsing (CAP 1.2 and 1.1) and CAP 1.2 output.
- :func:`validate` -> ``list[Finding]`` (the package's one finding type,
  :mod:`eas_encoder.findings`): schema, CAP 1.2 prose rules, IPAWS v1.0, ECIG, and the CAP-CP
  and CAP-AU profiles of :mod:`.profiles`.
- :func:`alert_to_same` / :func:`same_to_alert`: ECIG CAP-to-EAS and IPAWS-style SAME-to-CAP.
- :func:`sign` / :func:`verify` / :func:`verified_alert`: enveloped XML-DSig, trust and the
  alert a signature covers (47 CFR 11.56(c)).
"""

from . import profiles  # noqa: F401, I001  (registers the cap-cp and cap-au profiles)
from .bridge import EasActivation, alert_to_same, same_to_alert
from .model import Alert, Area, Info, NamedValue, Resource
from .rules import Finding, Verdict, validate
from .signature import SignatureCheck, Verification, sign, verified_alert, verify
from .xml import parse, serialize

__all__ = ["Alert", "Info", "Resource", "Area", "NamedValue", "parse", "serialize",
           "validate", "Finding", "Verdict", "alert_to_same", "same_to_alert",
           "EasActivation", "sign", "verify", "verified_alert", "SignatureCheck", "Verification"]
