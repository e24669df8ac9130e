"""Os scripts de medição da plataforma rodam numa configuração mínima e gravam uma tabela com metadados."""

import importlib.util
import json

from shared import paths

ROOT = paths.repo_root()


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_medir_modelos_small_run_writes_every_measure(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.RESULTS_ENV_VAR, str(tmp_path))
    assert load_script("medir_modelos").main(["--pequeno"]) == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "00-modelos-pequeno.csv")
    assert set(table.unidade) == {"s", "milhões", "tok/s"}
    assert (table.valor > 0).all() and len(table) == 6
    assert table[table.medida == "parâmetros"].valor.item() == 134.515008
    meta = json.loads((tmp_path / "00-modelos-pequeno.meta.json").read_text("utf-8"))
    assert meta["machine"]["cpu"] and "llama_cpp_build" in meta["machine"]


def test_comparar_builds_llama_small_run(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.RESULTS_ENV_VAR, str(tmp_path))
    assert load_script("comparar_builds_llama").main(["--pequeno"]) == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "00-llama-builds-pequeno.csv")
    assert table.build.tolist() == ["portátil (instalado)"] and table["geração (tok/s), mediana"].item() > 0
    assert "AVX512" not in table["instruções compiladas"].item()
