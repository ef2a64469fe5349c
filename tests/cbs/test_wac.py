"""WEA warning area coordinates after a UMTS-format message (ATIS-0700041 as handsets read it)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eas_encoder.cbs.pdu import CbsMessage, SerialNumber, decode, decode_umts
from eas_encoder.cbs.wac import Circle, Polygon, WarningArea, warning_area_from_cap
from eas_encoder.cli import main
from eas_encoder.errors import CbsError

# Golden vector: a UMTS CMAS message (4371, serial 3946, English) followed by its warning area
# coordinates, from AOSP CellBroadcastService,
# msft-mirror-aosp/platform.packages.modules.CellBroadcastService @ e1587094c8a8,
# tests/src/com/android/cellbroadcastservice/tests/GsmSmsCbMessageTest.java,
# testCreateMessageFromBinary. The source asserts the text, serial number, identifier, "en",
# and 15 x (circle 37.41462707519531,-122.08093643188477 radius 1546.875 m; triangle
# 11.109967231750488,22.219934463500977 / 33.32998752593994,44.43995475769043 /
# 55.549964904785156,-56.560020446777344).
AOSP_UMTS_WITH_WAC = bytes.fromhex(
    "0111130F6A0101C8329BFD06559BD429E8FE96B3C92C101D9D9E83D27350B22E1C7EAFF234BDFCAD"
    "B962AE9A6BCE06A1DCE57B0AD40241C3E73208147B81622E00000000000000000000000000000000"
    "00000000000000000039EA013028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E"
    "40100C053028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B536"
    "40A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C"
    "8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C8FCD063F341AF671"
    "67E683CF01215F1E40100C053028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E"
    "40100C053028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B536"
    "40A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C"
    "8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C8FCD063F341AF671"
    "67E683CF01215F1E40100C053028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E"
    "40100C053028B53640A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B536"
    "40A4BF600063204C8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C"
    "8FCD063F341AF67167E683CF01215F1E40100C053028B53640A4BF600063204C8FCD063F341AF671"
    "67E683CF01215F1E40100C053028B53640A4BF600063")
UNVERIFIED = ("ATIS-0700041 not read: little-endian WAC length and element types 1-3 are as "
              "AOSP decodes them and as its vector shows")


def test_aosp_umts_message_with_coordinates_decodes_with_the_area():
    msg = decode(AOSP_UMTS_WITH_WAC, strict=True)
    assert msg.text == "Hello UMTS world, this is IuBC§Write§5.1.5.sl (new) - Page  1/ 1."
    assert (msg.message_identifier, msg.serial_number.raw, msg.language) == (4371, 3946, "en")
    area = msg.warning_area
    # The source checks 15 (circle, triangle) pairs; the data ends with a 16th circle.
    assert area is not None and len(area.geometries) == 31
    for i in range(15):
        circle, triangle = area.geometries[2 * i], area.geometries[2 * i + 1]
        assert (circle.latitude, circle.longitude) == (37.41462707519531, -122.08093643188477)
        assert circle.radius_km * 1000 == 1546.875
        assert triangle.vertices == ((11.109967231750488, 22.219934463500977),
                                     (33.32998752593994, 44.43995475769043),
                                     (55.549964904785156, -56.560020446777344))
    assert area.maximum_wait_time == 5, UNVERIFIED


def test_aosp_vector_rebuilds_byte_for_byte():
    msg = decode(AOSP_UMTS_WITH_WAC)
    ours = msg.to_umts_pdu()
    # Header and length octet agree; the source pads its page with 0x00 octets where this
    # library writes CR septets (TS 23.038 §6.1.2.3.1), so the padding differs.
    assert ours[:7] == AOSP_UMTS_WITH_WAC[:7] and ours[89] == AOSP_UMTS_WITH_WAC[89] == 57
    # The vector repeats (circle, triangle, wait time); one such unit, rebuilt from the
    # decoded values, matches its octets exactly.
    unit = WarningArea(msg.warning_area.geometries[:2], 5).to_bytes()
    assert unit == bytes.fromhex("2000" "3028B53640A4BF600063" "204C8FCD063F341AF67167E683CF"
                                 "01215F1E40" "100C05"), UNVERIFIED
    assert AOSP_UMTS_WITH_WAC[92:92 + 32] == unit[2:]
    again = decode(msg.to_umts_pdu(), strict=True)
    assert again.warning_area.geometries == msg.warning_area.geometries


def _alert(polygons=(), circles=()):
    from eas_encoder.cap.model import Area

    class Info:
        areas = (Area("Test area", tuple(polygons), tuple(circles)),)
    return [Info()]


def test_area_from_cap_polygon_and_circle_round_trips():
    infos = _alert(["38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14"],
                   ["32.9525,-115.5527 0.5"])
    area = warning_area_from_cap(infos, maximum_wait_time=30)
    assert len(area.geometries[0].vertices) == 4  # closing vertex left out
    msg = CbsMessage.from_text("Evacuate now.", 4371, serial_number=SerialNumber(1, 1, 0))
    msg = CbsMessage(msg.message_identifier, msg.serial_number, msg.dcs, msg.pages,
                     msg.language, warning_area=area)
    back = decode_umts(msg.to_umts_pdu(), strict=True)
    assert back.text == "Evacuate now." and back.warning_area.maximum_wait_time == 30
    for got, want in zip(back.warning_area.geometries[0].vertices,
                         area.geometries[0].vertices, strict=True):
        assert abs(got[0] - want[0]) < 180 / 2**22 and abs(got[1] - want[1]) < 360 / 2**22
    circle = back.warning_area.geometries[1]
    assert 0.5 <= circle.radius_km < 0.5 + 1 / 64


@pytest.mark.parametrize("polygon,circle,field", [
    (["91,0 1,1 2,2 91,0"], [], "info[1]/area[1]/polygon[1]"),
    ([], ["10,181 5"], "info[1]/area[1]/circle[1]"),
    ([], ["10,10 20000"], "info[1]/area[1]/circle[1] circle radius"),
])
def test_out_of_range_coordinates_are_refused_naming_the_field(polygon, circle, field):
    with pytest.raises(CbsError) as err:
        warning_area_from_cap(_alert(polygon, circle))
    assert err.value.field == field


def test_api_range_checks_name_the_field():
    with pytest.raises(CbsError) as err:
        Polygon(((0, 0), (1, 1), (95, 2)))
    assert err.value.field == "polygon vertex 3 latitude"
    with pytest.raises(CbsError) as err:
        Circle(0, -180.5, 1)
    assert err.value.field == "circle centre longitude"
    with pytest.raises(CbsError, match="no polygon or circle"):
        warning_area_from_cap(_alert())
    with pytest.raises(CbsError):
        WarningArea((Circle(0, 0, 1),), maximum_wait_time=256)


def test_hostile_coordinates_are_refused_or_read_without_area():
    good = CbsMessage.from_text("x", 4370).to_umts_pdu()
    zero_length_element = good + b"\x02\x00" + b"\x30\x00"  # type 3, length 0: no progress
    with pytest.raises(CbsError) as err:
        decode(zero_length_element, strict=True)
    assert err.value.position == 90 + 2
    lenient = decode(zero_length_element)
    assert lenient.warning_area is None
    assert [d.id for d in lenient.deviations] == ["warning-area-unreadable"]
    past_end = good + b"\xff\xff" + b"\x00" * 4
    with pytest.raises(CbsError, match="runs past"):
        decode(past_end, strict=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-90, 90), st.floats(-180, 180)), min_size=3, max_size=40),
       st.floats(0, 1000))
def test_coordinates_round_trip_within_one_step(vertices, radius):
    area = WarningArea((Polygon(tuple(vertices)), Circle(*vertices[0], radius)))
    back = WarningArea.from_bytes(area.to_bytes())
    for (la, lo), (lb, lob) in zip(back.geometries[0].vertices, vertices, strict=True):
        assert -180 / 2**22 <= la - lb <= 1e-9 and -360 / 2**22 <= lo - lob <= 1e-9
    assert radius - 1e-9 <= back.geometries[1].radius_km <= radius + 1 / 64


def test_cli_decode_reports_the_area(capsys):
    assert main(["cbs", "decode", AOSP_UMTS_WITH_WAC.hex()]) == 0
    out = capsys.readouterr().out
    assert "warning area: circle 37.41463,-122.08094 radius 1.547 km" in out
    assert main(["cbs", "decode", "--json", AOSP_UMTS_WITH_WAC.hex()]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warning_area"]["geometries"][0] == {
        "circle": [37.41462707519531, -122.08093643188477], "radius_km": 1.546875}
    assert data["warning_area"]["maximum_wait_time"] == 5


def test_wea_from_cap_appends_the_polygon_to_the_umts_message(capsys):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "samples" / "cap_amber_ipaws.xml"
    assert main(["wea", str(sample), "--format", "umts", "--geo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (broadcast,) = out["broadcasts"]
    msg = decode(bytes.fromhex(broadcast["pdus"][0]), strict=True)
    assert msg.message_identifier == 4379 and msg.text.startswith("AMBER Alert: Pasadena")
    (polygon,) = msg.warning_area.geometries
    assert len(polygon.vertices) == 4
    for got, want in zip(polygon.vertices, [(34.82, -118.88), (34.82, -117.65),
                                            (33.70, -117.65), (33.70, -118.88)], strict=True):
        assert abs(got[0] - want[0]) < 1e-4 and abs(got[1] - want[1]) < 1e-4
    assert main(["wea", str(sample), "--geo"]) == 2
    assert "UMTS" in capsys.readouterr().err
