"""Exercícios do capítulo 2 — Tokenização moderna e embeddings: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounded, run_cases, show_solution_from

MERGE_CASES = [
    ((["b", "a", "n", "a", "n", "a"], ("a", "n")), ["b", "an", "an", "a"]),
    ((["a", "a", "a"], ("a", "a")), ["aa", "a"]),
    ((["ç", "ã", "o"], ("ã", "o")), ["ç", "ão"]),
    ((["x"], ("x", "y")), ["x"]),
    (([], ("a", "b")), []),
]

COSINE_CASES = [
    (([1.0, 0.0], [0.0, 1.0]), 0.0),
    (([1.0, 2.0], [2.0, 4.0]), 1.0),
    (([1.0, 0.0], [-1.0, 0.0]), -1.0),
    (([3.0, 4.0], [4.0, 3.0]), 0.96),
]

POOL_CASES = [
    (([[1.0, 2.0], [3.0, 4.0]], [1, 1]), [2.0, 3.0]),
    (([[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]], [1, 1, 0]), [2.0, 3.0]),
    (([[5.0, -5.0]], [1]), [5.0, -5.0]),
]


def solution_merge_pair(symbols: list[str], pair: tuple[str, str]) -> list[str]:
    """Aplica uma fusão do BPE: junta cada ocorrência de ``pair``, da esquerda para a direita."""
    out, i = [], 0
    while i < len(symbols):
        if i < len(symbols) - 1 and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def solution_cosine(u: list[float], v: list[float]) -> float:
    """Similaridade do cosseno: produto escalar dividido pelo produto das normas."""
    dot = sum(a * b for a, b in zip(u, v))
    return dot / (math.sqrt(sum(a * a for a in u)) * math.sqrt(sum(b * b for b in v)))


def solution_mean_pool(vectors: list[list[float]], mask: list[int]) -> list[float]:
    """Média dos vetores cujos tokens têm máscara 1 (ignora o preenchimento)."""
    kept = [v for v, m in zip(vectors, mask) if m]
    return [sum(col) / len(kept) for col in zip(*kept)]


def merge_pair(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, MERGE_CASES, "merge_pair")


def cosine(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(rounded(fn, 2), COSINE_CASES, "cosine")


def mean_pool(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(rounded(fn), POOL_CASES, "mean_pool")


SOLUTIONS = {"merge_pair": solution_merge_pair, "cosine": solution_cosine, "mean_pool": solution_mean_pool}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
