"""Exercícios do capítulo 6 — PEFT e LoRA: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounding, run_cases, show_solution_from

PARAM_CASES = [
    ((384, 384, 8), 6144),
    ((4096, 4096, 16), 131072),
    ((768, 3072, 1), 3840),
]

MERGE_CASES = [
    # W 2×2, A 1×2, B 2×1, α/r = 2
    (([[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0]], [[1.0], [0.0]], 2.0, 1), [[3.0, 4.0], [0.0, 1.0]]),
    # B = 0: nada muda
    (([[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]], [[0.0], [0.0]], 16.0, 1), [[1.0, 2.0], [3.0, 4.0]]),
    # r = 2, α = 2: escala 1
    (([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]], 2.0, 2), [[1.0, 1.0]]),
]

MEMORY_CASES = [
    ((0, 1_000_000_000), 4.0),  # nada treinável: só os pesos
    ((7_000_000_000, 7_000_000_000), 112.0),  # 4 cópias de 7B números de 4 bytes
    ((7_000_000, 7_000_000_000), 28.084),  # LoRA com 0,1%: quase só os pesos
]


def solution_lora_parameters(d: int, k: int, r: int) -> int:
    """A tem r × k números e B tem d × r: r·(d + k)."""
    return r * (d + k)


def solution_merge(W, A, B, alpha: float, r: int):
    """W + (α/r)·B·A, com B (d × r) e A (r × k)."""
    scale = alpha / r
    return [
        [W[i][j] + scale * sum(B[i][m] * A[m][j] for m in range(len(A))) for j in range(len(W[0]))]
        for i in range(len(W))
    ]


def solution_adam_memory_gb(n_trainable: int, n_total: int, bytes_per_number: int = 4) -> float:
    """Pesos (todos) + gradiente e 2 estados do AdamW (só dos treináveis), em GB."""
    return (n_total + 3 * n_trainable) * bytes_per_number / 1e9


def _lora_full(d, k, r):
    return d * k


def _lora_square(d, k, r):
    return 2 * r * d


def _lora_with_w(d, k, r):
    return d * k + r * (d + k)


LORA_MISTAKES = [
    (_lora_full, "d·k é a matriz cheia W; o LoRA treina só A (r × k) e B (d × r)."),
    (_lora_square, "isso só vale para matrizes quadradas: A tem r·k números e B tem d·r, r·(d + k) ao todo."),
    (_lora_with_w, "W fica congelada: conte só os números de A e B."),
]


def _merge_no_scale(W, A, B, alpha, r):
    return solution_merge(W, A, B, r, r)


def _merge_alpha_only(W, A, B, alpha, r):
    return solution_merge(W, A, B, alpha * r, r)


def _merge_inverted(W, A, B, alpha, r):
    return solution_merge(W, A, B, r * r / alpha, r)


MERGE_MISTAKES = [
    (_merge_no_scale, "faltou a escala α/r multiplicando B·A."),
    (_merge_alpha_only, "a escala é α/r, não α: divida pelo posto."),
    (_merge_inverted, "a escala está invertida: é α/r, não r/α."),
]


def _memory_all_states(n_trainable, n_total, bytes_per_number=4):
    return 4 * n_total * bytes_per_number / 1e9


def _memory_no_gradient(n_trainable, n_total, bytes_per_number=4):
    return (n_total + 2 * n_trainable) * bytes_per_number / 1e9


def _memory_no_weights(n_trainable, n_total, bytes_per_number=4):
    return 3 * n_trainable * bytes_per_number / 1e9


def _memory_gib(n_trainable, n_total, bytes_per_number=4):
    return (n_total + 3 * n_trainable) * bytes_per_number / 2**30


MEMORY_MISTAKES = [
    (_memory_all_states, "gradiente e estados do AdamW existem só para os parâmetros treináveis."),
    (_memory_no_gradient, "faltou o gradiente: cada número treinável tem peso, gradiente e dois estados do AdamW."),
    (_memory_no_weights, "os pesos congelados também ocupam memória: some todos os pesos (`n_total`)."),
    (_memory_gib, "aqui GB são 10⁹ bytes, não 2³⁰ (GiB)."),
]


def _rounded_matrix(value):
    return [[round(float(x), 4) for x in row] for row in value]


def lora_parameters(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, PARAM_CASES, "lora_parameters", mistakes=LORA_MISTAKES)


def merge(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, MERGE_CASES, "merge", normalize=_rounded_matrix, mistakes=MERGE_MISTAKES)


def adam_memory_gb(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, MEMORY_CASES, "adam_memory_gb", normalize=rounding(3), mistakes=MEMORY_MISTAKES)


SOLUTIONS = {
    "lora_parameters": solution_lora_parameters,
    "merge": solution_merge,
    "adam_memory_gb": solution_adam_memory_gb,
}

EXERCISES = {
    "lora_parameters": (lora_parameters, solution_lora_parameters, LORA_MISTAKES),
    "merge": (merge, solution_merge, MERGE_MISTAKES),
    "adam_memory_gb": (adam_memory_gb, solution_adam_memory_gb, MEMORY_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
