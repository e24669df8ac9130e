"""Exercícios do capítulo 5 — Fine-tuning: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounding, run_cases, show_solution_from

F1_CASES = [
    ((8, 2, 2), 0.8),
    ((0, 0, 5), 0.0, "sem nenhum VP, precisão e revocação são 0: a conta não pode dividir por zero."),
    ((0, 0, 0), 0.0, "nenhum positivo previsto nem real: F1 = 0 por convenção (como o scikit-learn)."),
    ((30, 10, 0), 0.8571, "o F1 é a média harmônica de precisão e revocação, não a média simples."),
]

MACRO_CASES = [
    (([1, 1, 0, 0], [1, 1, 0, 0]), 1.0),
    (([1, 1, 1, 0], [1, 1, 1, 1]), 0.4286, "a classe 0 nunca é prevista: o F1 dela é 0 e entra na média."),
    (([0, 1, 2, 2], [0, 2, 2, 1]), 0.5),
    (([0, 0, 1, 1], [0, 0, 1, 2]), 0.5556,
     "a classe 2 só aparece nas previsões, e conta (com F1 0): use as classes dos rótulos reais e das previsões."),
]

LENGTH_CASES = [
    (([10, 20, 30, 40, 50], 90), 48),
    (([5, 5, 5, 5], 95), 8),
    (([100, 120, 300], 50), 120),
    (([10, 20, 30, 40, 50], 97.5), 56, "o percentil dá 49: para cima, o múltiplo de 8 é 56 (não 48)."),
]


def solution_f1_from_counts(tp: int, fp: int, fn: int) -> float:
    """F1 = 2·precisão·revocação / (precisão + revocação) = 2·VP / (2·VP + FP + FN)."""
    denominator = 2 * tp + fp + fn
    return 2 * tp / denominator if denominator else 0.0


def solution_macro_f1(y_true: list[int], y_pred: list[int]) -> float:
    """Média simples do F1 de cada classe que aparece nos rótulos reais ou nas previsões."""
    classes = sorted(set(y_true) | set(y_pred))
    scores = []
    for c in classes:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        scores.append(solution_f1_from_counts(tp, fp, fn))
    return sum(scores) / len(scores)


def solution_pick_max_length(lengths: list[int], percentile: float) -> int:
    """Percentil dos tamanhos (interpolação linear, como o NumPy), arredondado para cima até múltiplo de 8."""
    values = sorted(lengths)
    position = (len(values) - 1) * percentile / 100
    low, high = math.floor(position), math.ceil(position)
    value = values[low] + (values[high] - values[low]) * (position - low)
    return int(math.ceil(value / 8) * 8)


def _f1_mean(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (precision + recall) / 2


def _f1_no_two(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision * recall / (precision + recall) if precision + recall else 0.0


def _f1_jaccard(tp, fp, fn):
    return tp / (tp + fp + fn) if tp + fp + fn else 0.0


F1_MISTAKES = [
    (_f1_mean, "isso é a média simples de precisão e revocação; o F1 é a média harmônica, 2·P·R / (P + R)."),
    (_f1_no_two, "faltou o 2: F1 = 2·P·R / (P + R)."),
    (_f1_jaccard, "VP / (VP + FP + FN) é o índice de Jaccard; o F1 conta os VP duas vezes: 2·VP / (2·VP + FP + FN)."),
]


def _macro_accuracy(y_true, y_pred):
    return sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true)


def _macro_true_classes(y_true, y_pred):
    scores = []
    for c in sorted(set(y_true)):
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        scores.append(solution_f1_from_counts(tp, fp, fn))
    return sum(scores) / len(scores)


def _macro_weighted(y_true, y_pred):
    total = 0.0
    for c in sorted(set(y_true) | set(y_pred)):
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        total += solution_f1_from_counts(tp, fp, fn) * y_true.count(c)
    return total / len(y_true)


def _macro_of_averages(y_true, y_pred):
    classes = sorted(set(y_true) | set(y_pred))
    precisions, recalls = [], []
    for c in classes:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        predicted, real = sum(p == c for p in y_pred), sum(t == c for t in y_true)
        precisions.append(tp / predicted if predicted else 0.0)
        recalls.append(tp / real if real else 0.0)
    p, r = sum(precisions) / len(classes), sum(recalls) / len(classes)
    return 2 * p * r / (p + r) if p + r else 0.0


MACRO_MISTAKES = [
    (_macro_accuracy, "isso é a acurácia (igual ao F1 micro aqui); o F1 macro é a média do F1 de cada classe."),
    (_macro_true_classes, "faltou a classe que só aparece nas previsões: use as classes de `y_true` e de `y_pred`."),
    (_macro_weighted, "isso é o F1 ponderado pelo número de exemplos de cada classe (`average=\"weighted\"`); o "
     "macro dá o mesmo peso a todas as classes."),
    (_macro_of_averages, "você tirou a média da precisão e da revocação e depois o F1; o macro é a média dos F1."),
]


def _length_no_rounding(lengths, percentile):
    values = sorted(lengths)
    position = (len(values) - 1) * percentile / 100
    low, high = math.floor(position), math.ceil(position)
    return int(values[low] + (values[high] - values[low]) * (position - low))


def _length_nearest_multiple(lengths, percentile):
    values = sorted(lengths)
    position = (len(values) - 1) * percentile / 100
    low, high = math.floor(position), math.ceil(position)
    return int(round((values[low] + (values[high] - values[low]) * (position - low)) / 8) * 8)


def _length_nearest_rank(lengths, percentile):
    values = sorted(lengths)
    return int(math.ceil(values[max(0, math.ceil(len(values) * percentile / 100) - 1)] / 8) * 8)


def _length_fraction(lengths, percentile):
    return solution_pick_max_length(lengths, percentile / 100)


LENGTH_MISTAKES = [
    (_length_no_rounding, "faltou arredondar para cima até um múltiplo de 8."),
    (_length_nearest_multiple, "arredonde para cima (`math.ceil`), não para o múltiplo de 8 mais próximo: um tamanho "
     "menor corta as entradas do percentil."),
    (_length_nearest_rank, "esse é o percentil por posição mais próxima; o pedido usa interpolação linear, como "
     "`np.percentile`."),
    (_length_fraction, "o percentil vem de 0 a 100 (90 = 90%), não de 0 a 1."),
]


def f1_from_counts(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, F1_CASES, "f1_from_counts", normalize=rounding(4), mistakes=F1_MISTAKES)


def macro_f1(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, MACRO_CASES, "macro_f1", normalize=rounding(4), mistakes=MACRO_MISTAKES)


def pick_max_length(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, LENGTH_CASES, "pick_max_length", mistakes=LENGTH_MISTAKES)


SOLUTIONS = {
    "f1_from_counts": solution_f1_from_counts,
    "macro_f1": solution_macro_f1,
    "pick_max_length": solution_pick_max_length,
}

EXERCISES = {
    "f1_from_counts": (f1_from_counts, solution_f1_from_counts, F1_MISTAKES),
    "macro_f1": (macro_f1, solution_macro_f1, MACRO_MISTAKES),
    "pick_max_length": (pick_max_length, solution_pick_max_length, LENGTH_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
