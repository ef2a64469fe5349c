"""The one atomic writer (issue 10 item 7): every file the tool writes goes through it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from eas_encoder import fileio
from eas_encoder.cli import main
from eas_encoder.errors import AudioError, CapError, EasError
from eas_encoder.fileio import open_output, write_output

HEADER = "ZCZC-WXR-RWT-020103+0015-3650000-KEAX/NWS-"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_writes_and_replaces(tmp_path: Path) -> None:
    out = tmp_path / "a.bin"
    write_output(out, b"one")
    write_output(out, b"two")
    assert out.read_bytes() == b"two"
    assert _leftovers(tmp_path) == []


def test_failure_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    out = tmp_path / "alert.xml"
    out.write_bytes(b"<old/>")
    with pytest.raises(CapError) as info, \
            open_output(out, error=CapError) as fh:
        fh.write(b"<new>half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert out.read_bytes() == b"<old/>"
    assert _leftovers(tmp_path) == []
    assert str(out) in str(info.value) and "No space left" in str(info.value)
    assert "\n" not in str(info.value)


def test_any_exception_mid_write_removes_the_temporary(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    out.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), open_output(out) as fh:
        fh.write(b"partial")
        raise KeyboardInterrupt
    assert out.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_failed_fsync_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """The disk filling up at flush time (delayed allocation) is the same as mid-write."""
    out = tmp_path / "a.wav"
    out.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    with pytest.raises(AudioError, match="No space left"):
        write_output(out, b"new" * 1000, error=AudioError)
    assert out.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_symlink_at_destination_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    link = tmp_path / "out.xml"
    link.symlink_to(victim)
    write_output(link, b"<alert/>")
    assert victim.read_bytes() == b"precious"
    assert not link.is_symlink() and link.read_bytes() == b"<alert/>"


def test_dangling_symlink_is_replaced(tmp_path: Path) -> None:
    link = tmp_path / "out.wav"
    link.symlink_to(tmp_path / "elsewhere" / "target.wav")
    write_output(link, b"x")
    assert not link.is_symlink() and link.read_bytes() == b"x"
    assert not (tmp_path / "elsewhere").exists()


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "key-adjacent.xml"
    out.write_bytes(b"old")
    out.chmod(0o600)
    write_output(out, b"new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "player"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_output(fifo, b"samples")
        assert os.read(reader, 100) == b"samples"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_device_full_is_one_line_naming_it() -> None:
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full character device here")
    with pytest.raises(EasError) as info:
        write_output("/dev/full", b"x" * 100000)
    assert "/dev/full" in str(info.value) and "No space left" in str(info.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_directory_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(EasError, match="is a directory"):
        write_output(tmp_path, b"x")
    with pytest.raises(EasError, match="does not exist"):
        write_output(tmp_path / "nope" / "a.wav", b"x")


def test_proc_file_is_not_reported_as_missing() -> None:
    """``-o /proc/version``: the file exists; the reason must not read 'No such file'."""
    if not os.path.isfile("/proc/version"):
        pytest.skip("no /proc/version on this system")
    with pytest.raises(EasError) as info:
        write_output("/proc/version", b"x")
    text = str(info.value)
    assert "/proc/version" in text and "No such file" not in text


def test_read_only_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "a.xml").write_bytes(b"old")
    ro.chmod(0o500)
    try:
        with pytest.raises(EasError, match="permission denied"):
            write_output(ro / "a.xml", b"new")
        assert (ro / "a.xml").read_bytes() == b"old"
    finally:
        ro.chmod(0o700)


def test_stdout(capfdbinary: pytest.CaptureFixture) -> None:
    write_output("-", b"to stdout")
    assert capfdbinary.readouterr().out == b"to stdout"


# --- every command that writes a file goes through it ---------------------------------------

def test_cap_from_same_replaces_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "alert.xml"
    out.symlink_to(victim)
    assert main(["cap", "from-same", HEADER, "--reference", "2026-01-10T00:00:00Z",
                 "-o", str(out)]) == 0
    assert victim.read_bytes() == b"precious"
    assert not out.is_symlink() and b"<alert" in out.read_bytes()


def test_cap_sign_failure_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("signxml")
    from tests.cap.conftest import make_identity

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    pems = make_identity("test originator")
    key.write_bytes(pems[0])
    cert.write_bytes(pems[1])
    alert = tmp_path / "alert.xml"
    assert main(["cap", "from-same", HEADER, "--reference", "2026-01-10T00:00:00Z",
                 "-o", str(alert)]) == 0
    out = tmp_path / "signed.xml"
    out.write_bytes(b"<previous/>")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    assert main(["cap", "sign", str(alert), "--key", str(key), "--cert", str(cert),
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "No space left" in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b"<previous/>"
    assert _leftovers(tmp_path) == []


def test_encode_to_symlink_and_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "a.wav"
    out.symlink_to(victim)
    assert main(["encode", "--attention", "none", "-o", str(out)]) == 0
    assert victim.read_bytes() == b"precious" and out.read_bytes()[:4] == b"RIFF"
    good = out.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    assert main(["encode", "--attention", "none", "--event", "RMT", "-o", str(out)]) == 2
    assert out.read_bytes() == good
    assert _leftovers(tmp_path) == []


def test_check_plot_goes_through_the_writer(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from eas_encoder.audio import write_audio
    from eas_encoder.same.header import Header
    from eas_encoder.same.transmission import encode_transmission

    tx = encode_transmission(Header.parse(HEADER), fs=8000, attention="none")
    wav = tmp_path / "a.wav"
    write_audio(wav, tx.samples, tx.fs)
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    png = tmp_path / "t.png"
    png.symlink_to(victim)
    main(["check", str(wav), "--plot", str(png)])
    assert victim.read_bytes() == b"precious"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _leftovers(tmp_path) == []


def test_write_audio_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        from eas_encoder.audio import write_audio
        write_audio(tmp_path / "missing" / "a.wav", np.zeros(8, np.float32), 8000)


def test_read_only_file_system_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    out = tmp_path / "a.xml"
    out.write_bytes(b"old")
    real_open = os.open

    def read_only(path, flags, *args):  # noqa: ANN001, ANN202 - os.open's signature
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args)

    monkeypatch.setattr(fileio.os, "open", read_only)
    with pytest.raises(CapError) as info:
        write_output(out, b"new", error=CapError)
    assert str(info.value) == (f"output {str(out)!r}: cannot be written "
                               f"({os.strerror(errno.EROFS)})")
    assert out.read_bytes() == b"old"
