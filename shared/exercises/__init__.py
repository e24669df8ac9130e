"""Verificações automáticas dos exercícios de cada capítulo, com as soluções.

Cada verificação imprime ✅, ❌ com uma explicação do que está errado, ou ✏️ quando o exercício ainda está em
branco; devolve ``True``/``False`` e nunca levanta exceção: um exercício em branco não quebra o notebook.
As soluções ficam em funções ``solution_*``; ``show_solution("nome")`` imprime o código de uma delas.

Além dos casos (entradas e resposta esperada, com uma dica opcional), uma verificação pode listar **erros
conhecidos**: respostas quase certas que alunos costumam escrever, cada uma com a explicação do engano.
Quando o resultado do aluno coincide com o de um desses erros, a mensagem diz qual foi o engano. Cada módulo
``chNN`` expõe ``EXERCISES`` (nome → verificação, solução e erros conhecidos), que os testes percorrem.
"""

from __future__ import annotations

import contextlib
import copy
import dis
import functools
import inspect
import io
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

Mistake = tuple[Callable, str]  # (uma resposta errada plausível, a explicação do engano)

_TRIVIAL_OPS = {"RESUME", "NOP", "CACHE", "EXTENDED_ARG"}


def is_blank(fn: Callable) -> bool:
    """``True`` se a função ainda é o esqueleto do exercício: o corpo só tem ``...`` (ou ``pass``)."""
    fn = inspect.unwrap(fn)
    if not hasattr(fn, "__code__"):
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(fn) if i.opname not in _TRIVIAL_OPS]
    return ops in (
        [("LOAD_CONST", None), ("RETURN_VALUE", None)],
        [("LOAD_CONST", Ellipsis), ("RETURN_VALUE", None)],
        [("RETURN_CONST", None)],
        [("RETURN_CONST", Ellipsis)],
    )


def describe_type(value: Any) -> str:
    """O tipo de um valor em palavras, olhando um nível para dentro: ``[("a", "b")]`` → "list de tuple"."""
    cls = type(value)
    module = cls.__module__.split(".")[0]
    if module in ("numpy", "torch"):
        return f"{module}.{cls.__name__}"
    if value is None:
        return "None"
    if isinstance(value, list | tuple | set | frozenset) and value:
        inner = {_inner_name(v) for v in value}
        return f"{cls.__name__} de {' / '.join(sorted(inner))}"
    return cls.__name__


