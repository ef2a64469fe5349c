"""eas-encoder: SAME/EAS audio, CAP 1.2 and cell broadcast for emergency alerts.

The public API in one screen (see DESIGN.md for the signal chain, file by file):

- :class:`Header`, :class:`EndOfMessage`, :class:`IssueTime` - the SAME header model
  (47 CFR 11.31(c)); ``str(header)`` is the wire text, ``Header.parse`` its inverse.
- :func:`encode_transmission` -> :class:`Transmission` - header x3, attention signal,
  message, EOM x3 as float32 samples; :func:`write_audio` / :func:`read_audio` for files.
- :func:`describe_header` - plain-English meaning of a header.

Generated tones must never be aired outside a test setting.
"""

from .audio import read_audio, resample, to_mono, write_audio
from .errors import (
    AudioError,
    CapError,
    CbsError,
    ConformanceError,
    DecodeError,
    EasError,
    EncodeError,
    HeaderError,
)
from .same.describe import describe_header
from .same.header import EndOfMessage, Header, IssueTime
from .same.transmission import Transmission, encode_transmission

__version__ = "0.1.0"

__all__ = [
    "Header", "EndOfMessage", "IssueTime", "describe_header",
    "encode_transmission", "Transmission",
    "read_audio", "write_audio", "resample", "to_mono",
    "EasError", "HeaderError", "AudioError", "EncodeError", "DecodeError", "CapError",
    "CbsError", "ConformanceError",
    "__version__",
]
