"""Exercícios do capítulo 1 — Fundamentos de NLP: verificações e soluções."""

from __future__ import annotations

import re
import unicodedata

from shared.exercises import run_cases, show_solution_from

ACCENT_CASES = [
    (("Ação e coração",), "Açao e coraçao"),
    (("PÉ de MOLEQUE",), "PE de MOLEQUE"),
    (("maçã, pêssego e açaí",), "maça, pessego e açai"),
    (("já",), "ja"),
    (("ÇÃO",), "ÇAO"),
    (("sem acento",), "sem acento"),
]

BIGRAM_CASES = [
    ((["muito", "bom", "produto"],), [("muito", "bom"), ("bom", "produto")]),
    ((["ótimo"],), []),
    (([],), []),
    ((["a", "a", "a"],), [("a", "a"), ("a", "a")]),
]

LAUGH_CASES = [
    (("adorei kkkk",), "adorei <riso>"),
    (("KKKKKKK que isso",), "<riso> que isso"),
    (("rsrs chegou rápido",), "<riso> chegou rápido"),
    (("hahaha top",), "<riso> top"),
    (("comprei 2 kg de café",), "comprei 2 kg de café"),
    (("o kit veio ok",), "o kit veio ok"),
]


def solution_strip_accents_keep_cedilla(text: str) -> str:
    """Remove acentos, mas mantém o ç (e o Ç)."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and not (ch == "\u0327" and out and out[-1] in "cC"):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def solution_bigrams(tokens: list[str]) -> list[tuple[str, str]]:
    """Pares de tokens vizinhos."""
    return list(zip(tokens, tokens[1:]))


def solution_replace_laughter(text: str) -> str:
    """Troca risadas (kkk, rsrs, haha) por <riso>."""
    return re.sub(r"\b(?:k{3,}|(?:rs){2,}|(?:ha){2,})\b", "<riso>", text, flags=re.IGNORECASE)


def strip_accents_keep_cedilla(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, ACCENT_CASES, "strip_accents_keep_cedilla")


def bigrams(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, BIGRAM_CASES, "bigrams")


def replace_laughter(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, LAUGH_CASES, "replace_laughter")


SOLUTIONS = {
    "strip_accents_keep_cedilla": solution_strip_accents_keep_cedilla,
    "bigrams": solution_bigrams,
    "replace_laughter": solution_replace_laughter,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
