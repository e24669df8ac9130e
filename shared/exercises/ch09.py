"""Exercícios do capítulo 9 — projeto final: verificações e soluções."""

from __future__ import annotations

import re

from shared.exercises import run_cases, show_solution_from

LCS_CASES = [
    ((["o", "gato", "subiu", "no", "telhado"], ["o", "gato", "no", "telhado"]), 4),
    ((["a", "b", "c"], ["c", "b", "a"]), 1),
    ((["lora", "treina", "matrizes"], []), 0),
    ((["x", "y", "x", "y"], ["y", "x", "y", "x"]), 3),
]

FORMAT_CASES = [
    (("LoRA (em inglês, low-rank adaptation): Ajuste com matrizes pequenas. Veja o capítulo 6 (PEFT e LoRA).",), True),
    (("LoRA é um ajuste com matrizes pequenas.",), False),
    (("LoRA (em inglês, LoRA): Ajuste. Veja o capítulo seis (PEFT e LoRA).",), False),
    (("LoRA (em inglês, LoRA): Ajuste. Veja o capítulo 6 (PEFT e LoRA)",), False),
]


def solution_lcs_length(a: list[str], b: list[str]) -> int:
    """Programação dinâmica: ``row[j]`` é a maior subsequência comum de ``a[:i]`` e ``b[:j]``."""
    row = [0] * (len(b) + 1)
    for word in a:
        previous_diagonal = 0
        for j, other in enumerate(b, start=1):
            keep = row[j]
            row[j] = previous_diagonal + 1 if word == other else max(row[j], row[j - 1])
            previous_diagonal = keep
    return row[-1]


def solution_format_ok(answer: str) -> bool:
    """Uma expressão regular com as quatro partes fixas do formato do glossário."""
    return bool(re.fullmatch(r".+? \(em inglês, .+?\): .+ Veja o capítulo \d+ \(.+\)\.", answer.strip(), re.S))


def lcs_length(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, LCS_CASES, "lcs_length")


def format_ok(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, FORMAT_CASES, "format_ok")


SOLUTIONS = {"lcs_length": solution_lcs_length, "format_ok": solution_format_ok}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
