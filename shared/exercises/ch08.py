"""Exercícios do capítulo 8 — prompting e avaliação de prompts: verificações e soluções."""

from __future__ import annotations

import re

from shared.exercises import run_cases, show_solution_from

WORD_CASES = [
    (("Som bom e bateria longa.", 6), True),
    (("O fone tem som bom, bateria longa e é confortável.", 6), False),
    (("", 6), False, "uma resposta vazia não tem nenhuma palavra: o limite é de 1 a `max_words`."),
    (("Bom.\nMuito bom.", 6), False, "a resposta precisa caber numa linha só."),
    (("Ótimo", 1), True, "o limite inclui o próprio `max_words`: use `<=`."),
    (("8", 6), False, "só um número não é a frase pedida: exija pelo menos uma palavra com letras."),
    (("42 100 7", 6), False),
]

NUMBER_CASES = [
    (("Fica 27 reais.",), 27.0),
    (("O preço é 249,90.",), 249.9, "aceite a vírgula decimal: troque \",\" por \".\" antes do `float`."),
    (("12 * 4 = 48",), 48.0, "a conta vem antes da resposta: o que vale é o último número."),
    (("17 + 25 = 42",), 42.0),
    (("Temperatura: -3 graus",), -3.0, "o sinal de menos faz parte do número."),
    (("Não sei responder.",), None, "sem nenhum número, devolva `None` (o enunciado pede)."),
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


def _words_no_checks(answer, max_words):
    return len(answer.split()) <= max_words


def _words_strict(answer, max_words):
    return 0 < len(answer.split()) < max_words and "\n" not in answer.strip() and re.search(r"[^\W\d_]", answer) is not None


def _words_numbers_ok(answer, max_words):
    return 0 < len(answer.split()) <= max_words and "\n" not in answer.strip()


def _words_characters(answer, max_words):
    return 0 < len(answer) <= max_words


WORD_MISTAKES = [
    (_words_characters, "`len(answer)` conta caracteres; conte as palavras com `answer.split()`."),
    (_words_strict, "`<` deixa de fora uma resposta com exatamente `max_words` palavras: use `<=`."),
    (_words_numbers_ok, "um número solto (\"8\") não é uma frase: exija pelo menos uma letra."),
    (_words_no_checks, "faltou recusar a resposta vazia (0 palavras) e a de mais de uma linha."),
]


def _number_first(answer):
    found = re.search(r"-?\d+(?:[.,]\d+)?", answer)
    return float(found.group().replace(",", ".")) if found else None


def _number_integers(answer):
    found = re.findall(r"\d+", answer)
    return float(found[-1]) if found else None


def _number_no_sign(answer):
    found = re.findall(r"\d+(?:[.,]\d+)?", answer)
    return float(found[-1].replace(",", ".")) if found else None


def _number_text(answer):
    found = re.findall(r"-?\d+(?:[.,]\d+)?", answer)
    return found[-1] if found else None


def _number_zero(answer):
    found = re.findall(r"-?\d+(?:[.,]\d+)?", answer)
    return float(found[-1].replace(",", ".")) if found else 0.0


NUMBER_MISTAKES = [
    (_number_first, "esse é o primeiro número; numa resposta com a conta (\"12 * 4 = 48\"), o resultado é o último."),
    (_number_integers, "`\\d+` pega só os dígitos: \"249,90\" vira dois números, 249 e 90. Inclua a parte decimal."),
    (_number_no_sign, "o sinal de menos ficou de fora: comece a regex com `-?`."),
    (_number_text, "devolva um `float`, não o texto do número."),
    (_number_zero, "sem número, a resposta é `None`: 0 seria um número que a resposta não tem."),
]


def word_limit_ok(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, WORD_CASES, "word_limit_ok", mistakes=WORD_MISTAKES)


def last_number(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, NUMBER_CASES, "last_number", mistakes=NUMBER_MISTAKES)


SOLUTIONS = {"word_limit_ok": solution_word_limit_ok, "last_number": solution_last_number}

EXERCISES = {
    "word_limit_ok": (word_limit_ok, solution_word_limit_ok, WORD_MISTAKES),
    "last_number": (last_number, solution_last_number, NUMBER_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
