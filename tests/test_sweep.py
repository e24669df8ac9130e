"""A varredura do capítulo 6 (shared/sweep.py e chapters/06-peft-e-lora/varredura.py)."""

import importlib.util

import numpy as np
import pandas as pd
import pytest

from shared import bench, paths, sweep


def _script():
    path = paths.repo_root() / "chapters" / "06-peft-e-lora" / "varredura.py"
    spec = importlib.util.spec_from_file_location("varredura", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_paired_bootstrap_ties_equal_systems_and_separates_a_better_one():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 150)
    noisy = np.where(rng.random((3, 150)) < 0.7, y, 1 - y)
    assert sweep.paired_f1_bootstrap(y, noisy, noisy, n_boot=200) == (0.0, 0.0, 0.0)
    diff, low, high = sweep.paired_f1_bootstrap(y, np.tile(y, (3, 1)), noisy, n_boot=200)
    assert low > 0 and low <= diff <= high
    # quase igual: dois acertos a mais e dois a menos em 150 não são uma diferença
    nearly = noisy.copy()
    right, wrong = np.flatnonzero(noisy[0] == y)[:2], np.flatnonzero(noisy[0] != y)[:2]
    nearly[0, np.r_[right, wrong]] = 1 - nearly[0, np.r_[right, wrong]]
    _, low, high = sweep.paired_f1_bootstrap(y, nearly, noisy, n_boot=200)
    assert low < 0 < high
    with pytest.raises(ValueError, match="mesmos itens"):
        sweep.paired_f1_bootstrap(y, noisy[:, :100], noisy, n_boot=200)


def _fake_runs(y, systems):
    runs, preds = [], []
    for name, matrix in systems.items():
        for s, row in enumerate(matrix):
            runs.append({"variante": name, "modelo": "m", "taxa": 0.1, "semente": s, "escolhida": True, "passos": 10,
                         "melhor passo": 5, "épocas": 2.0, "época do melhor ponto": 1.0, "F1 de validação": 0.5,
                         "F1 de teste": 0.5, "treino (s)": 1.0, "parâmetros treináveis": 10,
                         "parâmetros totais": 100})  # fmt: skip
            preds += [{"variante": name, "taxa": 0.1, "semente": s, "item": i, "rótulo": int(y[i]),
                       "p(positivo)": float(v)} for i, v in enumerate(row)]  # fmt: skip
        runs.append({**runs[-1], "taxa": 0.5, "semente": 0, "escolhida": False})  # uma taxa que não foi escolhida
        preds += [{**p, "taxa": 0.5, "p(positivo)": 1.0 - p["p(positivo)"]} for p in preds[-len(y):]]
    return pd.DataFrame(runs), pd.DataFrame(preds)


def test_summary_says_tie_better_or_worse_against_the_reference():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 160)
    ref = np.where(rng.random((3, 160)) < 0.75, y, 1 - y)
    runs, preds = _fake_runs(y, {"completo": ref, "igual": ref.copy(), "perfeito": np.tile(y, (3, 1)),
                                 "ruim": 1 - np.tile(y, (3, 1))})  # fmt: skip
    table = sweep.summarize(runs, preds, y, n_boot=200).set_index("variante")
    assert table.loc["igual", "veredito"] == "empate"
    assert table.loc["perfeito", "veredito"] == "melhor" and table.loc["ruim", "veredito"] == "pior"
    assert table.loc["perfeito", "sementes"] == 3  # a taxa não escolhida fica fora
    assert pd.isna(table.loc["completo", "veredito"])


def test_variant_checks_its_fields():
    with pytest.raises(ValueError, match="rank"):
        sweep.Variant("LoRA", "lora", (1e-3,))
    with pytest.raises(ValueError, match="Tipo"):
        sweep.Variant("x", "prefixo", (1e-3,))
    with pytest.raises(ValueError, match="taxa"):
        sweep.Variant("completo", "completo", ())


