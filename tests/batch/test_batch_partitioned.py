"""Cluster runs whose workers write one Parquet part per shard (``--parts-on-workers``)."""

from __future__ import annotations

import pytest

from cccd_biometrics.batch.cluster import check_shard_to_part, run_partitioned, shard_part_name
from cccd_biometrics.batch.results import OutputWriteError, iter_result_rows
from cccd_biometrics.batch.run import iter_batch_rows
from cccd_biometrics.cli import main
from tests.helpers.captures import make_captures, stable

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                       host="127.0.0.1", dashboard_address=None)
    with cluster:
        yield cluster.scheduler_address


def test_parts_on_workers_give_the_local_rows_and_resume_by_shard(tmp_path, scheduler):
    files = [str(p) for p in make_captures(tmp_path / "in", 9, 1)] + [str(tmp_path / "missing.png")]
    local = [r for rows in iter_batch_rows(files, executor="inline") for r in rows]
    out = tmp_path / "r.parquet"
    seen = []
    result = run_partitioned([*files, files[0]], output=out, scheduler=scheduler, shard_size=3, on_rows=seen.extend)
    assert len(files) == 11
    assert result.stats.checked == 11 and result.stats.error == 1  # the repeated path is one input
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 4
    assert stable(iter_result_rows(out)) == stable(local) == stable(seen)

    with pytest.raises(OutputWriteError, match="--resume"):
        run_partitioned(files, output=out, scheduler=scheduler, shard_size=3)
    parts[1].unlink()  # as if the run had been killed before that shard was done
    again = run_partitioned(files, output=out, scheduler=scheduler, shard_size=3, resume=True)
    assert again.stats.checked in (2, 3) and again.stats.skipped == 11 - again.stats.checked
    assert again.previous.checked == 11 - again.stats.checked
    assert sorted(r["path"] for r in iter_result_rows(out)) == sorted(files)


def test_a_shard_checked_twice_leaves_one_part(tmp_path):
    shard = [str(p) for p in make_captures(tmp_path / "in", 2)]
    out = tmp_path / "r.parquet"
    out.mkdir()
    for _ in range(2):  # a retried task, or one still running when its killed client was resumed
        counts = check_shard_to_part(shard, "auto", None, str(out))
    assert counts["ok"] == 2
    assert [p.name for p in out.iterdir()] == [shard_part_name(shard)]
    assert len(list(iter_result_rows(out))) == 2


def test_cli_parts_on_workers(tmp_path, scheduler, capsys):
    make_captures(tmp_path / "in", 3)
    out = tmp_path / "r.parquet"
    assert main(["check", str(tmp_path / "in"), "--parts-on-workers", "-o", str(out)]) == 2
    assert main(["check", str(tmp_path / "in"), "--parts-on-workers", "--scheduler", scheduler,
                 "-o", str(tmp_path / "r.jsonl")]) == 2
    rc = main(["check", str(tmp_path / "in"), "--parts-on-workers", "--scheduler", scheduler, "-o", str(out),
               "--report", str(tmp_path / "r.html")])
    assert rc == 0 and "3 passed" in capsys.readouterr().err
    assert len(list(iter_result_rows(out))) == 3 and "3 captures" in (tmp_path / "r.html").read_text()
