"""`grade batch --dask`: a class regraded on a Dask cluster gets the grades a local regrade gives."""
from __future__ import annotations

import pytest

import csv
import os
from pathlib import Path

from grader.batch.warm_slot import slots_started_here
from grader.cli import main as grade_main
from tests.golden.exercise3.buggy import MODULE, MUTANTS
from tests.test_batch import ONE_TEST, _class_folder

distributed = pytest.importorskip("distributed", reason="the optional 'distributed' package (pip install -e '.[dask]')")

KEYWORD = f"{ONE_TEST} or covers"  # a public test each student passes or fails differently, and a second


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each: graded in parallel, off this process."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as local:
        yield local


def test_a_dask_regrade_writes_the_same_grades_csv_as_jobs_1(tmp_path, cluster, capsys):
    folder = _class_folder(tmp_path)  # a copy of the reference, the stub, a syntax error
    (folder / "dave").mkdir()
    next(m for m in MUTANTS if m.name == "forgets_the_short_last_batch").write(MODULE, folder / "dave")
    local, on_dask = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert grade_main(["batch", "exercise3", str(folder), "--jobs", "1", "--out", str(local), "-k", KEYWORD]) == 0
    assert grade_main(["batch", "exercise3", str(folder), "--dask", cluster.scheduler_address,
                       "--out", str(on_dask), "-k", KEYWORD]) == 0
    assert "4 graded" in capsys.readouterr().out
    assert on_dask.read_text() == local.read_text()
    with distributed.Client(cluster) as client:  # 4 students on 2 Dask workers: one warm grader process each
        started = client.run(slots_started_here)
        workers = set(client.run(os.getpid).values())
    assert max(started.values()) == 1, started
    assert not _children_of(workers), "a warm slot outlived its regrade (it would grade the next with old code)"
    rows = {row["student"]: row for row in csv.DictReader(local.read_text().splitlines())}
    assert rows["alice"]["score"] == rows["alice"]["max"] != "0"  # full marks, both tests
    assert rows["bob"]["score"] == rows["carol"]["score"] == "0" != rows["dave"]["score"] != rows["alice"]["score"]


def _children_of(pids: set[int]) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            ppid = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("PPid:"))
            command = (status.parent / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, StopIteration, ValueError):  # gone meanwhile
            continue
        if ppid in pids and "grader.batch.warm_slot" in command:
            children.append(int(status.parent.name))
    return children


def test_no_scheduler_at_the_address_is_a_usage_error(tmp_path, capsys, monkeypatch):
    from grader.batch import dask_executor
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 3)  # nothing will answer: no need to wait 30 s
    folder = _class_folder(tmp_path)
    code = grade_main(["batch", "exercise3", str(folder), "--dask", "tcp://127.0.0.1:9", "--out",
                       str(tmp_path / "g.csv")])
    assert code == 2
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()
