import pandas as pd

from shared import bench, report


def test_format_value():
    assert report.format_value(3) == "3"
    assert report.format_value(1234.56) == "1235"
    assert report.format_value(12.345) == "12.3"
    assert report.format_value(0.012345) == "0.0123"
    assert report.format_value(float("nan")) == "—"
    assert report.format_value(True) == "sim"
    assert report.format_value("a|b") == "a\\|b"


def test_to_markdown_builds_a_github_table():
    md = report.to_markdown(pd.DataFrame({"modelo": ["x"], "tok/s": [12.5]}))
    assert md.splitlines() == ["| modelo | tok/s |", "|---|---|", "| x | 12.5 |"]


def _project(tmp_path):
    results = tmp_path / "results"
    bench.write_results(pd.DataFrame({"passo": ["a"], "n": [1]}), "01-x", folder=results)
    readme = tmp_path / "README.md"
    readme.write_text("Antes\n<!-- results:01-x -->\nvelho\n<!-- /results:01-x -->\nDepois\n", "utf-8")
    return results, readme


def test_update_fills_blocks_and_check_sees_staleness(tmp_path):
    results, readme = _project(tmp_path)
    assert report.stale_blocks(tmp_path, results) == ["README.md: 01-x"]
    assert report.update_all(tmp_path, results) == [readme]
    text = readme.read_text("utf-8")
    assert (
        "| passo | n |" in text
        and "| a | 1 |" in text
        and text.startswith("Antes")
        and text.endswith("Depois\n")
    )
    assert "gerado de `results/01-x.csv`" in text
    assert report.stale_blocks(tmp_path, results) == []
    assert report.update_all(tmp_path, results) == []
    bench.write_results(pd.DataFrame({"passo": ["a"], "n": [2]}), "01-x", folder=results)
    assert report.stale_blocks(tmp_path, results) == ["README.md: 01-x"]


def test_missing_results_file_is_reported(tmp_path):
    (tmp_path / "README.md").write_text("<!-- results:02-y -->\n<!-- /results:02-y -->\n", "utf-8")
    assert report.stale_blocks(tmp_path, tmp_path / "results") == ["README.md: 02-y (falta results/02-y.csv)"]


def test_readme_tables_match_committed_results():
    assert report.stale_blocks() == []


def test_caption_names_cpu_features_and_llama_cpp_build():
    meta = {"date": "2026-12-02 10:00 UTC", "machine": {"cpu": "Intel Xeon", "cores": 2,
            "cpu_features": ["AVX2", "AVX-512", "AMX"], "llama_cpp_build": "AVX AVX2 FMA F16C"}}  # fmt: skip
    text = report.caption("04-quantizacao", meta)
    assert "Intel Xeon (AVX2, AVX-512, AMX), 2 núcleos" in text and "llama.cpp compilado com AVX AVX2 FMA F16C" in text
    old = {"date": "2026-11-29 12:18 UTC", "machine": {"cpu": "AMD EPYC", "cores": 2}}
    assert "AMD EPYC, 2 núcleos" in report.caption("04-quantizacao", old)  # metadados antigos: sem as extensões
