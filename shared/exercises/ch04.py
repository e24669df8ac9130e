"""Exercícios do capítulo 4 — Inferência e quantização: verificações e soluções."""

from __future__ import annotations

from shared.exercises import rounding, run_cases, show_solution_from

ABSMAX_CASES = [
    (([0.6, -1.0, 0.25],), ([76, -127, 32], 0.007874),
     "a escala vem do maior valor absoluto (aqui, o −1,0), e cada inteiro é arredondado, não truncado."),
    (([2.0, 1.1, -0.1],), ([127, 70, -6], 0.015748)),
    (([0.0, 0.0],), ([0, 0], 1.0), "tudo zero: use escala 1,0 para não dividir por zero."),
]

Q4_1_CASES = [
    (([0.0, 1.0, 3.0],), ([0, 5, 15], 0.2, 0.0)),
    (([-1.0, -0.4, 0.6, 2.0],), ([0, 3, 8, 15], 0.2, -1.0), "os códigos contam degraus a partir do mínimo: (x − m) / d."),
    (([0.0, 0.16, 1.5],), ([0, 2, 15], 0.1, 0.0), "arredonde para o código mais próximo (1,6 → 2), não trunque."),
    (([0.7, 0.7],), ([0, 0], 0.0, 0.7), "bloco constante: d = 0 e tudo vem do mínimo (não divida por d)."),
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


def _integers(codes) -> list:
    """Códigos como ``int`` do Python; um código com parte fracionária fica como está (a mensagem mostra)."""
    return [int(c) if float(c).is_integer() else float(c) for c in codes]


def _normalize_absmax(got):
    codes, scale = got
    return _integers(codes), round(float(scale), 6)


def _normalize_q4_1(got):
    codes, d, m = got
    return _integers(codes), round(float(d), 6), round(float(m), 6)


def _absmax_truncate(values):
    codes, scale = solution_absmax_quantize(values)
    return [int(v / scale) for v in values], scale


def _absmax_no_abs(values):
    top = max(values)
    scale = top / 127 if top else 1.0
    return [round(v / scale) for v in values], scale


def _absmax_inverted(values):
    top = max(abs(v) for v in values)
    scale = 127 / top if top else 1.0
    return [round(v * scale) for v in values], scale


def _absmax_fixed(values):
    return [round(v * 127) for v in values], 1 / 127


ABSMAX_MISTAKES = [
    (_absmax_truncate, "`int(x / escala)` trunca (31,75 vira 31); use `round`."),
    (_absmax_no_abs, "a escala saiu do maior valor, não do maior valor absoluto: com −1,0 no bloco, max|x| = 1,0."),
    (_absmax_inverted, "os inteiros estão certos, mas a escala é o tamanho de um degrau, max|x| / 127 (o número que "
     "multiplica o inteiro para voltar ao float), não 127 / max|x|."),
    (_absmax_fixed, "uma escala fixa de 1/127 só serve se o maior valor absoluto for 1: calcule max|x| / 127."),
]


def _q4_1_no_min(values):
    d = max(values) / 15
    return [round(v / d) for v in values], d, 0.0


def _q4_1_sixteen(values):
    low = min(values)
    d = (max(values) - low) / 16
    if d == 0:
        return [0] * len(values), 0.0, low
    return [min(15, max(0, round((v - low) / d))) for v in values], d, low


def _q4_1_truncate(values):
    low = min(values)
    d = (max(values) - low) / 15
    if d == 0:
        return [0] * len(values), 0.0, low
    return [int((v - low) / d) for v in values], d, low


def _q4_1_order(values):
    codes, d, m = solution_q4_1_block(values)
    return codes, m, d


Q4_1_MISTAKES = [
    (_q4_1_no_min, "faltou o mínimo: o Q4_1 guarda m e conta os degraus a partir dele, (x − m) / d."),
    (_q4_1_sixteen, "4 bits dão 16 códigos (0 a 15), que dividem o intervalo em 15 degraus: d = (máx − mín) / 15."),
    (_q4_1_truncate, "`int(...)` trunca; arredonde para o código mais próximo."),
    (_q4_1_order, "a ordem pedida é (códigos, d, m)."),
]


def _ceiling_bits(bandwidth, n, bits):
    return bandwidth * 1e9 / (n * bits)


def _ceiling_gib(bandwidth, n, bits):
    return bandwidth * 2**30 / (n * bits / 8)


CEILING_MISTAKES = [
    (_ceiling_bits, "faltou converter bits em bytes: cada peso ocupa bits / 8 bytes."),
    (_ceiling_gib, "aqui GB/s são 10⁹ bytes por segundo (como nos números de banda de memória), não 2³⁰."),
]


def absmax_quantize(fn) -> bool:
    """Verifica o exercício 1."""
    return run_cases(fn, ABSMAX_CASES, "absmax_quantize", normalize=_normalize_absmax, mistakes=ABSMAX_MISTAKES)


def q4_1_block(fn) -> bool:
    """Verifica o exercício 2."""
    return run_cases(fn, Q4_1_CASES, "q4_1_block", normalize=_normalize_q4_1, mistakes=Q4_1_MISTAKES)


def ceiling_tps(fn) -> bool:
    """Verifica o exercício 3."""
    return run_cases(fn, CEILING_CASES, "ceiling_tps", normalize=rounding(2), mistakes=CEILING_MISTAKES)


SOLUTIONS = {
    "absmax_quantize": solution_absmax_quantize,
    "q4_1_block": solution_q4_1_block,
    "ceiling_tps": solution_ceiling_tps,
}

EXERCISES = {
    "absmax_quantize": (absmax_quantize, solution_absmax_quantize, ABSMAX_MISTAKES),
    "q4_1_block": (q4_1_block, solution_q4_1_block, Q4_1_MISTAKES),
    "ceiling_tps": (ceiling_tps, solution_ceiling_tps, CEILING_MISTAKES),
}


def show_solution(name: str) -> None:
    """Imprime o código da solução de um exercício."""
    show_solution_from(SOLUTIONS, name)
