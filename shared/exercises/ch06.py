"""Exercícios do capítulo 6 — PEFT e LoRA: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounded, run_cases, show_solution_from

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
    ((7_000_000_000, 7_000_000_000), 112.0),  # 4 cópias de 7B números de 4 bytes
    ((7_000_000, 7_000_000_000), 28.084),  # LoRA com 0,1%: quase só os pesos
    ((0, 1_000_000_000), 4.0),
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


def _rounded_matrix(fn):
    def wrapper(*args):
        got = fn(*args)
        if got is None or got is Ellipsis:
            return got
        return [[round(float(x), 4) for x in row] for row in got]

    return wrapper


def lora_parameters(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, PARAM_CASES, "lora_parameters")


def merge(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(_rounded_matrix(fn) if callable(fn) else fn, MERGE_CASES, "merge")


def adam_memory_gb(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(rounded(fn, 3), MEMORY_CASES, "adam_memory_gb")


SOLUTIONS = {
    "lora_parameters": solution_lora_parameters,
    "merge": solution_merge,
    "adam_memory_gb": solution_adam_memory_gb,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
