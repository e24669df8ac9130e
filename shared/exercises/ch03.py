"""Exercícios do capítulo 3 — Transformers: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounded, run_cases, show_solution_from

SOFTMAX_CASES = [
    (([0.0, 0.0],), [0.5, 0.5]),
    (([1.0, 2.0, 3.0],), [0.0900, 0.2447, 0.6652]),
    (([1000.0, 1000.0],), [0.5, 0.5]),  # sem subtrair o máximo, exp(1000) estoura
    (([5.0],), [1.0]),
]

MASK_CASES = [
    ((1,), [[True]]),
    ((3,), [[True, False, False], [True, True, False], [True, True, True]]),
]

TEMPERATURE_CASES = [
    (([1.0, 2.0], 1.0), [0.2689, 0.7311]),
    (([1.0, 2.0], 0.5), [0.1192, 0.8808]),
    (([1.0, 2.0], 2.0), [0.3775, 0.6225]),
]


def solution_softmax(scores: list[float]) -> list[float]:
    """Softmax estável: subtrai o máximo antes de exponenciar."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def solution_causal_mask(n: int) -> list[list[bool]]:
    """Cada linha i pode olhar para as colunas 0..i."""
    return [[j <= i for j in range(n)] for i in range(n)]


def solution_apply_temperature(logits: list[float], t: float) -> list[float]:
    """Divide os logits pela temperatura e aplica o softmax."""
    return solution_softmax([x / t for x in logits])


def softmax(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(rounded(fn), SOFTMAX_CASES, "softmax")


def causal_mask(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, MASK_CASES, "causal_mask")


def apply_temperature(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(rounded(fn), TEMPERATURE_CASES, "apply_temperature")


SOLUTIONS = {
    "softmax": solution_softmax,
    "causal_mask": solution_causal_mask,
    "apply_temperature": solution_apply_temperature,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
