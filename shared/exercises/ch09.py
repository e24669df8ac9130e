"""Exercícios do capítulo 9 — projeto final: verificações e soluções."""

from __future__ import annotations

import re

from shared.exercises import run_cases, show_solution_from

LCS_CASES = [
    ((["o", "gato", "subiu", "no", "telhado"], ["o", "gato", "no", "telhado"]), 4,
     "a subsequência pode pular palavras (\"subiu\"), mas mantém a ordem."),
    ((["a", "b", "c"], ["c", "b", "a"]), 1, "a ordem conta: com a ordem invertida, só uma palavra casa."),
    ((["lora", "treina", "matrizes"], []), 0),
    ((["x", "y", "x", "y"], ["y", "x", "y", "x"]), 3),
    ((["a", "b", "c"], ["b", "c", "a"]), 2,
     "casar cada palavra com a primeira ocorrência na outra lista pode bloquear uma subsequência maior."),
]

FORMAT_CASES = [
    (("LoRA (em inglês, low-rank adaptation): Ajuste com matrizes pequenas. Veja o capítulo 6 (PEFT e LoRA).",), True),
    (("LoRA é um ajuste com matrizes pequenas.",), False),
    (("LoRA (em inglês, LoRA): Ajuste. Veja o capítulo seis (PEFT e LoRA).",), False,
     "o número do capítulo vem em algarismos (`\\d+`)."),
    (("LoRA (em inglês, LoRA): Ajuste. Veja o capítulo 6 (PEFT e LoRA)",), False, "falta o ponto final."),
    (("LoRA (em inglês, low-rank adaptation) Ajuste. Veja o capítulo 6 (PEFT e LoRA).",), False,
     "depois do parêntese do inglês vêm dois-pontos."),
    (("LoRA (em inglês, low-rank adaptation): Ajuste. Veja o capítulo 6 (PEFT e LoRA). Espero ter ajudado!",), False,
     "nada vem depois do ponto final: a resposta inteira segue o formato (`re.fullmatch`, não `re.search`)."),
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


def _lcs_set(a, b):
    return len(set(a) & set(b))


def _lcs_positions(a, b):
    return sum(x == y for x, y in zip(a, b))


def _lcs_contiguous(a, b):
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


def _lcs_greedy(a, b):
    count, start = 0, 0
    for word in a:
        if word in b[start:]:
            start = b.index(word, start) + 1
            count += 1
    return count


LCS_MISTAKES = [
    (_lcs_set, "isso conta as palavras em comum sem olhar a ordem; a LCS respeita a ordem das duas listas."),
    (_lcs_positions, "isso compara posição a posição; a subsequência pode pular palavras de qualquer uma das listas."),
    (_lcs_contiguous, "essa é a maior sequência contínua em comum; a subsequência pode pular palavras."),
    (_lcs_greedy, "casar cada palavra com a primeira ocorrência livre (guloso) falha: em [a, b, c] × [b, c, a], "
     "casar o \"a\" bloqueia \"b c\". Use programação dinâmica."),
]


def _format_contains(answer):
    return "(em inglês," in answer


def _format_search(answer):
    return bool(re.search(r".+? \(em inglês, .+?\): .+ Veja o capítulo \d+ \(.+\)\.", answer, re.S))


def _format_no_period(answer):
    return bool(re.fullmatch(r".+? \(em inglês, .+?\): .+ Veja o capítulo \d+ \(.+\)\.?", answer.strip(), re.S))


def _format_any_word(answer):
    return bool(re.fullmatch(r".+? \(em inglês, .+?\): .+ Veja o capítulo \w+ \(.+\)\.", answer.strip(), re.S))


FORMAT_MISTAKES = [
    (_format_contains, "procurar um pedaço do formato não basta: confira as quatro partes, na ordem."),
    (_format_any_word, "`\\w+` aceita \"seis\"; o número do capítulo vem em algarismos (`\\d+`)."),
    (_format_no_period, "o ponto final faz parte do formato."),
    (_format_search, "`re.search` acha o formato no meio de um texto maior; use `re.fullmatch` (a resposta inteira)."),
]


def lcs_length(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, LCS_CASES, "lcs_length", mistakes=LCS_MISTAKES)


def format_ok(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, FORMAT_CASES, "format_ok", mistakes=FORMAT_MISTAKES)


SOLUTIONS = {"lcs_length": solution_lcs_length, "format_ok": solution_format_ok}

EXERCISES = {
    "lcs_length": (lcs_length, solution_lcs_length, LCS_MISTAKES),
    "format_ok": (format_ok, solution_format_ok, FORMAT_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
