"""ENDEC framing profiles: how equipment in the field frames its SAME bursts.

47 CFR 11.31(c) fixes what a burst must hold (16 x 0xAB preamble, then the header or
``NNNN``) and the one-second pauses; it says nothing of what an encoder may send around a
burst. Real encoders add bytes before the preamble and after the text, and some pause for
less than a second. A lab that tests a decoder needs audio that sounds like that equipment,
and the conformance checker needs the same facts to say which equipment made a recording, so
each profile is one row of :data:`PROFILES`, read by :func:`eas_encoder.same.transmission.
encode_transmission` and by :mod:`eas_encoder.conformance.fingerprint`.

Every row names its public source (specs/endec_profiles.md has the list with the wording of
each source). Where a source gives no count (how many "extra mark bits" a Sage 1822 sends),
the row says which value this project chose.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EncodeError

__all__ = ["EndecProfile", "PROFILES", "DEFAULT_PROFILE", "get_profile"]


@dataclass(frozen=True)
class EndecProfile:
    """Framing of one kind of encoder.

    Attributes:
        name: the ``--profile`` name.
        title: the equipment, in words.
        source: where the framing is documented (short form; specs/endec_profiles.md has more).
        lead_mark_bits: mark bits (2083 1/3 Hz) sent before the preamble of every burst.
        first_lead: bytes sent before the preamble of the first burst of each group of three
            (headers, and EOMs) only.
        header_tail: bytes sent after the header text of every header burst.
        eom_lead: bytes sent before the preamble of every EOM burst.
        eom_tail: bytes sent after ``NNNN`` of every EOM burst.
        gap_seconds: pause between the bursts of a group, seconds (11.31(c): one second).
        note: what a reader of the profile should know (counts this project chose).
    """

    name: str
    title: str
    source: str
    lead_mark_bits: int = 0
    first_lead: bytes = b""
    header_tail: bytes = b""
    eom_lead: bytes = b""
    eom_tail: bytes = b""
    gap_seconds: float = 1.0
    note: str = ""

    @property
    def exact(self) -> bool:
        """True for the profile that adds nothing to 47 CFR 11.31(c)."""
        return not (self.lead_mark_bits or self.first_lead or self.header_tail
                    or self.eom_lead or self.eom_tail) and self.gap_seconds == 1.0


_EAS_TOOLS = "wagwan-piffting-blud/EAS-Tools"

PROFILES: dict[str, EndecProfile] = {p.name: p for p in (
    EndecProfile(
        "exact", "47 CFR 11.31(c) exactly (this project's default)",
        "47 CFR 11.31(c)"),
    EndecProfile(
        "sage", "Sage ENDEC 1822 (analog)",
        f"{_EAS_TOOLS} issues #6 and #29 (extra mark bits before each header and EOM burst); "
        "EASjs generator SAGE mode (one 0xFF after each burst)",
        lead_mark_bits=8, header_tail=b"\xff", eom_tail=b"\xff",
        note="the sources give no count for the leading mark bits; 8 (one byte time) is "
             "this project's choice"),
    EndecProfile(
        "nws-bmh", "NWS Broadcast Message Handler (NOAA Weather Radio, 2016 on)",
        f"{_EAS_TOOLS} issue #13 (three 0x00 after each header and EOM burst, about 50 ms "
        "of space tone); AWIPS II BMH source comments (padding is configurable)",
        header_tail=b"\x00" * 3, eom_tail=b"\x00" * 3),
    EndecProfile(
        "nws-crs", "NWS Console Replacement System (NOAA Weather Radio, 1998-2016)",
        f"AWIPS II BMH source comments (legacy CRS: 4 pad bytes after headers, 2 around "
        f"EOMs); {_EAS_TOOLS} issues #6 and #13 (one 0x00 at the start and one at the end "
        "of each EOM burst)",
        header_tail=b"\x00" * 4, eom_lead=b"\x00", eom_tail=b"\x00",
        note="EAS-Tools issue #13 counts three header pad bytes where the NWS comment says "
             "four; the NWS count is used"),
    EndecProfile(
        "trilithic", "Trilithic EASyPLUS",
        "KR8MER/eas-station ENDEC fingerprinting (inter-burst gap about 868 ms, window "
        "820-920 ms); issue 14 of this project (850 ms)",
        gap_seconds=0.85),
    EndecProfile(
        "digital", "digital ENDEC (Sage DIGITAL 3644 style)",
        "EASjs generator DIGITAL mode: a 0x00 before the first header and the first EOM "
        "burst, three 0xFF after every burst",
        first_lead=b"\x00", header_tail=b"\xff" * 3, eom_tail=b"\xff" * 3),
)}
"""Every profile by name, the exact rule first."""

DEFAULT_PROFILE = "exact"
"""The profile ``encode`` uses unless told otherwise."""


def get_profile(name: str | EndecProfile) -> EndecProfile:
    """The profile called ``name`` (a profile passes through).

    Raises:
        EncodeError: field ``profile``, an unknown name (the known names are listed).
    """
    if isinstance(name, EndecProfile):
        return name
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        raise EncodeError(f"unknown ENDEC profile; known: {', '.join(PROFILES)}",
                          field="profile", value=name) from None