def _inner_name(value: Any) -> str:
    """O tipo de um item de uma sequência; inteiros e floats viram "número" (dentro de listas, tanto faz)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "número"
    return describe_type(value).split(" de ")[0]


def _type_tip(got: Any, expected: Any) -> str | None:
    """Uma frase sobre a diferença de tipo mais comum entre ``got`` e ``expected``."""
    module = type(got).__module__.split(".")[0]
    if isinstance(got, Iterator) or type(got).__name__ in ("zip", "map", "filter", "generator", "range"):
        return "isso é um iterador (o `==` não o compara com uma lista): envolva o resultado com `list(...)`."
    if module in ("numpy", "torch"):
        scalar = "`int(...)`" if isinstance(expected, int) and not isinstance(expected, bool) else "`float(...)`"
        return f"converta para tipos do Python: `.tolist()` para vetores e matrizes, {scalar} para um número."
    if isinstance(got, set | frozenset):
        return "um conjunto (`set`) não guarda a ordem nem as repetições, e o exercício precisa das duas."
    if isinstance(got, str) and not isinstance(expected, str):
        return "você devolveu texto: devolva o valor em si (um número, uma lista...), não a forma impressa dele."
    if isinstance(expected, int) and not isinstance(expected, bool) and isinstance(got, float):
        return "o esperado é um número inteiro: arredonde do jeito que o enunciado pede (para baixo, para cima...)."
    if isinstance(got, list | tuple) and isinstance(expected, list | tuple) and len(got) == len(expected):
        return (
            "para o Python, uma lista e uma tupla com os mesmos itens são diferentes (`[1, 2] == (1, 2)` é "
            "`False`): devolva o mesmo tipo do esperado, também nos itens de dentro."
        )
    if isinstance(got, list | tuple) and isinstance(expected, int | float):
        return "o esperado é um número só, não uma sequência."
    return None


def _code_points(s: str) -> str:
    """Os code points de um trecho curto: "'c' U+0063 LATIN SMALL LETTER C + U+0327 COMBINING CEDILLA"."""
    return " + ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in s)


def _grapheme(s: str, i: int) -> str:
    """O caractere na posição ``i`` com as marcas combinantes que vêm logo depois dele."""
    j = i + 1
    while j < len(s) and unicodedata.combining(s[j]):
        j += 1
    return s[i:j]


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _explain_strings(got: str, expected: str) -> list[str]:
    nfc_got, nfc_expected = unicodedata.normalize("NFC", got), unicodedata.normalize("NFC", expected)
    if nfc_got == nfc_expected:
        i = _first_difference(got, expected)
        mine, theirs = _grapheme(got, i), _grapheme(expected, i)
        form = "NFD, decomposta" if got != nfc_got else "outra forma"
        return [
            "na tela os dois parecem iguais, mas a sequência de code points é outra:",
            f"  o seu tem {mine!r} = {_code_points(mine)} ({form})",
            f"  o esperado tem {theirs!r} = {_code_points(theirs)} (NFC, composta).",
            'Recomponha o resultado no fim com `unicodedata.normalize("NFC", ...)`.',
        ]
    if got.split() == expected.split():
        return ["as palavras são as mesmas; só os espaços diferem (espaço duplo, ou sobrando no começo ou no fim)."]
    if got.lower() == expected.lower():
        return ["as letras são as mesmas; só as maiúsculas e minúsculas diferem."]
    i = _first_difference(got, expected)
    return [f"a primeira diferença está no caractere {i}: o seu tem {got[i:i + 12]!r}, o esperado tem "
            f"{expected[i:i + 12]!r}."]


def types_match(got: Any, expected: Any) -> bool:
    """Os dois valores têm o mesmo tipo (um inteiro onde se espera um float também vale: 1 == 1.0)."""
    if isinstance(got, int | float) and not isinstance(got, bool) and isinstance(expected, float):
        return True
    return describe_type(got) == describe_type(expected)


def explain_difference(got: Any, expected: Any) -> list[str]:
    """Frases que ajudam a ver por que ``got`` não é ``expected`` (tipo, Unicode, espaços, tamanho)."""
    lines = []
    got_type, expected_type = describe_type(got), describe_type(expected)
    if not types_match(got, expected):
        lines.append(f"tipo: você devolveu {got_type}; o esperado é {expected_type}.")
        tip = _type_tip(got, expected)
        if tip:
            lines.append(tip)
    if isinstance(got, str) and isinstance(expected, str):
        lines += _explain_strings(got, expected)
    elif not isinstance(got, str) and unicodedata.normalize("NFC", repr(got)) == repr(expected):
        lines += _explain_strings(repr(got), repr(expected))
    elif isinstance(got, list | tuple) and isinstance(expected, list | tuple) and len(got) != len(expected):
        lines.append(f"você devolveu {_items(len(got))}; o esperado tem {_items(len(expected))}.")
    return lines


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} itens"


def _same(got: Any, expected: Any) -> bool:
    """``got == expected`` sem quebrar com arrays do NumPy (cujo ``==`` devolve outro array)."""
    try:
        return bool(got == expected)
    except Exception:  # "truth value of an array is ambiguous" e parecidos
        return False


def _show_args(args: tuple) -> str:
    return ", ".join(repr(a) for a in args)


def _nfd_notes(args: tuple) -> list[str]:
    return [
        f"(a entrada {a!r} está em NFD: letras e acentos em code points separados, como chega de alguns PDFs)"
        for a in args
        if isinstance(a, str) and unicodedata.normalize("NFC", a) != a
    ]


def _apply(normalize: Callable | None, value: Any) -> Any:
    """Aplica ``normalize`` (arredondar, converter arrays); se não der, devolve o valor como veio."""
    if normalize is None or value is None or value is Ellipsis:
        return value
    try:
        return normalize(value)
    except Exception:  # um tipo inesperado: a comparação e a explicação de tipo cuidam dele
        return value


def _outputs(fn: Callable, cases: list[tuple], normalize: Callable | None) -> list:
    """O que ``fn`` devolve em cada caso (uma exceção vira o nome do seu tipo)."""
    out = []
    with contextlib.redirect_stdout(io.StringIO()):  # um print da resposta do aluno já apareceu uma vez
        for case in cases:
            try:
                out.append(_apply(normalize, fn(*copy.deepcopy(case[0]))))
            except Exception as err:
                out.append(f"<{type(err).__name__}>")
    return out


def _agree(a: list, b: list) -> bool:
    return len(a) == len(b) and all(_same(x, y) and type(x) is type(y) for x, y in zip(a, b))


def _diagnose(mistakes: list[Mistake], fn: Callable, cases: list[tuple], failed: int,
              normalize: Callable | None) -> str | None:
    """A explicação do erro conhecido que se comporta como a resposta do aluno.

    Primeiro procura um erro que dê os mesmos resultados em todos os casos; se nenhum der, e a resposta
    não for só ``True``/``False`` (que qualquer erro repete por acaso), um que dê o mesmo no caso que falhou.
    """
    if not mistakes:
        return None
    mine = _outputs(fn, cases, normalize)
    theirs = [_outputs(wrong, cases, normalize) for wrong, _ in mistakes]
    for outputs, (_, explanation) in zip(theirs, mistakes):
        if _agree(mine, outputs):
            return explanation
    if isinstance(cases[failed][1], bool):
        return None
    for outputs, (_, explanation) in zip(theirs, mistakes):
        if _agree(mine[failed:failed + 1], outputs[failed:failed + 1]):
            return explanation
    return None


def _print_failure(header: str, details: list[str]) -> None:
    print(header)
    for line in details:
        print(f"   {line}")


def run_cases(
    fn: Callable,
    cases: list[tuple],
    name: str,
    normalize: Callable | None = None,
    mistakes: list[Mistake] = (),
) -> bool:
    """Roda ``fn`` em cada caso ``(argumentos, esperado)`` ou ``(argumentos, esperado, dica)`` e imprime o resultado.

    ``normalize`` prepara o valor devolvido antes de comparar (arredondar, converter arrays do NumPy);
    ``mistakes`` são os erros conhecidos, reconhecidos pelo resultado que produzem.
    """
    if fn is None or not callable(fn):
        print(f"❌ {name}: passe a sua função sem chamá-la (`{name}`, não `{name}(...)`).")
        return False
    if is_blank(fn):
        print(f"✏️ {name}: ainda em branco. Troque o `...` pela sua resposta e rode a célula de novo "
              f"({len(cases)} casos de teste esperam por ela).")
        return False
    for number, case in enumerate(cases, start=1):
        args, expected = case[0], case[1]
        hint = case[2] if len(case) > 2 else None
        shown = f"{_show_args(args)}) — caso {number} de {len(cases)}"
        try:
            got = fn(*copy.deepcopy(args))  # uma cópia: a função do aluno não estraga os casos seguintes
        except Exception as err:  # o aluno pode errar de qualquer jeito
            diagnosis = _diagnose(list(mistakes), fn, cases, number - 1, normalize)
            advice = [f"→ {diagnosis}"] if diagnosis else [f"dica: {hint}"] if hint else []
            _print_failure(f"❌ {name}({shown}\n   levantou {type(err).__name__}: {err}", _nfd_notes(args) + advice)
            return False
        if got is Ellipsis or (got is None and expected is not None):
            _print_failure(f"❌ {name}({shown}", [f"devolveu {got!r}: faltou o `return` em algum caminho da função?"])
            return False
        got = _apply(normalize, got)
        if not (_same(got, expected) and (got is None) == (expected is None)):
            details = [f"devolveu: {got!r}", f"esperado: {expected!r}"]
            details += _nfd_notes(args) + explain_difference(got, expected)
            diagnosis = _diagnose(list(mistakes), fn, cases, number - 1, normalize)
            if diagnosis:
                details.append(f"→ {diagnosis}")
            elif hint and types_match(got, expected):  # com o tipo errado, a explicação do tipo basta
                details.append(f"dica: {hint}")
            _print_failure(f"❌ {name}({shown}", details)
            return False
    print(f"✅ {name}: passou em {len(cases)} casos.")
    return True


def source_of(fn: Callable) -> str:
    """O código-fonte de uma função (para mostrar uma solução)."""
    return inspect.getsource(fn)


def round_numbers(value: Any, digits: int = 4) -> Any:
    """Arredonda um número, ou cada número de uma sequência (também aninhada, arrays do NumPy e tensores)."""
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), digits)
    if isinstance(value, list | tuple):
        return [round_numbers(v, digits) for v in value]
    return value  # texto e outros tipos seguem intactos, para a mensagem de tipo aparecer


def rounding(digits: int = 4) -> Callable[[Any], Any]:
    """Um ``normalize`` para ``run_cases`` que compara números com ``digits`` casas decimais."""
    return functools.partial(round_numbers, digits=digits)


def as_plain(value: Any) -> Any:
    """Arrays do NumPy e tensores do PyTorch viram listas do Python (os outros valores seguem iguais)."""
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, str | bytes) else value


def rounded(fn: Callable, digits: int = 4) -> Callable:
    """Envolve uma resposta numérica para comparar com poucas casas decimais (``None`` passa intacto)."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def wrapper(*args):
        got = fn(*args)
        return got if got is None or got is Ellipsis else _apply(rounding(digits), got)

    return wrapper


def show_solution_from(solutions: dict[str, Callable], name: str) -> None:
    """Imprime o código da solução ``name`` de um dicionário de soluções."""
    if name not in solutions:
        print(f"Não há solução chamada '{name}'. Opções: {', '.join(solutions)}.")
        return
    print(source_of(solutions[name]))
