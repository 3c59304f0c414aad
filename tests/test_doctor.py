"""`dglab doctor` reports each feature in one line, with a fix for what is missing."""

from __future__ import annotations

import pytest
from course_cli import run_dglab

from dglab import doctor


def test_report_lines() -> None:
    findings = doctor.diagnose()
    assert [f.name for f in findings] == ["torch", "device", "graphviz", "torch.compile", "widgets"]
    text = doctor.report(findings)
    assert len(text.splitlines()) <= 12


def test_missing_graphviz_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    finding = doctor._graphviz()
    assert not finding.ok and "apt-get install graphviz" in finding.fix
    assert "to fix: apt-get install graphviz" in doctor.report([finding])


def test_cli_runs() -> None:
    result = run_dglab("doctor")
    assert result.returncode == 0 and "[ok] torch" in result.stdout