def test_tiny_sweep_runs_end_to_end_and_chooses_on_validation(tmp_path):
    script = _script()
    script.main(["--minima", "--saida", str(tmp_path)])
    runs, meta = bench.read_results("06-varredura-treinos", folder=tmp_path)
    summary, _ = bench.read_results("06-varredura", folder=tmp_path)
    costs, _ = bench.read_results("06-varredura-custos", folder=tmp_path)
    preds, _ = bench.read_results("06-varredura-previsoes", folder=tmp_path)
    cfg = script.tiny_config()
    assert list(summary["variante"]) == [v.name for v in cfg.variants]
    assert set(costs["variante"]) == set(summary["variante"]) and (costs["s por passo"] > 0).all()
    head = costs.set_index("variante")
    assert head.loc["só a cabeça", "ativações guardadas (MiB)"] < head.loc["LoRA r=2", "ativações guardadas (MiB)"] / 10
    # a taxa escolhida do LoRA é a de maior F1 de validação na primeira semente, e só ela ganha mais sementes
    lora = runs[runs["variante"] == "LoRA r=2"]
    first = lora[lora["semente"] == 2024]
    assert 2 <= len(first) <= 4 and first["escolhida"].sum() == 1  # a grade pode crescer pela borda
    assert first.loc[first["escolhida"], "F1 de validação"].iloc[0] == first["F1 de validação"].max()
    assert set(lora.loc[lora["semente"] == 2025, "taxa"]) == set(first.loc[first["escolhida"], "taxa"])
    assert len(preds) == len(runs) * 24 and preds["p(positivo)"].between(0, 1).all()
    assert {"veredito", "Δ IC95 baixo"} <= set(summary.columns)
    assert meta["config"]["seeds"] == [2024, 2025] and meta["config"]["variants"][1]["rank"] == 2
    # refazer com --so reaproveita os treinos gravados: o mesmo resultado, sem treinar de novo
    reused = script.previous_runs(tmp_path, list(summary["variante"]))
    assert len(reused) == len(runs) and all(len(r["p_teste"]) == 24 for r in reused.values())
    script.main(["--minima", "--so", "completo", "--saida", str(tmp_path)])
    again, _ = bench.read_results("06-varredura", folder=tmp_path)
    pd.testing.assert_frame_equal(again[["variante", "F1 de teste"]], summary[["variante", "F1 de teste"]])


def test_rerunning_one_variant_keeps_the_others(tmp_path):
    old = pd.DataFrame({"variante": ["completo", "LoRA r=2"], "x": [1, 2]})
    bench.write_results(old, "06-varredura-custos", folder=tmp_path)
    new = pd.DataFrame({"variante": ["LoRA r=2"], "x": [3]})
    merged = _script().merge(new, "06-varredura-custos", tmp_path, ["LoRA r=2"])
    assert merged.set_index("variante")["x"].to_dict() == {"completo": 1, "LoRA r=2": 3}


def test_gemma_lora_classifier_trains_under_one_percent():
    """O Gemma 3 270M vira classificador (cabeça ``score`` nova) com LoRA em todas as lineares: < 1% treina."""
    import torch

    variant = _script().VARIANTS[-1]
    assert variant.model == sweep.GEMMA
    tokenizer, model, head = sweep.build(variant, seed=0)
    assert head == ("score",)
    batch = tokenizer(["Adorei o produto.", "Chegou quebrado e ninguém respondeu."], padding=True, return_tensors="pt")
    out = model(**batch, labels=torch.tensor([1, 0]))
    assert out.logits.shape == (2, 2) and torch.isfinite(out.loss)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any("score" in n for n in trainable) and all(("lora_" in n or "score" in n) for n in trainable)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n_trainable < 0.01 * sum(p.numel() for p in model.parameters())


def test_f1_interval_contains_the_mean_and_shrinks_to_a_point_when_perfect():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    noisy = np.where(rng.random((3, 200)) < 0.8, y, 1 - y)
    low, high = sweep.f1_bootstrap_ci(y, noisy, n_boot=200)
    mean = np.mean([sweep.finetune.classification_metrics(y, p)["F1 macro"] for p in noisy])
    assert low < mean < high and high - low < 0.2
    assert sweep.f1_bootstrap_ci(y, np.tile(y, (3, 1)), n_boot=100) == (1.0, 1.0)


