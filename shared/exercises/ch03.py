"""Exercícios do capítulo 3 — Transformers: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import as_plain, rounding, run_cases, show_solution_from

SOFTMAX_CASES = [
    (([0.0, 0.0],), [0.5, 0.5], "cada probabilidade é exp(nota) dividido pela soma dos exp (que nunca é zero)."),
    (([1.0, 2.0, 3.0],), [0.0900, 0.2447, 0.6652]),
    (([1000.0, 1000.0],), [0.5, 0.5], "exp(1000) estoura: subtraia o máximo das notas antes de exponenciar."),
    (([0.0, 1000.0],), [0.0, 1.0], "subtraia o máximo (não o mínimo): assim o maior expoente é exp(0) = 1."),
    (([-1000.0, -1000.0],), [0.5, 0.5], "com notas muito negativas, cada exp(x) vira 0 e a soma também."),
    (([5.0],), [1.0]),
]

MASK_CASES = [
    ((1,), [[True]], "o token enxerga a si mesmo: a diagonal é True."),
    ((2,), [[True, False], [True, True]]),
    ((3,), [[True, False, False], [True, True, False], [True, True, True]]),
]

TEMPERATURE_CASES = [
    (([1.0, 2.0], 1.0), [0.2689, 0.7311]),
    (([1.0, 2.0], 0.5), [0.1192, 0.8808],
     "temperatura baixa (t < 1) concentra a probabilidade no maior logit: divida os logits por t."),
    (([1.0, 2.0], 2.0), [0.3775, 0.6225]),
    (([10.0, 20.0], 0.01), [0.0, 1.0], "logits ÷ t pode ficar enorme: use o softmax estável do exercício 1."),
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


def _softmax_minus_min(scores):
    low = min(scores)
    exps = [math.exp(s - low) for s in scores]
    return [e / sum(exps) for e in exps]


def _softmax_no_exp(scores):
    return [s / sum(scores) for s in scores]


SOFTMAX_MISTAKES = [
    (_softmax_minus_min, "subtrair o mínimo deixa o maior expoente enorme; subtraia o máximo."),
    (_softmax_no_exp, "faltou exponenciar: o softmax divide exp(x) pela soma dos exp, não x pela soma dos x."),
]


def _mask_upper(n):
    return [[j >= i for j in range(n)] for i in range(n)]


def _mask_strict(n):
    return [[j < i for j in range(n)] for i in range(n)]


MASK_MISTAKES = [
    (_mask_strict, "faltou a diagonal: cada token também olha para si mesmo (`j <= i`)."),
    (_mask_upper, "a máscara está transposta: a linha i (o token que olha) enxerga as colunas 0..i, as anteriores."),
]


def _temperature_times(logits, t):
    return solution_softmax([x * t for x in logits])


def _temperature_after(logits, t):
    return [p / t for p in solution_softmax(logits)]


TEMPERATURE_MISTAKES = [
    (_temperature_times, "os logits foram multiplicados por t; a temperatura divide: softmax(logits / t)."),
    (_temperature_after, "a temperatura entra antes do softmax (nos logits), não depois, nas probabilidades."),
]


def softmax(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, SOFTMAX_CASES, "softmax", normalize=rounding(4), mistakes=SOFTMAX_MISTAKES)


def causal_mask(fn) -> bool:
    """Verifica o exercício 2 (aceita também um array do NumPy ou um tensor do PyTorch)."""
    return run_cases(fn, MASK_CASES, "causal_mask", normalize=as_plain, mistakes=MASK_MISTAKES)


def apply_temperature(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, TEMPERATURE_CASES, "apply_temperature", normalize=rounding(4),
                     mistakes=TEMPERATURE_MISTAKES)


SOLUTIONS = {
    "softmax": solution_softmax,
    "causal_mask": solution_causal_mask,
    "apply_temperature": solution_apply_temperature,
}

EXERCISES = {
    "softmax": (softmax, solution_softmax, SOFTMAX_MISTAKES),
    "causal_mask": (causal_mask, solution_causal_mask, MASK_MISTAKES),
    "apply_temperature": (apply_temperature, solution_apply_temperature, TEMPERATURE_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
