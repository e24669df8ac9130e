"""Verificações automáticas dos exercícios de cada capítulo, com as soluções.

Cada verificação imprime ✅ ou ❌ com uma explicação do que está errado, devolve ``True``/``False`` e nunca
levanta exceção: um exercício em branco não quebra o notebook. As soluções ficam em funções
``solution_*``; ``show_solution("nome")`` imprime o código de uma delas.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def run_cases(fn: Callable, cases: list[tuple[tuple, Any]], name: str) -> bool:
    """Roda ``fn`` em cada caso ``(argumentos, esperado)`` e imprime o resultado da verificação."""
    if fn is None or not callable(fn):
        print(f"❌ {name}: passe a sua função (sem chamá-la), por exemplo `verificar({name})`.")
        return False
    for args, expected in cases:
        shown = ", ".join(repr(a) for a in args)
        try:
            got = fn(*args)
        except Exception as err:  # o aluno pode errar de qualquer jeito
            print(f"❌ {name}({shown}) levantou {type(err).__name__}: {err}")
            return False
        if got is None or got is Ellipsis:
            print(
                f"❌ {name}({shown}) devolveu {got!r}: a função ainda não está completa (faltou o `return`?)."
            )
            return False
        if got != expected:
            print(f"❌ {name}({shown})\n   devolveu: {got!r}\n   esperado: {expected!r}")
            return False
    print(f"✅ {name}: passou em {len(cases)} casos.")
    return True


def source_of(fn: Callable) -> str:
    """O código-fonte de uma função (para mostrar uma solução)."""
    return inspect.getsource(fn)


def rounded(fn: Callable, digits: int = 4) -> Callable:
    """Envolve uma resposta numérica para comparar com poucas casas decimais (``None`` passa intacto)."""
    if not callable(fn):
        return fn

    def wrapper(*args):
        got = fn(*args)
        if got is None or got is Ellipsis:
            return got
        if isinstance(got, list | tuple):
            return [round(float(x), digits) for x in got]
        return round(float(got), digits)

    return wrapper


def show_solution_from(solutions: dict[str, Callable], name: str) -> None:
    """Imprime o código da solução ``name`` de um dicionário de soluções."""
    if name not in solutions:
        print(f"Não há solução chamada '{name}'. Opções: {', '.join(solutions)}.")
        return
    print(source_of(solutions[name]))
