"""Os dois scripts pesados do capítulo 10, na configuração minúscula (o que eles gravam e se faz sentido)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from shared import bench, paths


def _script(name: str):
    path = paths.repo_root() / "chapters" / "10-tecnicas-recentes" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as dataclasses do script procuram o módulo aqui
    spec.loader.exec_module(module)
    return module


def test_instruction_tuning_script_writes_comparable_systems(tmp_path):
    script = _script("instrucao_base")
    script.main(["--minima", "--saida", str(tmp_path)])
    answers, meta = bench.read_results("10-instrucao-base-respostas", folder=tmp_path)
    systems = set(answers["sistema"])
    assert {script.BEFORE, script.FEW_SHOT, script.AFTER, "(sem modelo) resposta constante"} <= systems
    n_tasks = meta["config"]["task_limit"]
    assert answers.groupby("sistema")["tarefa"].nunique().eq(n_tasks).all()  # todos nas mesmas tarefas
    assert meta["config"]["taxa escolhida"] in meta["config"]["rates"]
    accuracy, _ = bench.read_results("10-instrucao-base", folder=tmp_path)
    overall = accuracy[accuracy["tipo"] == "todas"].set_index("sistema")
    for system, group in answers.groupby("sistema"):
        assert overall.loc[system, "acertos"] == group["acertou"].sum()
    paired, _ = bench.read_results("10-instrucao-base-pareado", folder=tmp_path)
    row = paired[(paired["A"] == script.AFTER) & (paired["B"] == script.BEFORE)].iloc[0]
    expected = overall.loc[script.AFTER, "%"] - overall.loc[script.BEFORE, "%"]
    assert row["A − B (pontos)"] == pytest.approx(expected)
    curves, _ = bench.read_results("10-instrucao-base-perdas", folder=tmp_path)
    assert curves["perda_validacao"].notna().any() and curves["escolhido"].sum() == len(meta["config"]["rates"])


def test_preference_script_measures_the_same_pairs_under_every_model(tmp_path):
    script = _script("preferencias")
    script.main(["--minima", "--saida", str(tmp_path)])
    pairs, meta = bench.read_results("10-dpo-pares", folder=tmp_path)
    cfg = meta["config"]
    assert len(pairs) == cfg["n_train"] + cfg["n_held_out"] and (pairs["rejeitada"].str.len() > 0).all()
    logps, _ = bench.read_results("10-dpo-logprobs", folder=tmp_path)
    assert logps.groupby("modelo")["par"].nunique().eq(len(pairs)).all() and set(logps["modelo"]) == set(script.MODELS)
    summary, _ = bench.read_results("10-dpo", folder=tmp_path)
    held = logps[logps["conjunto"] == "fora do treino"]
    by = summary.set_index("modelo")
    for name in script.MODELS:
        assert by.loc[name, "escolhida"] == pytest.approx(held[held["modelo"] == name]["escolhida"].mean())
    change = held[held["modelo"] == "SFT + DPO"]["escolhida"].to_numpy() - held[held["modelo"] == "SFT"]["escolhida"].to_numpy()
    assert by.loc["SFT + DPO", "Δ escolhida (pareada)"] == pytest.approx(change.mean())
    reward, _ = bench.read_results("10-recompensa", folder=tmp_path)
    assert set(reward["sistema"]) == {"modelo de recompensa", "a mais curta vence"}
    assert reward.groupby(["rejeitada", "conjunto"]).size().eq(2).all()
    history, _ = bench.read_results("10-dpo-treino", folder=tmp_path)
    assert set(history["modelo"]) == {"DPO", "SFT + DPO", "SFT (perda)"}
