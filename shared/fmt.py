"""Números para a prosa em português: vírgula decimal e ponto de milhar ("0,74", "1.234,5", "36,8%")."""

from __future__ import annotations

import math


def num(x: float, digits: int = 1) -> str:
    """``x`` com ``digits`` casas, vírgula decimal e ponto de milhar: ``num(1234.56, 1) == "1.234,6"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def pct(fraction: float, digits: int = 1) -> str:
    """Uma fração como porcentagem: ``pct(0.368) == "36,8%"``."""
    return num(100 * fraction, digits) + "%"


def interval(low: float, high: float, digits: int = 1, percent: bool = False) -> str:
    """Um intervalo entre colchetes: ``interval(0.1, 0.25, 2) == "[0,10–0,25]"``.

    Com um limite negativo, o traço se confundiria com o sinal: ``interval(-0.07, 0.01, 2) == "[-0,07; 0,01]"``.
    """
    show = (lambda v: num(100 * v, digits)) if percent else (lambda v: num(v, digits))
    sep = "; " if min(low, high) < 0 else "–"
    return f"[{show(low)}{sep}{show(high)}]"
