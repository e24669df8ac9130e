"""Exercícios do capítulo 7 — modelos LLaMA-like e llama.cpp: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounded, run_cases, show_solution_from

WEIGHT_CASES = [
    ((7e9, 16), 14.0),  # fp16
    ((7e9, 4.5), 3.9375),  # Q4_0: 4 bits + uma escala fp16 por bloco de 32
    ((70e9, 8.5), 74.375),  # Q8_0
]

KV_CASES = [
    # camadas, cabeças KV, dimensão por cabeça, contexto, lote; fp16 (2 bytes)
    ((32, 32, 128, 2048, 1), 1.073741824),  # LLaMA 7B
    ((80, 8, 128, 4096, 1), 1.34217728),  # Llama 2 70B com GQA
    ((32, 1, 64, 2048, 8), 0.134217728),  # Falcon 7B com MQA, lote 8
]

CONTEXT_CASES = [
    # memória livre para o cache (GB), camadas, cabeças KV, dimensão por cabeça → maior contexto
    ((2.0, 32, 32, 128), 3814),
    ((1.0, 30, 3, 64), 43402),
    ((0.001, 80, 8, 128), 3),
]


def solution_weights_gb(params: float, bits_per_weight: float) -> float:
    """Parâmetros × bits por peso ÷ 8 bits por byte, em GB."""
    return params * bits_per_weight / 8 / 1e9


def solution_kv_cache_gb(layers: int, kv_heads: int, head_dim: int, context: int, batch: int) -> float:
    """Chave e valor (2) de cada camada, cabeça KV, dimensão, posição e sequência, em fp16 (2 bytes)."""
    return 2 * layers * kv_heads * head_dim * context * batch * 2 / 1e9


def solution_max_context(free_gb: float, layers: int, kv_heads: int, head_dim: int) -> int:
    """Quantas posições cabem: memória livre ÷ bytes por posição (arredondado para baixo)."""
    per_position = 2 * layers * kv_heads * head_dim * 2
    return int(free_gb * 1e9 // per_position)


def weights_gb(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(rounded(fn, 4), WEIGHT_CASES, "weights_gb")


def kv_cache_gb(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(rounded(fn, 9), KV_CASES, "kv_cache_gb")


def max_context(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, CONTEXT_CASES, "max_context")


SOLUTIONS = {
    "weights_gb": solution_weights_gb,
    "kv_cache_gb": solution_kv_cache_gb,
    "max_context": solution_max_context,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
