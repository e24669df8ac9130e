"""Incerteza de acertos: intervalo de Wilson de uma proporção, McNemar exato, bootstrap pareado de dois
sistemas nos mesmos itens, bootstrap de uma média e de uma AUC, e a correção de Holm para várias comparações.

Tudo sobre vetores de acertos (0/1) por item; as contas vêm do ``scipy`` e do ``numpy``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """O intervalo de Wilson de ``successes`` em ``n`` (proporções entre 0 e 1)."""
    if n == 0:
        raise ValueError("Não há itens: o intervalo de uma proporção precisa de n > 0.")
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def mcnemar(a, b) -> dict:
    """O teste exato de McNemar de dois sistemas nos mesmos itens.

    Só os itens discordantes contam: ``a_only`` (só ``a`` acertou) e ``b_only``. Sem diferença real, cada
    discordância é cara ou coroa, e o valor-p é o do teste binomial bilateral com p = 0,5.
    """
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError("Os dois sistemas precisam ser medidos nos mesmos itens (vetores do mesmo tamanho).")
    a_only, b_only = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if a_only + b_only == 0 else float(stats.binomtest(a_only, a_only + b_only, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "p": p}


def _resample_means(values: np.ndarray, groups, n_boot: int, seed: int) -> np.ndarray:
    """As médias de ``n_boot`` reamostras de ``values``: dos itens ou, com ``groups``, dos grupos inteiros."""
    rng = np.random.default_rng(seed)
    if groups is None:
        return values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    labels = np.asarray(groups)
    if len(labels) != len(values):
        raise ValueError(f"Há {len(values)} itens e {len(labels)} rótulos de grupo: passe um rótulo por item.")
    _, index = np.unique(labels, return_inverse=True)
    sums, counts = np.bincount(index, weights=values), np.bincount(index).astype(float)
    picks = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    return sums[picks].sum(axis=1) / counts[picks].sum(axis=1)


def paired_bootstrap(a, b, n_boot: int = 2000, seed: int = 2026, level: float = 0.95,
                     groups=None) -> tuple[float, float, float]:  # fmt: skip
    """A diferença média ``a − b`` e o seu intervalo por bootstrap, reamostrando os **itens** (pareado).

    ``a`` e ``b`` podem ser vetores (um valor por item) ou matrizes itens × condições: então a diferença de
    cada item é a média sobre as condições (o efeito de um fator num desenho fatorial). Com ``groups`` (um
    rótulo por item), a reamostra sorteia grupos inteiros (bootstrap por grupos): itens do mesmo grupo não
    são independentes, e sorteá-los um a um estreitaria o intervalo.
    """
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    diff = diff.reshape(len(diff), -1).mean(axis=1)
    boots = _resample_means(diff, groups, n_boot, seed)
    tail = (1 - level) / 2
    return float(diff.mean()), float(np.quantile(boots, tail)), float(np.quantile(boots, 1 - tail))


def mean_ci(values, n_boot: int = 2000, seed: int = 2026, level: float = 0.95, groups=None) -> tuple[float, float, float]:
    """A média de um vetor (um valor por item) e o seu intervalo por bootstrap dos itens (ou, com
    ``groups``, dos grupos inteiros, como em :func:`paired_bootstrap`)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("Não há itens: a média precisa de pelo menos um valor.")
    boots = _resample_means(values, groups, n_boot, seed)
    tail = (1 - level) / 2
    return float(values.mean()), float(np.quantile(boots, tail)), float(np.quantile(boots, 1 - tail))


def _bootstrap_auc(y: np.ndarray, statistic, n_boot: int, seed: int, level: float) -> tuple[float, float]:
    """O intervalo de ``statistic(idx)`` (uma AUC ou uma diferença de AUCs) reamostrando os itens.

    Reamostragens que ficam com uma classe só não têm AUC e são descartadas.
    """
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), size=len(y))
        if len(set(y[idx].tolist())) == 2:
            boots.append(statistic(idx))
    tail = (1 - level) / 2
    return float(np.quantile(boots, tail)), float(np.quantile(boots, 1 - tail))


def _two_classes(y) -> np.ndarray:
    y = np.asarray(y)
    if len(set(y.tolist())) != 2:
        raise ValueError("A AUC precisa de itens das duas classes em y_true.")
    return y


def auc_ci(y_true, score, n_boot: int = 2000, seed: int = 2026, level: float = 0.95) -> tuple[float, float, float]:
    """A AUC da curva ROC (``sklearn``) e o seu intervalo por bootstrap dos itens.

    A AUC é a chance de um item positivo, sorteado, ter nota maior que um negativo sorteado: 0,5 é chute,
    1 separa tudo.
    """
    from sklearn.metrics import roc_auc_score

    y, score = _two_classes(y_true), np.asarray(score, dtype=float)
    low, high = _bootstrap_auc(y, lambda idx: roc_auc_score(y[idx], score[idx]), n_boot, seed, level)
    return float(roc_auc_score(y, score)), low, high


def paired_auc_bootstrap(y_true, a, b, n_boot: int = 2000, seed: int = 2026, level: float = 0.95) -> tuple[float, float, float]:
    """A diferença de AUC ``a − b`` de duas notas nos **mesmos** itens e o seu intervalo (bootstrap pareado)."""
    from sklearn.metrics import roc_auc_score

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not (len(y_true) == len(a) == len(b)):
        raise ValueError("As duas notas precisam ser dos mesmos itens (vetores do mesmo tamanho).")
    y = _two_classes(y_true)

    def diff(idx):
        return roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx])

    low, high = _bootstrap_auc(y, diff, n_boot, seed, level)
    return float(roc_auc_score(y, a) - roc_auc_score(y, b)), low, high


def holm(pvalues) -> np.ndarray:
    """Valores-p corrigidos por Holm–Bonferroni (controla a chance de um falso positivo na família toda)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted
