"""WEA warning area coordinates (WAC): the geo-targeting area after a UMTS-format message
(ATIS-0700041, WEA 3.0 device-based geo-fencing).

Sources and what is not confirmed: ATIS-0700041 itself was not available to this project. The
encoding below is the one handsets decode, taken as facts from the public AOSP
CellBroadcastService decoder (``GsmSmsCbMessage.parseWarningAreaCoordinates``, which cites
ATIS-0700041 §5.2.4 and §5.2.5) and checked against the UMTS CMAS message with coordinates in
its test suite (``GsmSmsCbMessageTest.testCreateMessageFromBinary``), which
``tests/cbs/test_wac.py`` decodes and rebuilds byte for byte. Unconfirmed against the standard,
and so stated in the tests: that the 2-octet WAC length is little-endian (the decoder reads it
so and the vector agrees), the meaning of maximum wait time 255 ("use the device default"), and
any element type other than the three below.

Layout, after the last ``CBS-Message-Information-Length`` of the UMTS format::

    WAC length (2 octets, little-endian): octets of elements that follow
    element*: type (4 bits) | length (10 bits, octets including this 2-octet header) |
              spare (2 bits) | value
      type 1, maximum wait time: 8 bits, seconds
      type 2, polygon: n x (latitude 22 bits, longitude 22 bits), padded to an octet
      type 3, circle: centre (22 + 22 bits), radius (20 bits, units of 1/64 km)

    latitude code  = floor((lat + 90) / 180 * 2**22)
    longitude code = floor((lon + 180) / 360 * 2**22)

The top edge (latitude 90, longitude 180) would be 2**22 and is written as 2**22 - 1. CAP
polygons repeat their first vertex at the end; the closing vertex is left out (a polygon is a
ring). Radii are rounded up to the next 1/64 km so that nobody at the edge is left outside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CbsError

if TYPE_CHECKING:
    from ..cap.model import Info

__all__ = [
    "Polygon",
    "Circle",
    "WarningArea",
    "warning_area_from_cap",
    "warning_area_from_shapes",
    "MAX_POLYGON_VERTICES",
    "MAX_RADIUS_KM",
]

SPEC = "ATIS-0700041 §5.2 (as decoded by AOSP CellBroadcastService)"
TYPE_MAXIMUM_WAIT_TIME = 1
TYPE_POLYGON = 2
TYPE_CIRCLE = 3
_COORD_BITS = 22
_RADIUS_BITS = 20
_RADIUS_UNITS_PER_KM = 64
_MAX_ELEMENT_OCTETS = (1 << 10) - 1
MAX_POLYGON_VERTICES = (_MAX_ELEMENT_OCTETS - 2) * 8 // (2 * _COORD_BITS)
"""185: the 10-bit element length limits a polygon to this many vertices."""
MAX_RADIUS_KM = ((1 << _RADIUS_BITS) - 1) / _RADIUS_UNITS_PER_KM
"""16383.98 km, the largest 20-bit radius."""


def _check_point(lat: float, lon: float, where: str) -> tuple[float, float]:
    for name, value, top in (("latitude", lat, 90), ("longitude", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not -top <= value <= top or math.isnan(value):
            raise CbsError(f"must be -{top}..{top} degrees", field=f"{where} {name}",
                           value=value, spec=SPEC)
    return float(lat), float(lon)


def _code(value: float, low: float, span: float) -> int:
    return min(int(math.floor((value - low) / span * (1 << _COORD_BITS))),
               (1 << _COORD_BITS) - 1)


def _encode_point(lat: float, lon: float) -> int:
    return (_code(lat, -90, 180) << _COORD_BITS) | _code(lon, -180, 360)


def _decode_point(bits: int) -> tuple[float, float]:
    lat = (bits >> _COORD_BITS) * 180 / (1 << _COORD_BITS) - 90
    lon = (bits & ((1 << _COORD_BITS) - 1)) * 360 / (1 << _COORD_BITS) - 180
    return lat, lon


@dataclass(frozen=True)
class Polygon:
    """A polygon ring of (latitude, longitude) vertices in degrees WGS 84, 3 to 185 of them.

    Raises:
        CbsError: fewer than 3 or more than 185 vertices, or a coordinate out of range,
            naming the vertex.
    """

    vertices: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        pts = tuple(_check_point(lat, lon, f"polygon vertex {n}")
                    for n, (lat, lon) in enumerate(self.vertices, 1))
        if not 3 <= len(pts) <= MAX_POLYGON_VERTICES:
            raise CbsError(f"must have 3 to {MAX_POLYGON_VERTICES} vertices",
                           field="polygon", value=len(pts), spec=SPEC)
        object.__setattr__(self, "vertices", pts)

    def _value(self) -> bytes:
        bits = 0
        for lat, lon in self.vertices:
            bits = (bits << 2 * _COORD_BITS) | _encode_point(lat, lon)
        nbits = 2 * _COORD_BITS * len(self.vertices)
        octets = (nbits + 7) // 8
        return (bits << (octets * 8 - nbits)).to_bytes(octets, "big")

    def describe(self) -> str:
        """``"polygon 37.41463,-122.08094 ..."`` with 5 decimals."""
        return "polygon " + " ".join(f"{lat:.5f},{lon:.5f}" for lat, lon in self.vertices)


@dataclass(frozen=True)
class Circle:
    """A circle: centre (latitude, longitude) in degrees and radius in km (0-16383.98).

    Raises:
        CbsError: a coordinate or radius out of range, naming it.
    """

    latitude: float
    longitude: float
    radius_km: float

    def __post_init__(self) -> None:
        _check_point(self.latitude, self.longitude, "circle centre")
        r = self.radius_km
        if isinstance(r, bool) or not isinstance(r, int | float) or math.isnan(r) \
                or not 0 <= r <= MAX_RADIUS_KM:
            raise CbsError(f"must be 0-{MAX_RADIUS_KM:.2f} km", field="circle radius",
                           value=r, spec=SPEC)

    def _value(self) -> bytes:
        radius = min(math.ceil(self.radius_km * _RADIUS_UNITS_PER_KM - 1e-9),
                     (1 << _RADIUS_BITS) - 1)
        bits = (_encode_point(self.latitude, self.longitude) << _RADIUS_BITS) | radius
        return bits.to_bytes(8, "big")

    def describe(self) -> str:
        """``"circle 37.41463,-122.08094 radius 1.547 km"``."""
        return (f"circle {self.latitude:.5f},{self.longitude:.5f} radius "
                f"{self.radius_km:.3f} km")


def _element(kind: int, value: bytes) -> bytes:
    length = 2 + len(value)
    return ((kind << 12) | (length << 2)).to_bytes(2, "big") + value


@dataclass(frozen=True)
class WarningArea:
    """The geo-fencing area of a WEA message and the handset's maximum wait time.

    Attributes:
        geometries: polygons and circles, in order; the area is their union.
        maximum_wait_time: seconds a handset may wait for a location fix (0-255), or
            ``None`` to leave the element out.

    Raises:
        CbsError: no geometry, a wait time outside 0-255, or more than 65535 octets.
    """

    geometries: tuple[Polygon | Circle, ...]
    maximum_wait_time: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "geometries", tuple(self.geometries))
        if not self.geometries:
            raise CbsError("needs at least one polygon or circle", field="warning area",
                           spec=SPEC)
        wait = self.maximum_wait_time
        if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int)
                                 or not 0 <= wait <= 255):
            raise CbsError("must be 0-255 seconds", field="maximum wait time", value=wait,
                           spec=SPEC)
        if len(self.to_bytes()) - 2 > 0xFFFF:
            raise CbsError("needs more than 65535 octets", field="warning area", spec=SPEC)

    def to_bytes(self) -> bytes:
        """The WAC: 2-octet little-endian length, then the elements."""
        body = b"".join(_element(TYPE_POLYGON if isinstance(g, Polygon) else TYPE_CIRCLE,
                                 g._value()) for g in self.geometries)
        if self.maximum_wait_time is not None:
            body += _element(TYPE_MAXIMUM_WAIT_TIME, bytes([self.maximum_wait_time]))
        return len(body).to_bytes(2, "little") + body

    @classmethod
    def from_bytes(cls, data: bytes, offset: int = 0) -> WarningArea:
        """Decode a WAC; ``offset`` is the PDU position of ``data[0]`` for error positions.
        The work is bounded by the length of ``data``: every element advances at least 2
        octets.

        Raises:
            CbsError: a length beyond the data, an element too short for its type or shorter
                than its header, or an unknown element type, naming the octet.
        """
        if len(data) < 2:
            raise CbsError("needs 2 octets of length", field="warning area coordinates",
                           position=offset + len(data), spec=SPEC)
        total = int.from_bytes(data[:2], "little")
        if 2 + total > len(data):
            raise CbsError(f"length {total} runs past the {len(data) - 2} octets that follow",
                           field="warning area coordinates", value=total, position=offset,
                           spec=SPEC)
        if 2 + total < len(data):
            raise CbsError(f"{len(data) - 2 - total} octets follow the coordinates",
                           field="warning area coordinates", position=offset + 2 + total,
                           spec=SPEC)
        pos, end = 2, 2 + total
        geometries: list[Polygon | Circle] = []
        wait = None
        while pos < end:
            if end - pos < 2:
                raise CbsError("element header cut short", field="warning area element",
                               position=offset + pos, spec=SPEC)
            head = int.from_bytes(data[pos:pos + 2], "big")
            kind, length = head >> 12, (head >> 2) & 0x3FF
            need = {TYPE_MAXIMUM_WAIT_TIME: 3, TYPE_POLYGON: 2 + 17, TYPE_CIRCLE: 10}.get(kind)
            if need is None:
                raise CbsError("type must be 1 (maximum wait time), 2 (polygon) or 3 (circle)",
                               field="warning area element", value=kind,
                               position=offset + pos, spec=SPEC)
            if length < need or pos + length > end:
                raise CbsError(f"length {length} does not fit its type ({need} or more "
                               f"octets, within the {end - pos} left)",
                               field="warning area element", value=length,
                               position=offset + pos, spec=SPEC)
            value = data[pos + 2:pos + length]
            bits = int.from_bytes(value, "big")
            nbits = 8 * len(value)
            if kind == TYPE_MAXIMUM_WAIT_TIME:
                wait = value[0]
            elif kind == TYPE_CIRCLE:
                top = bits >> (nbits - 64)
                lat, lon = _decode_point(top >> _RADIUS_BITS)
                geometries.append(Circle(lat, lon, (top & ((1 << _RADIUS_BITS) - 1))
                                         / _RADIUS_UNITS_PER_KM))
            else:
                n = nbits // (2 * _COORD_BITS)
                shift = nbits - 2 * _COORD_BITS * n
                pts = [_decode_point((bits >> (shift + 2 * _COORD_BITS * (n - 1 - i)))
                                     & ((1 << 2 * _COORD_BITS) - 1)) for i in range(n)]
                geometries.append(Polygon(tuple(pts)))
            pos += length
        if not geometries:
            raise CbsError("holds no polygon or circle", field="warning area coordinates",
                           position=offset, spec=SPEC)
        return cls(tuple(geometries), wait)

    def describe(self) -> list[str]:
        """One line per geometry, then the wait time if present."""
        out = [g.describe() for g in self.geometries]
        if self.maximum_wait_time is not None:
            out.append(f"maximum wait time {self.maximum_wait_time} s")
        return out


def warning_area_from_cap(infos: Iterable[Info], *,
                          maximum_wait_time: int | None = None) -> WarningArea:
    """The warning area of CAP ``info`` blocks: every ``area/polygon`` and ``area/circle``
    (CAP 1.2 §3.2.4), in document order, the closing vertex of each polygon left out.

    Args:
        infos: :class:`eas_encoder.cap.model.Info` objects (or anything with ``areas`` whose
            items have ``polygons`` and ``circles`` as CAP text).
        maximum_wait_time: seconds, 0-255, or ``None``.

    Raises:
        CbsError: no polygon or circle, or one that does not parse or is out of range, with
            the field named as its CAP path (``info[1]/area[2]/polygon[1]``).
    """
    shapes: list[tuple[str, str, str]] = []
    for i, info in enumerate(infos, 1):
        for a, area in enumerate(info.areas, 1):
            shapes += [("polygon", f"info[{i}]/area[{a}]/polygon[{p}]", text)
                       for p, text in enumerate(area.polygons, 1)]
            shapes += [("circle", f"info[{i}]/area[{a}]/circle[{c}]", text)
                       for c, text in enumerate(area.circles, 1)]
    return warning_area_from_shapes(shapes, maximum_wait_time=maximum_wait_time)


def warning_area_from_shapes(shapes: Iterable[tuple[str, str, str]], *,
                             maximum_wait_time: int | None = None) -> WarningArea:
    """The warning area of CAP polygon and circle texts.

    Args:
        shapes: ``(kind, where, text)`` with kind ``"polygon"`` or ``"circle"``, ``where`` the
            name used in errors, ``text`` the CAP element text.
        maximum_wait_time: seconds, 0-255, or ``None``.

    Raises:
        CbsError: no shape, or a shape that does not parse or is out of range, naming it.
    """
    from ..cap.rules import parse_circle, parse_polygon

    geometries: list[Polygon | Circle] = []
    for kind, where, text in shapes:
        try:
            if kind == "polygon":
                geometries.append(Polygon(tuple(parse_polygon(text)[:-1])))
            else:
                lat, lon, radius = parse_circle(text)
                geometries.append(Circle(lat, lon, radius))
        except ValueError as exc:
            raise CbsError(str(exc), field=where, value=_clip(text),
                           spec="CAP 1.2 §3.2.4") from None
        except CbsError as exc:
            raise CbsError(exc.rule, field=f"{where} {exc.field}", value=exc.value,
                           spec=SPEC) from None
    if not geometries:
        raise CbsError("has no polygon or circle to geo-target", field="area",
                       spec="CAP 1.2 §3.2.4")
    return WarningArea(tuple(geometries), maximum_wait_time)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "..."
