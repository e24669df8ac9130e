"""Exercícios do capítulo 7 — modelos LLaMA-like e llama.cpp: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounding, run_cases, show_solution_from

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
    ((0.001, 80, 8, 128), 3, "arredonde para baixo: uma posição a mais já não cabe."),
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


def _weights_bits(params, bits_per_weight):
    return params * bits_per_weight / 1e9


def _weights_gib(params, bits_per_weight):
    return params * bits_per_weight / 8 / 2**30


WEIGHT_MISTAKES = [
    (_weights_bits, "faltou dividir por 8: são bits por peso, e um byte tem 8 bits."),
    (_weights_gib, "aqui GB são 10⁹ bytes, não 2³⁰ (GiB)."),
]


def _kv_no_two(layers, kv_heads, head_dim, context, batch):
    return layers * kv_heads * head_dim * context * batch * 2 / 1e9


def _kv_no_batch(layers, kv_heads, head_dim, context, batch):
    return 2 * layers * kv_heads * head_dim * context * 2 / 1e9


def _kv_gib(layers, kv_heads, head_dim, context, batch):
    return 2 * layers * kv_heads * head_dim * context * batch * 2 / 2**30


KV_MISTAKES = [
    (_kv_no_two, "faltou um fator 2: o cache guarda duas coisas por posição, a chave (K) e o valor (V), e cada "
     "número em fp16 ocupa 2 bytes."),
    (_kv_no_batch, "cada sequência do lote tem o seu cache: multiplique pelo lote."),
    (_kv_gib, "aqui GB são 10⁹ bytes, não 2³⁰ (GiB)."),
]


def _context_no_bytes(free_gb, layers, kv_heads, head_dim):
    return int(free_gb * 1e9 // (2 * layers * kv_heads * head_dim))


def _context_round(free_gb, layers, kv_heads, head_dim):
    return round(free_gb * 1e9 / (2 * layers * kv_heads * head_dim * 2))


def _context_float(free_gb, layers, kv_heads, head_dim):
    return free_gb * 1e9 / (2 * layers * kv_heads * head_dim * 2)


CONTEXT_MISTAKES = [
    (_context_no_bytes, "faltaram os 2 bytes de cada número em fp16 (o 2 de K e V já estava)."),
    (_context_round, "`round` pode arredondar para cima, e essa posição a mais não cabe: arredonde para baixo (`//`)."),
    (_context_float, "o contexto é um número inteiro de posições: arredonde para baixo (`int(...)` ou `//`)."),
]


def weights_gb(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, WEIGHT_CASES, "weights_gb", normalize=rounding(4), mistakes=WEIGHT_MISTAKES)


def kv_cache_gb(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, KV_CASES, "kv_cache_gb", normalize=rounding(9), mistakes=KV_MISTAKES)


def max_context(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, CONTEXT_CASES, "max_context", mistakes=CONTEXT_MISTAKES)


SOLUTIONS = {
    "weights_gb": solution_weights_gb,
    "kv_cache_gb": solution_kv_cache_gb,
    "max_context": solution_max_context,
}

EXERCISES = {
    "weights_gb": (weights_gb, solution_weights_gb, WEIGHT_MISTAKES),
    "kv_cache_gb": (kv_cache_gb, solution_kv_cache_gb, KV_MISTAKES),
    "max_context": (max_context, solution_max_context, CONTEXT_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
