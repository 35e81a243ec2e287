"""What the installation runs on: DNN engine selection, the typed model-load failure, doctor and metadata."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import cv2
import pytest

from cccd_biometrics.errors import CccdBiometricsError, ModelLoadError
from cccd_biometrics.face import detect
from cccd_biometrics.provenance import runtime_versions


def _in_fresh_thread(fn):
    """Networks are cached per thread: a new thread loads them again, through whatever is patched."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed back to the test
            out["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_an_engine_of_this_opencv_is_found_by_looking():
    labels = [label for label, _ in detect._engine_candidates()]
    # every candidate is a name this cv2.dnn really has, or the no-argument loader of OpenCV 4.x
    assert all(label == "default" or hasattr(cv2.dnn, label) for label in labels)
    assert _in_fresh_thread(detect.dnn_engine).engine in labels


def test_an_opencv_that_cannot_run_the_models_fails_once_with_a_typed_error(monkeypatch):
    def refuse(path, engine):
        raise cv2.error("this engine cannot run TFLite models")

    monkeypatch.setattr(detect, "_read_net", refuse)
    with pytest.raises(ModelLoadError) as info:
        _in_fresh_thread(detect.dnn_engine)
    message = str(info.value)
    assert cv2.__version__ in message and "engines tried" in message
    assert isinstance(info.value, CccdBiometricsError)


def test_an_engine_that_hides_outputs_is_not_accepted(monkeypatch):
    class OneOutput:
        def getUnconnectedOutLayersNames(self):  # noqa: N802 - OpenCV's name
            return ("only_the_first",)

    monkeypatch.setattr(detect, "_read_net", lambda path, engine: OneOutput())
    with pytest.raises(ModelLoadError, match="exposes 1 of 2 output tensors"):
        _in_fresh_thread(lambda: detect._load_net(detect.MODEL_FILES[0]))


def test_a_later_engine_is_tried_when_the_first_refuses(monkeypatch):
    real_read, real_candidates = detect._read_net, detect._engine_candidates()
    expected = _in_fresh_thread(detect.dnn_engine).engine
    monkeypatch.setattr(detect, "_engine_candidates", lambda: [("ENGINE_BROKEN", -1), *real_candidates])

    def read(path, engine):
        if engine == -1:
            raise cv2.error("no such engine")
        return real_read(path, engine)

    monkeypatch.setattr(detect, "_read_net", read)
    assert _in_fresh_thread(detect.dnn_engine).engine == expected


def test_the_loader_without_engine_argument_is_refused_where_it_hides_outputs():
    # OpenCV 5.0's default engine exposes only the first output tensor: the selection must skip it there,
    # and wherever it is accepted it must show both outputs (4.x, 5.1)
    with detect._model_path(detect.MODEL_FILES[0]) as path:
        outputs = list(detect._read_net(str(path), None).getUnconnectedOutLayersNames())
    chosen = _in_fresh_thread(detect.dnn_engine).engine
    assert (len(outputs) >= 2) or chosen != "default"


def test_runtime_versions_name_every_result_changing_dependency():
    v = runtime_versions()
    assert v["opencv"] == cv2.__version__
    assert {"numpy", "numba", "Pillow", "wsq"} <= set(v["packages"])
    assert sorted(v["models"]) == sorted(detect.MODEL_FILES)
    assert all(len(d) == 64 for d in v["models"].values())
    json.dumps(v)


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cccd_biometrics", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_version_verbose_and_doctor_print_the_environment():
    short = _cli("--version")
    assert short.returncode == 0 and short.stdout.startswith("cccd-bio ")
    verbose = _cli("--version", "--verbose")
    assert verbose.returncode == 0
    for needle in ("numpy", "numba", "Pillow", "wsq", f"OpenCV DNN       {cv2.__version__}, engine",
                   "face_landmark.tflite sha256"):
        assert needle in verbose.stdout
    doctor = _cli("doctor", "--json")
    assert doctor.returncode == 0
    assert json.loads(doctor.stdout)["dnn_engine"] == verbose.stdout.split("engine ")[1].split()[0]


def test_a_run_with_an_output_records_its_environment_once(tmp_path, sample_data):
    out = tmp_path / "rows.jsonl"
    for extra in ((), ("--resume",)):
        r = _cli("check", str(sample_data / "portraits" / "frl_london_002_neutral.jpg"), "-o", str(out), *extra)
        assert r.returncode in (0, 1), r.stderr
    runs = [json.loads(line) for line in (tmp_path / "rows.jsonl.runs.jsonl").read_text().splitlines()]
    assert [r["resume"] for r in runs] == [False, True]
    assert runs[0]["environment"]["opencv"] == cv2.__version__
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and "environment" not in rows[0]
