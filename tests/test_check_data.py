"""scripts/check_data.py (make check-data) recomputes cached records and catches a change."""

import importlib.util
import json
from pathlib import Path

import deflation as dfl
from deflation.experiments import ch6

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_data.py"


def _load():
    spec = importlib.util.spec_from_file_location("check_data", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_check_data_passes_then_catches_a_changed_record(tmp_path, capsys):
    check = _load()
    cfg = [{"d": 4, "m": 5, "weights": [1.0, 0.5], "init_scale": 1e-3, "t_end": 15.0,
            "record": 20}]
    dfl.sweep(ch6.run_fit_times, cfg, seeds=[0, 1], cache_dir=tmp_path / "ch6" / "scale")
    assert check.main(["--data", str(tmp_path)]) == 0
    assert "0 differences" in capsys.readouterr().out
    for path in (tmp_path / "ch6" / "scale").glob("*.json"):
        rec = json.loads(path.read_text())
        rec["result"]["final_fit"] *= 1.001
        path.write_text(json.dumps(rec))
    assert check.main(["--data", str(tmp_path)]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    (tmp_path / "ch6" / "old.json").write_text(json.dumps({"fit_times": [1.0]}))
    assert check.main(["--data", str(tmp_path)]) == 1
    assert "old format" in capsys.readouterr().out
