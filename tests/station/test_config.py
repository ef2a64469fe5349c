"""Station TOML configuration: the issue's example loads; each bad key names itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from eas_encoder.errors import ConfigError
from eas_encoder.station.config import load_config, parse_config

ISSUE_EXAMPLE = """
[station]
id = "KXYZ/FM"                       # the L-code used on relays
locations = ["006037", "006059"]     # PSSCCC served
database = "station.db"              # relative to this file
spool = "relay"                      # relay audio is written here
[[source]]
name = "LP1"
audio = "lp1.wav"                    # file, "-" with rate = N, a sound-card name, or a URL
[[source]]
name = "IPAWS"
cap = "http://127.0.0.1:8080/feed"   # feed URL (IPAWS-OPEN or Atom) or a CAP folder
[[filter]]
events = ["*"]                       # or a list of event codes; originators likewise
locations = "station"                # or a list of PSSCCC
action = "forward"                   # forward | manual | log | ignore
"""


def test_issue_example_loads_with_paths_beside_the_file(tmp_path: Path) -> None:
    p = tmp_path / "station.toml"
    p.write_text(ISSUE_EXAMPLE)
    c = load_config(p)
    assert c.station.id == "KXYZ/FM "
    assert c.station.locations == ("006037", "006059")
    assert c.station.database == tmp_path / "station.db"
    assert c.station.spool == tmp_path / "relay"
    assert [s.kind for s in c.sources] == ["audio", "cap"]
    assert c.sources[0].target == str(tmp_path / "lp1.wav")
    assert c.sources[1].target == "http://127.0.0.1:8080/feed"
    f = c.filters[0]
    assert (f.name, f.events, f.locations, f.action) == (
        "filter1", ("*",), ("006037", "006059"), "forward")
    assert c.cap.window == timedelta(seconds=10)
    assert c.relay.header_only == ("RWT",)


def _base() -> dict:
    return {"station": {"id": "KXYZ/FM", "locations": ["006037"]},
            "source": [{"name": "LP1", "audio": "default"}]}


@pytest.mark.parametrize(("patch", "field", "rule"), [
    (lambda d: d["station"].update(id="KXYZ-FM"), "station.id", "'-'"),
    (lambda d: d["station"].update(id="TOOLONGID"), "station.id", "1 to 8"),
    (lambda d: d["station"].update(locations=["06037"]), "station.locations[1]", "six"),
    (lambda d: d["station"].update(locations=[]), "station.locations", "at least one"),
    (lambda d: d.pop("station"), "station", "required"),
    (lambda d: d["station"].update(colour="red"), "station.colour", "not a known key"),
    (lambda d: d["source"][0].update(cap="x"), "source[1]", "exactly one"),
    (lambda d: d["source"][0].update(audio="-"), "source[1].rate", "rate = N"),
    (lambda d: d["source"].append({"name": "LP1", "cap": "d"}), "source[2].name", "unique"),
    (lambda d: d["source"].append({"name": "F", "cap": "https://x.gov/f", "poll": 30}),
     "source[2].poll", "120"),
    (lambda d: d.update(filter=[{"action": "relay"}]), "filter[1].action", "forward, manual"),
    (lambda d: d.update(filter=[{"events": ["TOR", "XX"]}]), "filter[1].events[2]", "three"),
    (lambda d: d.update(filter=[{"events": ["QQQ"]}]), "filter[1].events[1]", "known event"),
    (lambda d: d.update(filter=[{"originators": ["BOB"]}]), "filter[1].originators[1]",
     "originator"),
    (lambda d: d.update(filter=[{"sources": ["LP9"]}]), "filter[1].sources[1]", "no [[source]]"),
    (lambda d: d.update(filter=[{"locations": ["003000"]}]), "filter[1].locations[1]", "SS=03"),
    (lambda d: d.update(filter=[{"action": "forward", "timeout": 5}]), "filter[1].timeout",
     "manual"),
    (lambda d: d.update(filter=[{"action": "manual", "on_timeout": "hold"}]),
     "filter[1].on_timeout", "forward, log"),
    (lambda d: d.update(cap={"window": 5}), "cap.window", "10 to"),
    (lambda d: d.update(relay={"record_seconds": 60}), "relay.record_seconds", "120"),
    (lambda d: d.update(relay={"attention_seconds": 30}), "relay.attention_seconds", "8 to 25"),
    (lambda d: d.update(tests={"hours": [20, 8]}), "tests.hours", "start < end"),
    (lambda d: d.update(tests={"timezone": "Mars/Base"}), "tests.timezone", "IANA"),
    (lambda d: d.update(tests={"seed": True}), "tests.seed", "int"),
    (lambda d: d.update(extra=1), "extra", "not a known key"),
])
def test_each_bad_key_is_named_with_its_rule(patch, field: str, rule: str) -> None:
    d = _base()
    patch(d)
    with pytest.raises(ConfigError) as err:
        parse_config(d, "/etc/eas/station.toml")
    assert err.value.field == field
    assert rule in str(err.value)


def test_sound_card_name_is_not_a_path_but_a_file_is() -> None:
    d = _base()
    d["source"].append({"name": "LP2", "audio": "lp2.flac"})
    c = parse_config(d, "/etc/eas/station.toml")
    assert c.sources[0].target == "default"
    assert c.sources[1].target == "/etc/eas/lp2.flac"


def test_bad_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text("[station\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "none.toml")


def test_outputs_and_shell_source_keys() -> None:
    d = _base()
    d["source"][0].update(start="2026-11-24T15:00:00Z", input="card", silence_dbfs=-45,
                          silence_seconds=30)
    d["output"] = [{"kind": "command", "target": "logger -t eas", "on": ["relay"]},
                   {"name": "hook", "kind": "webhook", "target": "http://127.0.0.1:9/h",
                    "timeout": 2, "retries": 0},
                   {"kind": "card"}]
    c = parse_config(d, "/etc/eas/station.toml")
    assert c.sources[0].extra["input"] == "card"
    assert c.station.recordings == Path("/etc/eas/recordings")
    assert [(o.name, o.kind, o.on) for o in c.outputs] == [
        ("output1", "command", ("relay",)), ("hook", "webhook", ("*",)),
        ("output3", "card", ("*",))]
    assert c.outputs[1].timeout == timedelta(seconds=2) and c.outputs[2].target == ""


@pytest.mark.parametrize(("output", "field", "rule"), [
    ({"kind": "pager", "target": "x"}, "output[1].kind", "command, webhook"),
    ({"kind": "command"}, "output[1].target", "required"),
    ({"kind": "webhook", "target": "ftp://x"}, "output[1].target", "http"),
    ({"kind": "command", "target": "x", "on": ["boom"]}, "output[1].on[1]", "relay-failed"),
    ({"kind": "card", "on": ["relay"]}, "output[1].on", "only applies"),
    ({"kind": "command", "target": "x", "retries": 11}, "output[1].retries", "0 to 10"),
    ({"kind": "command", "target": "x", "timeout": 0}, "output[1].timeout", "seconds"),
])
def test_bad_outputs_are_named(output: dict, field: str, rule: str) -> None:
    d = _base()
    d["output"] = [output]
    with pytest.raises(ConfigError) as err:
        parse_config(d, "/etc/eas/station.toml")
    assert err.value.field == field and rule in str(err.value)


def test_shell_source_key_types_are_checked() -> None:
    d = _base()
    d["source"][0]["silence_dbfs"] = "loud"
    with pytest.raises(ConfigError) as err:
        parse_config(d, "/etc/eas/station.toml")
    assert err.value.field == "source[1].silence_dbfs"
