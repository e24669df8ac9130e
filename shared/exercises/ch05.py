"""Exercícios do capítulo 5 — Fine-tuning: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounded, run_cases, show_solution_from

F1_CASES = [
    ((8, 2, 2), 0.8),
    ((0, 0, 5), 0.0),
    ((0, 0, 0), 0.0),  # sem nenhum positivo previsto nem real: F1 = 0 por convenção (como o scikit-learn)
    ((30, 10, 0), 0.8571),
]

MACRO_CASES = [
    (([1, 1, 0, 0], [1, 1, 0, 0]), 1.0),
    (([1, 1, 1, 0], [1, 1, 1, 1]), 0.4286),  # a classe 0 nunca é prevista: F1 dela é 0
    (([0, 1, 2, 2], [0, 2, 2, 1]), 0.5),
]

LENGTH_CASES = [
    (([10, 20, 30, 40, 50], 90), 48),
    (([5, 5, 5, 5], 95), 8),
    (([100, 120, 300], 50), 120),
]


def solution_f1_from_counts(tp: int, fp: int, fn: int) -> float:
    """F1 = 2·precisão·revocação / (precisão + revocação) = 2·VP / (2·VP + FP + FN)."""
    denominator = 2 * tp + fp + fn
    return 2 * tp / denominator if denominator else 0.0


def solution_macro_f1(y_true: list[int], y_pred: list[int]) -> float:
    """Média simples do F1 de cada classe que aparece nos rótulos reais ou nas previsões."""
    classes = sorted(set(y_true) | set(y_pred))
    scores = []
    for c in classes:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        scores.append(solution_f1_from_counts(tp, fp, fn))
    return sum(scores) / len(scores)


def solution_pick_max_length(lengths: list[int], percentile: float) -> int:
    """Percentil dos tamanhos (interpolação linear, como o NumPy), arredondado para cima até múltiplo de 8."""
    values = sorted(lengths)
    position = (len(values) - 1) * percentile / 100
    low, high = math.floor(position), math.ceil(position)
    value = values[low] + (values[high] - values[low]) * (position - low)
    return int(math.ceil(value / 8) * 8)


def f1_from_counts(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(rounded(fn), F1_CASES, "f1_from_counts")


def macro_f1(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(rounded(fn), MACRO_CASES, "macro_f1")


def pick_max_length(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, LENGTH_CASES, "pick_max_length")


SOLUTIONS = {
    "f1_from_counts": solution_f1_from_counts,
    "macro_f1": solution_macro_f1,
    "pick_max_length": solution_pick_max_length,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
