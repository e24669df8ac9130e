"""O script que compara os codificadores de frases: as métricas à mão e uma rodada pequena de ponta a ponta."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def script(root):
    spec = importlib.util.spec_from_file_location(
        "avaliar_codificadores", root / "scripts" / "avaliar_codificadores.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # o @dataclass do script procura o próprio módulo aqui
    spec.loader.exec_module(module)
    return module


def test_nearest_neighbours_ranks_by_cosine_not_by_length(script):
    pool = np.array([[10.0, 0.0], [1.0, 1.1], [0.5, 0.5], [-1.0, 0.0]])
    queries = np.array([[1.0, 1.0], [0.0, 5.0]])
    got = script.nearest_neighbours(queries, pool, k=2)
    assert got.tolist() == [[2, 1], [1, 2]]
    # quase certo, mas errado: o produto escalar sem normalizar prefere o vetor longo [10, 0]
    by_dot = np.argsort(-(queries @ pool.T), axis=1)[:, :2]
    assert by_dot.tolist() != got.tolist()
    with pytest.raises(ValueError, match="vizinhos"):
        script.nearest_neighbours(queries, pool, k=5)


def test_precision_at_k_counts_same_label_among_the_k_neighbours(script):
    pool_labels = np.array(["pos", "pos", "neg", "neg", "pos", "pos"])
    neighbours = np.array([[0, 1, 2], [2, 3, 4]])
    query_labels = np.array(["pos", "neg"])
    got = script.precision_at_k(neighbours, query_labels, pool_labels)
    np.testing.assert_allclose(got, [2 / 3, 2 / 3])
    # quase certo, mas errado: acertos divididos pelo nº de itens do mesmo rótulo no conjunto (revocação@k)
    hits = (pool_labels[neighbours] == query_labels[:, None]).sum(axis=1)
    recall = hits / np.array([(pool_labels == q).sum() for q in query_labels])
    assert not np.allclose(got, recall)
    # e o rótulo é o de cada consulta, não o da primeira
    assert not np.allclose(got, script.precision_at_k(neighbours, np.array(["pos", "pos"]), pool_labels))


def test_macro_f1_matches_sklearn_and_is_not_accuracy(script):
    from sklearn.metrics import f1_score

    y_true = np.array(["a", "a", "a", "a", "b", "b", "c"])
    y_pred = np.array(["a", "a", "a", "b", "b", "c", "a"])
    got = script.macro_f1(y_true, y_pred)
    assert got == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert got != pytest.approx(script.accuracy(y_true, y_pred))  # 4/7: a média simples por classe é outra
    assert got != pytest.approx(f1_score(y_true, y_pred, average="weighted"))


def test_paired_bootstrap_sees_a_small_consistent_gain_that_unpaired_intervals_miss(script):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=200)
    b = np.where(rng.random(200) < 0.7, y, 1 - y)  # ~70% de acerto
    a = b.copy()
    wrong = np.flatnonzero(a != y)[:12]
    a[wrong] = y[wrong]  # a acerta tudo o que b acerta e mais 12 itens
    d, lo, hi = script.paired_bootstrap_diff(y, a, b, script.accuracy, n_boot=500)
    assert d == pytest.approx(12 / 200)
    assert 0 < lo <= d <= hi
    # os intervalos de cada sistema sozinho se sobrepõem: sem parear, pareceria empate
    ci_a = script.bootstrap_ci(a == y, 500)
    ci_b = script.bootstrap_ci(b == y, 500)
    assert ci_a[0] < ci_b[1]


def test_review_text_joins_title_and_text_without_doubling_punctuation(script):
    df = pd.DataFrame(
        {
            "review_title": ["Ótimo", "Chegou quebrado!", ""],
            "review_text": ["Gostei.", "Não use.", "Só texto."],
        }
    )
    assert script.review_text(df) == ["Ótimo. Gostei.", "Chegou quebrado! Não use.", "Só texto."]


def test_small_run_writes_every_encoder_and_task(root, tmp_path):
    env = {**os.environ, "LLM_ZTH_RESULTS_DIR": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "avaliar_codificadores.py"), "--pequeno"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    table = pd.read_csv(tmp_path / "00-codificadores.csv")
    assert (tmp_path / "00-codificadores.meta.json").exists()
    assert list(table.columns) == ["codificador", "tarefa", "métrica", "valor", "ic_inf", "ic_sup", "n"]
    encoders = ["all-minilm-l6-v2"] + [
        f"{m} ({p}:)"
        for m in ("multilingual-e5-small", "multilingual-e5-small-enpt")
        for p in ("query", "passage")
    ]
    tasks = [
        "classificação: sentimento",
        "classificação: categoria",
        "busca: sentimento",
        "busca: categoria",
        "velocidade",
    ]
    for enc in encoders:
        for task in tasks:
            assert ((table["codificador"] == enc) & (table["tarefa"] == task)).any(), (enc, task)
    for base, task in [
        ("maioria (linha de base)", "classificação"),
        ("vizinhos sorteados (linha de base)", "busca"),
    ]:
        assert set(table.loc[table["codificador"] == base, "tarefa"]) == {
            f"{task}: sentimento",
            f"{task}: categoria",
        }
    scores = table[table["métrica"].isin(["acurácia", "F1 macro", "precisão@5"])]
    assert scores["valor"].between(0, 1).all()
    assert (scores["ic_inf"] <= scores["valor"] + 1e-9).all() and (
        scores["valor"] <= scores["ic_sup"] + 1e-9
    ).all()
    diffs = table[table["métrica"].str.startswith("diferença")]
    assert len(diffs) == 5 * 2 * 3 and diffs["valor"].between(-1, 1).all()  # 4 e5 − MiniLM e query − passage
    speed = table[table["tarefa"] == "velocidade"]
    assert (speed["valor"] > 0).all() and len(speed) == 2 * len(encoders)
    size = table[table["tarefa"] == "tamanho"].set_index("codificador")["valor"]
    assert size["multilingual-e5-small-enpt (query:)"] < size["multilingual-e5-small (query:)"]
    same = table[table["tarefa"] == "concordância com o original"]
    assert len(same) == 4 and same["valor"].between(-1, 1 + 1e-6).all()
    # mesmo numa amostra pequena, um codificador de verdade agrupa a categoria melhor que o acaso
    busca = table[(table["tarefa"] == "busca: categoria")].set_index("codificador")["valor"]
    assert busca["multilingual-e5-small (query:)"] > busca["vizinhos sorteados (linha de base)"]
