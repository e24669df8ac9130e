"""Exercícios do capítulo 10 — técnicas recentes: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounded, run_cases, show_solution_from

DPO_CASES = [
    ((0.0, 0.0, 0.1), 0.6931),  # modelo igual à referência: log 2
    ((2.0, -3.0, 0.1), 0.4741),  # escolhida subiu, rejeitada caiu: perda menor
    ((-1.0, 4.0, 0.5), 2.5789),  # ao contrário: perda maior
    ((10.0, -10.0, 1.0), 0.0),
]

RETRIEVAL_CASES = [
    (([[0.9, 0.1], [0.2, 0.8]],), 1.0),
    (([[0.1, 0.9], [0.2, 0.8]],), 0.5),
    (([[0.1, 0.5, 0.3], [0.9, 0.2, 0.1], [0.3, 0.2, 0.1]],), 0.0),
    (([[1.0]],), 1.0),
    (([[0.6, 0.9], [0.1, 0.7]],), 0.5),  # a diagonal alta não basta: precisa ser o maior da linha
]

REVIEWS = ["Chegou rápido e funciona bem.", "Veio quebrado, não recomendo.", "Produto ok"]


def solution_dpo_loss(chosen_logratio: float, rejected_logratio: float, beta: float) -> float:
    """-log σ(β·(razão da escolhida − razão da rejeitada)), escrita de forma estável com log1p."""
    margin = beta * (chosen_logratio - rejected_logratio)
    return math.log1p(math.exp(-margin)) if margin > -30 else -margin


def solution_instruction(review_text: str) -> str:
    """Um modelo de frase novo: a avaliação primeiro, a pergunta depois, as opções no fim."""
    return f"Avaliação de um cliente: \"{review_text}\"\nO cliente gostou? Responda positivo ou negativo."


def solution_retrieval_accuracy(similarity: list[list[float]]) -> float:
    """Para cada linha, a coluna do maior valor; conta quantas vezes ela é a da diagonal."""
    hits = [max(range(len(row)), key=row.__getitem__) == i for i, row in enumerate(similarity)]
    return sum(hits) / len(hits)


def retrieval_accuracy(fn) -> bool:
    """Verifica o exercício do notebook 10b."""
    return run_cases(rounded(fn), RETRIEVAL_CASES, "retrieval_accuracy")


def dpo_loss(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(rounded(fn), DPO_CASES, "dpo_loss")


def instruction(fn) -> bool:
    """Verifica o exercício 2: o texto da avaliação e as duas opções aparecem na instrução."""

    def valid(review_text):
        got = fn(review_text)
        if got is None or got is Ellipsis:
            return got
        return isinstance(got, str) and review_text in got and "positivo" in got and "negativo" in got

    if not callable(fn):
        return run_cases(fn, [], "instruction")
    return run_cases(valid, [((r,), True) for r in REVIEWS], "instruction")


SOLUTIONS = {
    "dpo_loss": solution_dpo_loss,
    "instruction": solution_instruction,
    "retrieval_accuracy": solution_retrieval_accuracy,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
