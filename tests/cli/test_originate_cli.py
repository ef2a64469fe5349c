"""``eas-encoder originate``: preview, queue for the monitor, list; a bad form is one line on
stderr, exit 2, and nothing queued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from eas_encoder.cli import main
from eas_encoder.station.log import StationLog

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

TOML = """
[station]
id = "KXYZ/FM"
locations = ["006037"]
database = "station.db"
spool = "relay"

[[source]]
name = "LP1"
audio = "lp1.wav"

[[filter]]
locations = "station"
action = "forward"

[tests]
weekly_rwt = false
timezone = "America/Los_Angeles"
"""


@pytest.fixture
def station(tmp_path: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(TOML)
    return path


def test_preview_queue_and_list(station: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["originate", str(station), "--event", "RWT", "--location", "006037",
            "--user", "alice", "--issued", "2026-11-30T18:00Z"]
    assert main(argv) == 2      # no log yet: the monitor creates it
    assert "run 'eas-encoder monitor' first" in capsys.readouterr().err
    StationLog.open(station.parent / "station.db", now=T0).close()
    assert main([*argv, "--preview"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ZCZC-EAS-RWT-006037+0015-3341800-KXYZ/FM -\n")
    assert "10:00 AM PST on NOV 30, 2026 Effective until 10:15 AM PST" in out
    assert main(argv) == 0
    assert "request 1 queued" in capsys.readouterr().err
    assert main(["originate", str(station), "--list"]) == 0
    listed = capsys.readouterr().out
    assert "alice" in listed and "queued" in listed and "ZCZC-EAS-RWT-006037" in listed


def test_a_bad_form_is_one_line_and_nothing_is_queued(station: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    StationLog.open(station.parent / "station.db", now=T0).close()
    assert main(["originate", str(station), "--event", "EAN", "--location", "006999",
                 "--duration", "0020", "--user", "alice"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for word in ("event:", "national activation", "locations:", "006999", "duration:"):
        assert word in err
    with StationLog.open(station.parent / "station.db", writer=False) as log:
        assert log.origination_requests() == []