def test_grid_grows_when_the_best_rate_is_on_its_edge(monkeypatch):
    """Melhor taxa na borda: a grade cresce (×2 ou ÷2) até max_extensions; no meio, não cresce."""
    calls = []

    def fake(best):
        def train_once(variant, lr, seed, cfg, splits, workdir):
            calls.append((lr, seed))
            return {"variante": variant.name, "modelo": "m", "taxa": lr, "semente": seed, "passos": 4,
                    "F1 de validação": -abs(np.log2(lr / best)), "treino (s)": 0.0, "p_teste": np.full(3, 0.9)}  # fmt: skip
        return train_once

    splits = {s: pd.DataFrame({"review_text": ["a", "b", "c"], "label": [1, 0, 1]}) for s in ("train", "validation", "test")}
    variant = sweep.Variant("LoRA", "lora", (1e-3, 2e-3), rank=2, alpha=16, targets=("query",))
    cfg = sweep.SweepConfig(variants=[variant], seeds=(1, 2), max_extensions=2)
    monkeypatch.setattr(sweep, "train_once", fake(best=1.6e-2))  # bem acima da grade
    runs, _ = sweep.run_sweep(cfg, splits, log=lambda *_: None)
    assert calls == [(1e-3, 1), (2e-3, 1), (4e-3, 1), (8e-3, 1), (8e-3, 2)]  # cresceu duas vezes e parou
    assert runs.loc[runs["escolhida"], "taxa"].tolist() == [8e-3, 8e-3]
    assert runs["na grade original"].tolist() == [True, True, False, False, False]
    calls.clear()
    monkeypatch.setattr(sweep, "train_once", fake(best=2.2e-3))  # dentro da grade: nada a estender
    three = sweep.Variant("LoRA", "lora", (1e-3, 2e-3, 4e-3), rank=2, alpha=16, targets=("query",))
    sweep.run_sweep(sweep.SweepConfig(variants=[three], seeds=(1, 2)), splits, log=lambda *_: None)
    assert [lr for lr, _ in calls] == [1e-3, 2e-3, 4e-3, 2e-3]
    calls.clear()
    monkeypatch.setattr(sweep, "train_once", fake(best=4e-4))  # abaixo: a grade desce
    runs, _ = sweep.run_sweep(cfg, splits, log=lambda *_: None)
    assert [lr for lr, _ in calls][:3] == [1e-3, 2e-3, 5e-4] and runs.loc[runs["escolhida"], "taxa"].iloc[0] == 5e-4
    calls.clear()
    monkeypatch.setattr(sweep, "train_once", fake(best=1.6e-2))
    reuse = {("LoRA", 1e-3, 1): {"variante": "LoRA", "modelo": "m", "taxa": 1e-3, "semente": 1, "passos": 4,
                                 "F1 de validação": -4.0, "treino (s)": 0.0, "p_teste": np.full(3, 0.9)}}  # fmt: skip
    sweep.run_sweep(cfg, splits, log=lambda *_: None, reuse=reuse)
    assert (1e-3, 1) not in calls  # reaproveitado


def test_fast_macro_f1_is_the_sklearn_number():
    rng = np.random.default_rng(3)
    for k in (2, 3):
        y, p = rng.integers(0, k, 60), rng.integers(0, k, 60)
        assert sweep.macro_f1(y, p) == pytest.approx(sweep.finetune.classification_metrics(y, p)["F1 macro"])
    # uma classe que só aparece nas previsões entra com F1 0, como no scikit-learn
    y, p = np.array([1, 1, 1, 1]), np.array([1, 1, 0, 1])
    assert sweep.macro_f1(y, p) == pytest.approx(sweep.finetune.classification_metrics(y, p)["F1 macro"])
