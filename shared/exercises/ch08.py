"""Exercícios do capítulo 8 — prompting e avaliação de prompts: verificações e soluções."""

from __future__ import annotations

import re

from shared.exercises import run_cases, show_solution_from

WORD_CASES = [
    (("Som bom e bateria longa.", 6), True),
    (("O fone tem som bom, bateria longa e é confortável.", 6), False),
    (("", 6), False),
    (("Bom.\nMuito bom.", 6), False),
    (("Ótimo", 1), True),
]

NUMBER_CASES = [
    (("Fica 27 reais.",), 27.0),
    (("O preço é 249,90.",), 249.9),
    (("12 * 4 = 48",), 12.0),
    (("Temperatura: -3 graus",), -3.0),
]


def solution_word_limit_ok(answer: str, max_words: int) -> bool:
    """Conta as palavras separadas por espaço e recusa respostas vazias ou com mais de uma linha."""
    n = len(answer.split())
    return 0 < n <= max_words and "\n" not in answer.strip()


def solution_first_number(answer: str) -> float | None:
    """O primeiro trecho que parece número (com sinal e casa decimal opcionais), com vírgula virando ponto."""
    match = re.search(r"-?\d+(?:[.,]\d+)?", answer)
    return float(match.group().replace(",", ".")) if match else None


def word_limit_ok(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, WORD_CASES, "word_limit_ok")


def first_number(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, NUMBER_CASES, "first_number")


SOLUTIONS = {"word_limit_ok": solution_word_limit_ok, "first_number": solution_first_number}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
