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
    (("8", 6), False),  # só um número: não é a frase pedida
    (("42 100 7", 6), False),
]

NUMBER_CASES = [
    (("Fica 27 reais.",), 27.0),
    (("O preço é 249,90.",), 249.9),
    (("12 * 4 = 48",), 48.0),  # a conta antes da resposta: o que vale é o último número
    (("17 + 25 = 42",), 42.0),
    (("Temperatura: -3 graus",), -3.0),
]


def solution_word_limit_ok(answer: str, max_words: int) -> bool:
    """Conta as palavras separadas por espaço; recusa respostas vazias, com mais de uma linha ou sem nenhuma
    palavra de verdade (só números)."""
    n = len(answer.split())
    has_word = re.search(r"[^\W\d_]", answer) is not None
    return 0 < n <= max_words and has_word and "\n" not in answer.strip()


def solution_last_number(answer: str) -> float | None:
    """O último trecho que parece número (com sinal e casa decimal opcionais), com vírgula virando ponto."""
    found = re.findall(r"-?\d+(?:[.,]\d+)?", answer)
    return float(found[-1].replace(",", ".")) if found else None


def word_limit_ok(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, WORD_CASES, "word_limit_ok")


def last_number(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, NUMBER_CASES, "last_number")


SOLUTIONS = {"word_limit_ok": solution_word_limit_ok, "last_number": solution_last_number}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
