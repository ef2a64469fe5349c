"""Conformance checker: measure any encoder's EAS audio against 47 CFR 11.31/11.32 and
NWSI 10-1712.

``check(samples, fs)`` returns a :class:`Report` whose :class:`Finding` rows name a rule of
:data:`RULES` (stable ids such as ``BURST.BIT_RATE``), its clause, the expected value with its
tolerance, the measured value and a verdict (pass / warn / fail): the package's one
:class:`~eas_encoder.findings.Finding` type, shared with CAP validation and the CBS check.
``check_file`` does the same for a file, block by block. The checker stands on its own
measurement (bit-edge fitting, sine fits, interpolated spectra), independent of the library's
receiver.
"""

from ..findings import FAIL, PASS, WARN, Finding, Verdict
from .checker import Checker, check, check_file
from .report import Event, Report
from .rules import RULES, Rule

__all__ = ["check", "check_file", "Checker", "Report", "Finding", "Event", "Rule", "RULES",
           "Verdict", "PASS", "WARN", "FAIL"]
