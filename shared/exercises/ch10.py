"""Exercícios do capítulo 10 — técnicas recentes: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import is_blank, rounding, run_cases, show_solution_from

DPO_CASES = [
    ((0.0, 0.0, 0.1), 0.6931, "modelo igual à referência: a perda é −log σ(0) = log 2."),
    ((2.0, -3.0, 0.1), 0.4741, "a margem é β·(razão da escolhida − razão da rejeitada)."),  # perda menor
    ((-1.0, 4.0, 0.5), 2.5789),  # ao contrário: perda maior
    ((10.0, -10.0, 1.0), 0.0),
]

RETRIEVAL_CASES = [
    (([[0.9, 0.1], [0.2, 0.8]],), 1.0),
    (([[0.1, 0.9], [0.2, 0.8]],), 0.5),
    (([[0.1, 0.5, 0.3], [0.9, 0.2, 0.1], [0.3, 0.2, 0.1]],), 0.0),
    (([[1.0]],), 1.0),
    (([[0.6, 0.9], [0.1, 0.7]],), 0.5, "um valor alto na diagonal não basta: ele precisa ser o maior da linha."),
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


def _dpo_no_beta(chosen, rejected, beta):
    return solution_dpo_loss(chosen, rejected, 1.0)


def _dpo_flipped(chosen, rejected, beta):
    return solution_dpo_loss(rejected, chosen, beta)


def _dpo_sigmoid(chosen, rejected, beta):
    return 1 / (1 + math.exp(-beta * (chosen - rejected)))


def _dpo_log_sigmoid(chosen, rejected, beta):
    return -solution_dpo_loss(chosen, rejected, beta)


DPO_MISTAKES = [
    (_dpo_sigmoid, "isso é σ(margem), a probabilidade de preferir a escolhida; a perda é −log σ(margem)."),
    (_dpo_log_sigmoid, "faltou o sinal de menos: a perda é −log σ(margem), sempre positiva."),
    (_dpo_flipped, "a ordem está trocada: a margem é a razão da escolhida menos a da rejeitada."),
    (_dpo_no_beta, "faltou multiplicar a diferença por β."),
]


def _retrieval_threshold(similarity):
    return sum(row[i] > 0.5 for i, row in enumerate(similarity)) / len(similarity)


def _retrieval_columns(similarity):
    n = len(similarity)
    hits = [max(range(n), key=lambda i, j=j: similarity[i][j]) == j for j in range(n)]
    return sum(hits) / n


def _retrieval_count(similarity):
    return sum(max(range(len(row)), key=row.__getitem__) == i for i, row in enumerate(similarity))


RETRIEVAL_MISTAKES = [
    (_retrieval_threshold, "um limiar fixo (0,5) não diz se o par certo ganhou: compare com os outros valores da "
     "linha."),
    (_retrieval_columns, "você procurou o maior de cada coluna (legenda → imagem); o enunciado pede o de cada linha."),
    (_retrieval_count, "isso é o número de acertos; devolva a fração (divida pelo número de linhas)."),
]


def retrieval_accuracy(fn) -> bool:
    """Verifica o exercício do notebook 10b."""
    return run_cases(fn, RETRIEVAL_CASES, "retrieval_accuracy", normalize=rounding(4), mistakes=RETRIEVAL_MISTAKES)


def dpo_loss(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, DPO_CASES, "dpo_loss", normalize=rounding(4), mistakes=DPO_MISTAKES)


def _instruction_problem(review_text: str, got) -> str | None:
    """O que falta numa instrução, ou ``None`` se ela serve."""
    from shared.alignment import SENTIMENT

    if not isinstance(got, str):
        return f"devolva o texto da instrução (uma `str`), não {type(got).__name__}."
    if review_text not in got:
        if "{" in got:
            return ("o texto da avaliação não entrou: a instrução ainda tem `{...}`. Faltou o `f` antes das aspas "
                    "(f-string) ou o `.format(...)`?")
        return "a instrução precisa conter o texto da avaliação, inteiro e sem mudanças."
    for word in ("positivo", "negativo"):
        if word not in got:
            if word in got.lower():
                return (f"escreva \"{word}\" em minúsculas, como as respostas do treino: o modelo tende a copiar a "
                        "forma das opções.")
            return f"faltou a opção \"{word}\": diga ao modelo quais são as duas respostas possíveis."
    if got.strip() == SENTIMENT.format(review_text=review_text).strip():
        return "esse é o modelo de frase do capítulo (`shared.alignment.SENTIMENT`); o exercício pede um novo."
    return None


def instruction(fn) -> bool:
    """Verifica o exercício 2: o texto da avaliação e as duas opções aparecem, num modelo de frase novo."""
    if not callable(fn) or is_blank(fn):
        return run_cases(fn, [((r,), True) for r in REVIEWS], "instruction")
    for number, review_text in enumerate(REVIEWS, start=1):
        header = f"❌ instruction({review_text!r}) — caso {number} de {len(REVIEWS)}\n"
        try:
            got = fn(review_text)
        except Exception as err:  # o aluno pode errar de qualquer jeito
            print(f"{header}   levantou {type(err).__name__}: {err}")
            return False
        if got is None:
            print(f"{header}   devolveu None: faltou o `return`?")
            return False
        problem = _instruction_problem(review_text, got)
        if problem:
            print(f"{header}   devolveu: {got!r}\n   → {problem}")
            return False
    print(f"✅ instruction: passou em {len(REVIEWS)} casos.")
    return True


def _instruction_template(review_text):
    return "Classifique a avaliação {review_text} como positivo ou negativo."


def _instruction_chapter(review_text):
    from shared.alignment import SENTIMENT

    return SENTIMENT.format(review_text=review_text)


def _instruction_capitalized(review_text):
    return f"Avaliação: {review_text}\nO cliente gostou? Responda Positivo ou Negativo."


# Aqui cada erro conhecido vem com um trecho da mensagem que ele deve provocar (os testes conferem).
INSTRUCTION_MISTAKES = [
    (_instruction_template, "o texto da avaliação não entrou"),
    (_instruction_chapter, "esse é o modelo de frase do capítulo"),
    (_instruction_capitalized, "em minúsculas"),
]


SOLUTIONS = {
    "dpo_loss": solution_dpo_loss,
    "instruction": solution_instruction,
    "retrieval_accuracy": solution_retrieval_accuracy,
}

EXERCISES = {
    "dpo_loss": (dpo_loss, solution_dpo_loss, DPO_MISTAKES),
    "instruction": (instruction, solution_instruction, INSTRUCTION_MISTAKES),
    "retrieval_accuracy": (retrieval_accuracy, solution_retrieval_accuracy, RETRIEVAL_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
