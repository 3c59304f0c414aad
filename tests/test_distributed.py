"""dglab.distributed: torchrun launched from Python, results read back per rank."""

import sys
from pathlib import Path

import pytest

from dglab.distributed import LaunchError, rank_results, save_rank_result, torchrun, torchrun_command

HERE = Path(__file__).parent


def test_two_gloo_processes_agree_on_the_all_reduced_sum(tmp_path):
    launch = torchrun(HERE / "distributed" / "gloo_allreduce.py", nproc=2, result_dir=tmp_path)
    results = rank_results(launch)
    assert [r["rank"] for r in results] == [0, 1]
    assert all(r["world"] == 2 and r["sum"] == [3.0, 3.0, 3.0] for r in results)
    assert launch.seconds > 0 and launch.command[:3] == [sys.executable, "-m", "torch.distributed.run"]


def test_a_failing_script_raises_with_its_traceback(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("raise ValueError('rank exploded')\n")
    with pytest.raises(LaunchError, match="rank exploded"):
        torchrun(script, nproc=1, timeout=60)


def test_missing_script_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no script at"):
        torchrun(tmp_path / "nope.py")


def test_several_machines_need_a_rendezvous_endpoint():
    with pytest.raises(ValueError, match="rendezvous endpoint"):
        torchrun_command("train.py", nnodes=2)
    command = torchrun_command("train.py", "--epochs", "3", nproc=4, nnodes=2, rdzv_endpoint="10.0.0.1:29400")
    assert "--standalone" not in command

    assert "--rdzv-endpoint=10.0.0.1:29400" in command and command[-3:] == ["train.py", "--epochs", "3"]


def test_save_rank_result_outside_torchrun_says_how_to_launch(monkeypatch):
    monkeypatch.delenv("DGLAB_RESULT_DIR", raising=False)
    with pytest.raises(RuntimeError, match="launch this script with dglab.distributed.torchrun"):
        save_rank_result({"x": 1}, rank=0)
