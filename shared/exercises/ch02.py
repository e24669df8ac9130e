"""Exercícios do capítulo 2 — Tokenização moderna e embeddings: verificações e soluções."""

from __future__ import annotations

import math

from shared.exercises import rounding, run_cases, show_solution_from

MERGE_CASES = [
    ((["b", "a", "n", "a", "n", "a"], ("a", "n")), ["b", "an", "an", "a"]),
    ((["a", "a", "a"], ("a", "a")), ["aa", "a"],
     "sem sobreposição: depois de juntar um par, pule os dois símbolos que ele usou."),
    ((["ç", "ã", "o"], ("ã", "o")), ["ç", "ão"]),
    ((["x"], ("x", "y")), ["x"]),
    (([], ("a", "b")), []),
    ((["b", "an", "a"], ("n", "a")), ["b", "an", "a"],
     "compare símbolos inteiros: \"an\" seguido de \"a\" não é o par (\"n\", \"a\")."),
    ((["an", "an", "a"], ("an", "an")), ["anan", "a"]),
]

COSINE_CASES = [
    (([1.0, 0.0], [0.0, 1.0]), 0.0, "vetores perpendiculares têm cosseno 0."),
    (([1.0, 2.0], [2.0, 4.0]), 1.0,
     "vetores na mesma direção têm cosseno 1, qualquer que seja o tamanho: divida pelo produto das normas."),
    (([1.0, 0.0], [-1.0, 0.0]), -1.0, "direções opostas dão −1."),
    (([3.0, 4.0], [4.0, 3.0]), 0.96),
]

POOL_CASES = [
    (([[1.0, 2.0], [3.0, 4.0]], [1, 1]), [2.0, 3.0]),
    (([[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]], [1, 1, 0]), [2.0, 3.0],
     "os vetores com máscara 0 (preenchimento) ficam fora da soma e da contagem."),
    (([[100.0, 100.0], [1.0, 2.0], [3.0, 4.0]], [0, 1, 1]), [2.0, 3.0],
     "o preenchimento pode vir à esquerda (é assim nos modelos que geram texto): siga a máscara, não a posição."),
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


def _merge_text(symbols, pair):
    return " ".join(symbols).replace(" ".join(pair), "".join(pair)).split()


def _merge_first_only(symbols, pair):
    for i in range(len(symbols) - 1):
        if (symbols[i], symbols[i + 1]) == pair:
            return symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]
    return list(symbols)


def _merge_overlapping(symbols, pair):
    out = list(symbols)
    for i in range(len(symbols) - 1):
        if (symbols[i], symbols[i + 1]) == pair:
            out[i] = symbols[i] + symbols[i + 1]
            out[i + 1] = ""
    return [s for s in out if s]


MERGE_MISTAKES = [
    (_merge_text, "você juntou pedaços de texto, não símbolos: no texto \"b an a\", trocar \"n a\" por \"na\" junta "
     "o fim de \"an\" com \"a\". Percorra a lista comparando pares de símbolos inteiros."),
    (_merge_first_only, "só a primeira ocorrência foi juntada: uma fusão do BPE vale para todas."),
    (_merge_overlapping, "o mesmo símbolo entrou em dois pares: depois de juntar, pule para depois do par."),
]


def _cosine_dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def _cosine_distance(u, v):
    return 1 - solution_cosine(u, v)


def _cosine_abs(u, v):
    return abs(solution_cosine(u, v))


def _cosine_no_sqrt(u, v):
    return _cosine_dot(u, v) / (sum(a * a for a in u) * sum(b * b for b in v))


COSINE_MISTAKES = [
    (_cosine_distance, "isso é a distância do cosseno, 1 − cos (o que `scipy.spatial.distance.cosine` devolve)."),
    (_cosine_abs, "não tire o valor absoluto: vetores opostos têm cosseno −1."),
    (_cosine_no_sqrt, "a norma é a raiz da soma dos quadrados: faltou o `math.sqrt`."),
    (_cosine_dot, "isso é só o produto escalar: divida pelo produto das normas dos dois vetores."),
]


def _pool_all(vectors, mask):
    return [sum(col) / len(vectors) for col in zip(*vectors)]


def _pool_divide_by_length(vectors, mask):
    return [sum(x * m for x, m in zip(col, mask)) / len(mask) for col in zip(*vectors)]


def _pool_first_positions(vectors, mask):
    kept = vectors[: sum(mask)]
    return [sum(col) / len(kept) for col in zip(*kept)]


def _pool_per_token(vectors, mask):
    return [sum(v) / len(v) for v, m in zip(vectors, mask) if m]


POOL_MISTAKES = [
    (_pool_all, "os vetores de preenchimento (máscara 0) entraram na média."),
    (_pool_divide_by_length, "a soma ignora o preenchimento, mas a divisão não: divida pelo número de tokens com "
     "máscara 1."),
    (_pool_first_positions, "você pegou os primeiros `sum(mask)` vetores; quando o preenchimento vem à esquerda, "
     "eles são justamente os errados. Use a máscara de cada posição."),
    (_pool_per_token, "a média foi feita dentro de cada vetor; a média certa é entre os tokens, dimensão a dimensão."),
]


def merge_pair(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, MERGE_CASES, "merge_pair", mistakes=MERGE_MISTAKES)


def cosine(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, COSINE_CASES, "cosine", normalize=rounding(2), mistakes=COSINE_MISTAKES)


def mean_pool(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, POOL_CASES, "mean_pool", normalize=rounding(4), mistakes=POOL_MISTAKES)


SOLUTIONS = {"merge_pair": solution_merge_pair, "cosine": solution_cosine, "mean_pool": solution_mean_pool}

EXERCISES = {
    "merge_pair": (merge_pair, solution_merge_pair, MERGE_MISTAKES),
    "cosine": (cosine, solution_cosine, COSINE_MISTAKES),
    "mean_pool": (mean_pool, solution_mean_pool, POOL_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
