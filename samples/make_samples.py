"""Regenerate the example files in samples/ with eas-encoder itself.

    python samples/make_samples.py

Fixed issue times keep the files reproducible. The spoken messages need espeak-ng; without
it those samples are made with no message and a note is printed. The CAP sample
(cap_amber_ipaws.xml) is maintained beside these by the CAP tools.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eas_encoder.audio import write_audio
from eas_encoder.errors import EncodeError
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.speech import synthesize

HERE = Path(__file__).resolve().parent
FS = 22050
ISSUED = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

SAMPLES = [
    ("amber_cae_two_counties.wav",
     Header("CIV", "CAE", ("006037", "006059"), "0130", ISSUED, "KXYZ/FM"), "eas",
     "This is a test. This is only a test. A child abduction emergency has been issued "
     "for Los Angeles and Orange counties. This concludes this test."),
    ("rwt_required_weekly_test.wav",
     Header("EAS", "RWT", ("006037",), "0015", ISSUED, "KXYZ/FM"), "none", None),
    ("nwr_tornado_warning.wav",
     Header("WXR", "TOR", ("029095", "020091"), "0045", ISSUED, "KEAX/NWS"), "nwr",
     "This is a test of the tornado warning format of NOAA Weather Radio. This is only a "
     "test."),
]


def main() -> None:
    for name, header, attention, text in SAMPLES:
        message = None
        if text:
            try:
                message = synthesize(text, FS)
            except EncodeError as exc:
                print(f"{name}: no spoken message ({exc})")
        tx = encode_transmission(header, fs=FS, attention=attention, message=message)
        write_audio(HERE / name, tx.samples, FS)
        print(f"{name}: {tx.duration:.1f} s, {header}")


if __name__ == "__main__":
    main()
