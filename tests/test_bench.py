import json
import math
import mmap
import time

import pandas as pd
import pytest

from shared import bench


def test_time_it_warms_up_then_measures_each_run():
    calls = []
    timing = bench.time_it(lambda: calls.append(1), repeat=5, warmup=2)
    assert len(calls) == 7
    assert len(timing.runs) == 5
    assert timing.best <= timing.median <= max(timing.runs)


def test_time_it_median_ignores_one_slow_run():
    delays = iter([0.0, 0.001, 0.001, 0.05, 0.001])

    def work():

        time.sleep(next(delays))

    timing = bench.time_it(work, repeat=4, warmup=1)
    assert timing.median < 0.02 < max(timing.runs)


@pytest.mark.parametrize("kwargs", [{"repeat": 0}, {"warmup": -1}])
def test_time_it_rejects_bad_counts(kwargs):
    with pytest.raises(ValueError):
        bench.time_it(lambda: None, **kwargs)


def test_tokens_per_second():
    assert bench.tokens_per_second(100, 2.0) == 50.0
    with pytest.raises(ValueError, match="positivo"):
        bench.tokens_per_second(10, 0)


def test_peak_memory_sees_a_temporary_allocation():
    with bench.track_peak_memory() as mem:
        # um mapeamento novo: um bytearray pode reaproveitar memória já residente de testes anteriores
        # (o malloc não devolve tudo ao sistema), e aí a RSS não sobe
        block = mmap.mmap(-1, 80 * 2**20)
        for offset in range(0, len(block), 4096):  # toca cada página para que conte na RSS
            block[offset] = 120
        deadline = time.monotonic() + 2.0  # dá tempo à thread de amostragem de ver o pico (máquina ocupada)
        while mem.increase <= 50 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.01)
        block.close()
    assert mem.increase > 50 * 2**20


def test_write_and_read_results_with_metadata(tmp_path):
    df = pd.DataFrame({"passo": ["a", "b"], "tokens": [10, 8]})
    path = bench.write_results(df, "99-teste", "tabela de teste", folder=tmp_path)
    assert path == tmp_path / "99-teste.csv"
    back, meta = bench.read_results("99-teste", folder=tmp_path)
    pd.testing.assert_frame_equal(back, df)
    assert meta["description"] == "tabela de teste"
    assert meta["machine"]["cores"] >= 1 and meta["machine"]["cpu"]
    assert "torch" in meta["versions"] and meta["date"].endswith("UTC")
    assert json.loads((tmp_path / "99-teste.meta.json").read_text())["rows"] == 2
    assert meta["config"] == {} and "cpu_features" in meta["machine"]


def test_results_keep_the_experiment_manifest(tmp_path):
    df = pd.DataFrame({"semente": [1, 2, 3], "f1": [0.8, 0.82, 0.79]})
    config = {"sementes": [1, 2, 3], "taxas": [1e-4, 3e-4], "épocas": 2}
    bench.write_results(df, "99-varredura", "varredura", folder=tmp_path, config=config)
    assert bench.read_results("99-varredura", folder=tmp_path)[1]["config"] == config


def test_results_writer_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="inválido"):
        bench.write_results(pd.DataFrame({"a": [1]}), "Com Espaço", folder=tmp_path)
    with pytest.raises(ValueError, match="vazia"):
        bench.write_results(pd.DataFrame({"a": []}), "vazia", folder=tmp_path)
    with pytest.raises(FileNotFoundError, match="make notebooks"):
        bench.read_results("nao-existe", folder=tmp_path)


def test_results_dir_follows_environment(monkeypatch, tmp_path):
    from shared import paths

    monkeypatch.setenv(paths.RESULTS_ENV_VAR, str(tmp_path))
    assert paths.results_dir() == tmp_path
    assert paths.committed_results_dir() == paths.repo_root() / "results"


def test_release_first_frees_memory_before_measuring(monkeypatch):
    calls = []
    real = bench.release_memory
    monkeypatch.setattr(bench, "release_memory", lambda: calls.append(real()))
    with bench.track_peak_memory():
        pass
    assert calls == []
    with bench.track_peak_memory(release_first=True) as mem:
        pass
    assert calls == [None] and mem.start > 0


def test_stream_tokens_per_second_counts_from_the_first_token():
    assert bench.stream_tokens_per_second([10.0, 10.5, 11.0]) == 2.0  # 2 tokens depois do 1º, em 1 s
    assert math.isnan(bench.stream_tokens_per_second([10.0]))
