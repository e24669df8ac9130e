"""Exercícios do capítulo 4 — Inferência e quantização: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounded, run_cases, show_solution_from

ABSMAX_CASES = [
    (([0.6, -1.0, 0.25],), ([76, -127, 32], 0.007874)),
    (([2.0, 1.1, -0.1],), ([127, 70, -6], 0.015748)),
    (([0.0, 0.0],), ([0, 0], 1.0)),  # tudo zero: escala 1 para não dividir por zero
]

Q4_1_CASES = [
    (([0.0, 1.0, 3.0],), ([0, 5, 15], 0.2, 0.0)),
    (([-1.0, -0.4, 0.6, 2.0],), ([0, 3, 8, 15], 0.2, -1.0)),
    (([0.7, 0.7],), ([0, 0], 0.0, 0.7)),  # bloco constante: d = 0, tudo vem do mínimo
]

CEILING_CASES = [
    ((20.0, 135_000_000, 32), 37.04),
    ((20.0, 135_000_000, 4.5), 263.37),
    ((2039.0, 7_000_000_000, 16), 145.64),
]


def solution_absmax_quantize(values: list[float]) -> tuple[list[int], float]:
    """int8 simétrico: escala = max|x| / 127 e cada valor vira round(x / escala)."""
    top = max(abs(v) for v in values)
    scale = top / 127 if top > 0 else 1.0
    return [round(v / scale) for v in values], scale


def solution_q4_1_block(values: list[float]) -> tuple[list[int], float, float]:
    """4 bits com mínimo: m = mínimo, d = (máximo − mínimo) / 15, código = round((x − m) / d) em 0..15."""
    low, high = min(values), max(values)
    d = (high - low) / 15
    if d == 0:
        return [0] * len(values), 0.0, low
    codes = [min(15, max(0, int((v - low) / d + 0.5))) for v in values]
    return codes, d, low


def solution_ceiling_tps(bandwidth_gb_s: float, n_params: int, bits_per_weight: float) -> float:
    """Teto de tokens/s: cada token lê todos os pesos uma vez da memória."""
    bytes_per_token = n_params * bits_per_weight / 8
    return bandwidth_gb_s * 1e9 / bytes_per_token


def _round_absmax(fn):
    def wrapper(values):
        got = fn(values)
        if got is None or got is Ellipsis:
            return got
        codes, scale = got
        return [int(c) for c in codes], round(float(scale), 6)

    return wrapper


def _round_q4_1(fn):
    def wrapper(values):
        got = fn(values)
        if got is None or got is Ellipsis:
            return got
        codes, d, m = got
        return [int(c) for c in codes], round(float(d), 6), round(float(m), 6)

    return wrapper


def absmax_quantize(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(_round_absmax(fn) if callable(fn) else fn, ABSMAX_CASES, "absmax_quantize")


def q4_1_block(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(_round_q4_1(fn) if callable(fn) else fn, Q4_1_CASES, "q4_1_block")


def ceiling_tps(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(rounded(fn, 2), CEILING_CASES, "ceiling_tps")


SOLUTIONS = {
    "absmax_quantize": solution_absmax_quantize,
    "q4_1_block": solution_q4_1_block,
    "ceiling_tps": solution_ceiling_tps,
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
