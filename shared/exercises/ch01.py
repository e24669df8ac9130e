"""Exercícios do capítulo 1 — Fundamentos de NLP: verificações e soluções."""

from __future__ import annotations

import re
import unicodedata

from shared.exercises import run_cases, show_solution_from

ACCENT_CASES = [
    (("Ação e coração",), "Açao e coraçao"),
    (("PÉ de MOLEQUE",), "PE de MOLEQUE", "as maiúsculas também têm acento (É, Ã, Ô...)."),
    (("maçã, pêssego e açaí",), "maça, pessego e açai"),
    (("ÇÃO",), "ÇAO", "o Ç maiúsculo também fica."),
    (("À noite, a avó e o avô comeram pão",), "A noite, a avo e o avo comeram pao"),
    (("Lingüiça e pingüim",), "Linguiça e pinguim", "o trema (ü) da grafia antiga também é um acento."),
    (("sem acento",), "sem acento"),
    ((unicodedata.normalize("NFD", "Ação"),), "Açao",
     "o texto pode chegar decomposto (NFD): comece decompondo tudo, e recomponha (NFC) no fim."),
]

BIGRAM_CASES = [
    ((["muito", "bom", "produto"],), [("muito", "bom"), ("bom", "produto")]),
    ((["não", "recomendo"],), [("não", "recomendo")]),
    ((["ótimo"],), [], "uma palavra sozinha não forma nenhum par."),
    (([],), []),
    ((["a", "a", "a"],), [("a", "a"), ("a", "a")], "um par repetido conta de novo: a ordem e as repetições ficam."),
]

LAUGH_CASES = [
    (("adorei kkkk",), "adorei <riso>"),
    (("KKKKKKK que isso",), "<riso> que isso", "maiúsculas também: use `flags=re.IGNORECASE`."),
    (("rsrs chegou rápido",), "<riso> chegou rápido"),
    (("hahaha top",), "<riso> top"),
    (("comprei 2 kg de café",), "comprei 2 kg de café"),
    (("o kit veio ok",), "o kit veio ok"),
    (("a chave do carro",), "a chave do carro",
     "o \"ha\" de \"chave\" não é riso: exija a repetição (`(?:ha){2,}`) e `\\b` nas duas pontas."),
    (("kk muito bom",), "<riso> muito bom",
     "neste exercício \"kk\" (dois k) também é riso: é como muita gente ri por escrito no Brasil."),
    (("chegou rápido rsrsrs",), "chegou rápido <riso>", "\"rs\" repetido quantas vezes for: `(?:rs){2,}`."),
    (("Adorei! Kkkk",), "Adorei! <riso>",
     "o resto do texto fica como estava: em vez de passar tudo para minúsculas, use `flags=re.IGNORECASE`."),
    (("kkkk rsrs",), "<riso> <riso>"),
    (("tênis para trekking",), "tênis para trekking",
     "\"kk\" dentro de uma palavra não é riso: ponha `\\b` (fronteira de palavra) nas duas pontas da regex."),
    (("entrega no RS demorou",), "entrega no RS demorou",
     "\"RS\" sozinho é o Rio Grande do Sul: só \"rs\" repetido (\"rsrs\") conta como riso."),
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
    """Troca risadas (kk, rsrs, haha e suas repetições) por <riso>, sem mexer em palavras que as contêm."""
    return re.sub(r"\b(?:k{2,}|(?:rs){2,}|(?:ha){2,})\b", "<riso>", text, flags=re.IGNORECASE)


# Erros conhecidos: respostas quase certas e o que cada uma ensina.


def _accents_drop_cedilla(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


ACCENT_MISTAKES = [
    (_accents_drop_cedilla, "a cedilha saiu junto com os acentos: em NFD o \"ç\" é \"c\" + U+0327 (combining "
     "cedilla), que também é da categoria Mn (e não é ASCII). Descarte as marcas Mn, menos o U+0327 que vem "
     "depois de c/C."),
]


def _bigrams_short(tokens):
    return [(tokens[i], tokens[i + 1]) for i in range(len(tokens) - 2)]


def _bigrams_wrap(tokens):
    return list(zip(tokens, tokens[1:] + tokens[:1]))


def _bigrams_joined(tokens):
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


BIGRAM_MISTAKES = [
    (_bigrams_short, "faltou o último par: com n tokens há n − 1 pares (o `range` parou um antes)."),
    (_bigrams_wrap, "o último token não tem vizinho à direita: não volte ao começo da lista."),
    (_bigrams_joined, "cada par é uma tupla de dois tokens, `(\"muito\", \"bom\")`, não o texto \"muito bom\"."),
]


def _laugh_issue_regex(text):
    return re.sub(r"k{3,}|rsrs|(?:ha)+", "<riso>", text, flags=re.IGNORECASE)


def _laugh_three_k(text):
    return re.sub(r"\b(?:k{3,}|(?:rs){2,}|(?:ha){2,})\b", "<riso>", text, flags=re.IGNORECASE)


def _laugh_no_boundaries(text):
    return re.sub(r"k{2,}|(?:rs){2,}|(?:ha){2,}", "<riso>", text, flags=re.IGNORECASE)


def _laugh_lowercase(text):
    return re.sub(r"\b(?:k{2,}|(?:rs){2,}|(?:ha){2,})\b", "<riso>", text.lower())


def _laugh_single_rs(text):
    return re.sub(r"\b(?:k{2,}|(?:rs)+|(?:ha){2,})\b", "<riso>", text, flags=re.IGNORECASE)


LAUGH_MISTAKES = [
    (_laugh_three_k, "com `k{3,}`, \"kk\" escapa; neste exercício dois k já são riso (`k{2,}`)."),
    (_laugh_lowercase, "o texto inteiro foi para minúsculas; só a risada devia mudar (use `flags=re.IGNORECASE`)."),
    (_laugh_issue_regex, "sem `\\b` e sem exigir repetição, a regex acha risadas dentro de palavras "
     "(\"chave\" vira \"c<riso>ve\") e corta \"rsrsrs\" no meio."),
    (_laugh_no_boundaries, "sem `\\b` nas pontas, a regex acha risadas dentro de palavras (\"trekking\")."),
    (_laugh_single_rs, "um \"rs\" sozinho pode ser o estado (RS): exija a repetição, `(?:rs){2,}`."),
]


def strip_accents_keep_cedilla(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, ACCENT_CASES, "strip_accents_keep_cedilla", mistakes=ACCENT_MISTAKES)


def bigrams(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, BIGRAM_CASES, "bigrams", mistakes=BIGRAM_MISTAKES)


def replace_laughter(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, LAUGH_CASES, "replace_laughter", mistakes=LAUGH_MISTAKES)


SOLUTIONS = {
    "strip_accents_keep_cedilla": solution_strip_accents_keep_cedilla,
    "bigrams": solution_bigrams,
    "replace_laughter": solution_replace_laughter,
}

EXERCISES = {
    "strip_accents_keep_cedilla": (strip_accents_keep_cedilla, solution_strip_accents_keep_cedilla, ACCENT_MISTAKES),
    "bigrams": (bigrams, solution_bigrams, BIGRAM_MISTAKES),
    "replace_laughter": (replace_laughter, solution_replace_laughter, LAUGH_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
