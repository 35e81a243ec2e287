from __future__ import annotations

import json
import subprocess
import sys

import cccd_biometrics as cb
from cccd_biometrics.cli import main


def test_version_matches_package(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert cb.__version__ in capsys.readouterr().out


def test_check_sample_data_jsonl(sample_data, capsys):
    rc = main(["check", str(sample_data), "--recursive", "--format", "jsonl"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc in (0, 1)
    kinds = {r["kind"] for r in rows}
    assert {"fingerprint", "portrait"} <= kinds
    assert all(r["status"] != "error" for r in rows)


def test_missing_path_is_usage_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.png"), "--format", "json"]) == 2


def test_bad_file_is_a_row_and_run_goes_on(sample_data, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("this is not an image")
    good = sample_data / "fingerprints" / "nist_sd4_f0001_01.png"
    rc = main(["check", str(bad), str(good), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert rows[0]["status"] == "error" and rows[0]["error_type"] == "UnsupportedFormatError"
    assert rows[1]["status"] != "error"


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "cccd_biometrics", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "check" in out.stdout


def test_program_exit_code_and_result_file_survive_the_fast_exit(sample_data, tmp_path):
    # the program freezes its objects out of the garbage collector before exiting: the exit code is main's
    # and the result file is complete
    out = tmp_path / "rows.jsonl"
    good = sample_data / "fingerprints" / "nist_sd4_f0001_01.png"
    proc = subprocess.run([sys.executable, "-m", "cccd_biometrics", "check", str(good), str(tmp_path / "nope.png"),
                           "--output", str(out)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and {r["error_type"] for r in rows} == {None, "InputNotFoundError"}
    missing = subprocess.run([sys.executable, "-m", "cccd_biometrics", "check", str(tmp_path / "nope.png")],
                             capture_output=True, text=True)
    assert missing.returncode == 2


def test_a_command_registers_only_itself_and_help_lists_them_all():
    from cccd_biometrics.cli import build_parser

    code = ("import sys\nfrom cccd_biometrics.cli import build_parser\nbuild_parser(['check', 'x.png'])\n"
            "print('cccd_biometrics.bench.run' in sys.modules, 'cccd_biometrics.cli.synth' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    full = build_parser().format_help()
    assert all(name in full for name in ("check", "finger", "face", "bench", "synth"))
    assert "synth" in build_parser(["--version"]).format_help()


def test_main_leaves_the_garbage_collector_on(tmp_path, capsys):
    import contextlib
    import gc

    assert main(["check", str(tmp_path / "nope.png"), "--format", "json"]) == 2
    assert gc.isenabled()
    with contextlib.suppress(SystemExit):
        main(["--version"])
    assert gc.isenabled()


def test_help_loads_no_pipeline():
    # `cccd-bio --help` registers every command: none may pull in numba or OpenCV to do so
    code = ("import sys\nfrom cccd_biometrics.cli import build_parser\nbuild_parser().format_help()\n"
            "print(sorted(m for m in ('numba', 'cv2', 'cccd_biometrics.bench.run') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
