import importlib
import math
import re
import unicodedata

import numpy as np
import pytest

from shared.exercises import ch01, describe_type, is_blank, run_cases

CHAPTERS = [f"ch{n:02d}" for n in range(1, 11)]
EXERCISES = [
    (chapter, name)
    for chapter in CHAPTERS
    for name in importlib.import_module(f"shared.exercises.{chapter}").EXERCISES
]


def _exercise(chapter, name):
    return importlib.import_module(f"shared.exercises.{chapter}").EXERCISES[name]


# Para todas as verificações do curso: a solução passa, o esqueleto em branco não parece falha,
# e cada erro conhecido falha com a explicação dele.


@pytest.mark.parametrize(("chapter", "name"), EXERCISES)
def test_solution_passes(capsys, chapter, name):
    check, solution, _ = _exercise(chapter, name)
    assert check(solution) is True
    out = capsys.readouterr().out
    assert out.startswith("✅") and "❌" not in out


@pytest.mark.parametrize(("chapter", "name"), EXERCISES)
def test_blank_skeleton_is_an_instruction_not_a_failure(capsys, chapter, name):
    check, _, _ = _exercise(chapter, name)

    def skeleton(*args):
        ...  # sua resposta

    assert check(skeleton) is False
    out = capsys.readouterr().out
    assert out.startswith("✏️") and "ainda em branco" in out and "❌" not in out


@pytest.mark.parametrize(("chapter", "name"), EXERCISES)
def test_every_known_mistake_fails_with_its_explanation(capsys, chapter, name):
    check, _, mistakes = _exercise(chapter, name)
    assert mistakes, "cada exercício lista pelo menos um erro conhecido"
    for wrong, explanation in mistakes:
        assert check(wrong) is False, wrong.__name__
        out = capsys.readouterr().out
        assert out.startswith("❌"), wrong.__name__
        assert explanation in out, f"{wrong.__name__}: a mensagem não traz a explicação do erro\n{out}"


# O mecanismo comum: mensagens que ensinam.


def test_nfd_result_that_prints_like_the_answer_is_explained(capsys):
    def forgot_nfc(text):  # quase certo: tira os acentos em NFD, mas não recompõe
        decomposed = unicodedata.normalize("NFD", text)
        return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn" or ch == "\u0327")

    assert ch01.strip_accents_keep_cedilla(forgot_nfc) is False
    out = capsys.readouterr().out
    assert "parecem iguais" in out and "U+0327 COMBINING CEDILLA" in out and "U+00E7" in out
    assert 'unicodedata.normalize("NFC"' in out


def test_nfd_input_is_pointed_out(capsys):
    def table(text):  # quase certo: uma tabela de troca só vê letras compostas (NFC)
        return text.translate(str.maketrans("áàâãéêíóôõúüÁÀÂÃÉÊÍÓÔÕÚÜ", "aaaaeeiooouuAAAAEEIOOOUU"))

    assert ch01.strip_accents_keep_cedilla(table) is False
    assert "está em NFD" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "expected_words"),
    [
        (lambda t: zip(t, t[1:]), "iterador"),
        (lambda t: [list(p) for p in zip(t, t[1:])], "list de list"),
        (lambda t: set(zip(t, t[1:])), "conjunto"),
        (lambda t: np.array(list(zip(t, t[1:]))), "numpy.ndarray"),
    ],
)
def test_type_differences_are_named(capsys, answer, expected_words):
    assert ch01.bigrams(answer) is False
    out = capsys.readouterr().out
    assert "tipo:" in out and expected_words in out


def test_numpy_number_where_an_int_is_expected_is_named(capsys):
    from shared.exercises import ch05

    assert ch05.pick_max_length(lambda lengths, q: np.percentile(lengths, q)) is False
    out = capsys.readouterr().out
    assert "numpy.float64" in out and "int(...)" in out


def test_numpy_answers_that_are_right_pass():
    from shared.exercises import ch02, ch03

    assert ch02.mean_pool(lambda v, m: (np.array(v) * np.array(m)[:, None]).sum(0) / np.sum(m))
    assert ch02.cosine(lambda u, v: np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v))
    assert ch03.causal_mask(lambda n: np.tril(np.ones((n, n), dtype=bool)))


def test_blank_detection_only_catches_untouched_skeletons():
    def dots(x): ...

    def with_docstring(x):
        """Ainda vou escrever."""
        ...

    def passing(x):
        pass

    def started(x):
        return x

    assert is_blank(dots) and is_blank(with_docstring) and is_blank(passing) and is_blank(lambda x: ...)
    assert not is_blank(started) and not is_blank(len)


def test_missing_return_in_a_started_answer_is_a_failure(capsys):
    def half_done(tokens):
        pairs = list(zip(tokens, tokens[1:]))  # esqueceu o return
        del pairs

    assert ch01.bigrams(half_done) is False
    out = capsys.readouterr().out
    assert out.startswith("❌") and "faltou o `return`" in out


def test_exception_in_answer_is_reported(capsys):
    assert ch01.replace_laughter(lambda text: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_answer_that_mutates_its_input_does_not_break_the_cases():
    def consume(tokens):
        pairs = []
        while len(tokens) > 1:
            pairs.append((tokens[0], tokens[1]))
            tokens.pop(0)
        return pairs

    assert ch01.bigrams(consume)
    assert ch01.BIGRAM_CASES[0][0][0] == ["muito", "bom", "produto"]
    assert ch01.bigrams(ch01.solution_bigrams)


def test_whitespace_only_difference_is_explained(capsys):
    def spaced(text):
        return re.sub(r"\b(?:k{2,}|(?:rs){2,}|(?:ha){2,})\b", " <riso> ", text, flags=re.IGNORECASE)

    assert ch01.replace_laughter(spaced) is False
    assert "só os espaços diferem" in capsys.readouterr().out


def test_not_callable(capsys):
    assert run_cases(None, [], "f") is False
    assert "passe a sua função" in capsys.readouterr().out


def test_describe_type_looks_one_level_inside():
    assert describe_type([("a", "b")]) == "list de tuple"
    assert describe_type([1, 2.5]) == "list de número"
    assert describe_type(np.float64(1.0)) == "numpy.float64"
    assert describe_type(None) == "None"


def test_show_solution_prints_code(capsys):
    ch01.show_solution("bigrams")
    assert "def solution_bigrams" in capsys.readouterr().out
    ch01.show_solution("nada")
    assert "Opções" in capsys.readouterr().out


# Capítulo 1: as respostas quase certas da issue, escritas aqui.


def test_ch01_laughter_regex_from_the_issue_fails_on_chave(capsys):
    def issue(text):  # passava em todos os casos antigos e transformava "chave" em "c<riso>ve"
        return re.sub(r"k{3,}|rsrs|(?:ha)+", "<riso>", text, flags=re.IGNORECASE)

    assert ch01.replace_laughter(issue) is False
    out = capsys.readouterr().out
    assert "c<riso>ve" in out and "\\b" in out


def test_ch01_kk_is_laughter_and_words_with_kk_are_not():
    solution = ch01.solution_replace_laughter
    assert solution("kk adorei") == "<riso> adorei"
    assert solution("rsrsrs") == "<riso>"
    assert solution("tênis para trekking, a chave, o RS, 2 kg, o kit") == "tênis para trekking, a chave, o RS, 2 kg, o kit"


def test_ch01_old_three_k_rule_fails_on_kk(capsys):
    def three_k(text):
        return re.sub(r"\b(?:k{3,}|(?:rs){2,}|(?:ha){2,})\b", "<riso>", text, flags=re.IGNORECASE)

    assert ch01.replace_laughter(three_k) is False
    assert "kk" in capsys.readouterr().out


def test_ch01_accent_answers_agree_with_the_library():
    from shared import text

    for (args, expected, *_) in ch01.ACCENT_CASES:
        assert text.strip_accents(args[0]) == unicodedata.normalize("NFC", expected).replace("ç", "c").replace("Ç", "C")


def test_ch01_ascii_trick_loses_the_cedilla(capsys):
    assert not ch01.strip_accents_keep_cedilla(lambda s: unicodedata.normalize("NFD", s).encode("ascii", "ignore").decode())
    assert "cedilha" in capsys.readouterr().out


# Outros capítulos: respostas quase certas escritas aqui, e gabaritos conferidos contra as bibliotecas.


def test_ch02_near_misses(capsys):
    from shared.exercises import ch02

    assert not ch02.cosine(lambda u, v: sum(a * b for a, b in zip(u, v)))  # esqueceu de normalizar
    assert not ch02.merge_pair(lambda s, p: " ".join(s).replace(" ".join(p), "".join(p)).split())
    assert not ch02.mean_pool(lambda v, m: [sum(c) / len(v) for c in zip(*v)])
    assert capsys.readouterr().out.count("→") == 3
    for (u, v), expected, *_ in ch02.COSINE_CASES:
        assert round(float(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)), 2) == expected


def test_ch03_naive_softmax_overflows_and_the_check_explains(capsys):
    import torch

    from shared.exercises import ch03

    def naive(scores):
        exps = [math.exp(s) for s in scores]
        return [e / sum(exps) for e in exps]

    assert not ch03.softmax(naive)
    out = capsys.readouterr().out
    assert "OverflowError" in out and "subtraia o máximo" in out
    for (scores,), expected, *_ in ch03.SOFTMAX_CASES:
        assert [round(p, 4) for p in torch.softmax(torch.tensor(scores, dtype=torch.float64), 0).tolist()] == expected


def test_ch04_near_misses(capsys):
    from shared.exercises import ch04

    assert not ch04.absmax_quantize(lambda v: ([round(x * 127) for x in v], 1 / 127))
    assert not ch04.q4_1_block(lambda v: ([round(x / (max(v) / 15)) for x in v], max(v) / 15, 0.0))
    assert not ch04.ceiling_tps(lambda bw, n, bits: bw * 1e9 / (n * bits))
    assert not ch04.absmax_quantize(lambda v: [round(x / (max(map(abs, v)) / 127)) for x in v])  # sem a escala
    out = capsys.readouterr().out
    assert out.count("❌") == 4 and "tipo:" in out


def test_ch05_near_misses_and_library_agreement(capsys):
    from sklearn.metrics import f1_score

    from shared.exercises import ch05

    assert not ch05.f1_from_counts(lambda tp, fp, fn: 2 * tp / (2 * tp + fp + fn))  # divide por zero
    assert not ch05.macro_f1(lambda t, p: f1_score(t, p, average="weighted"))
    assert not ch05.pick_max_length(lambda lengths, q: int(np.percentile(lengths, q)))
    assert ch05.pick_max_length(lambda lengths, q: int(math.ceil(np.percentile(lengths, q) / 8) * 8))
    for (y_true, y_pred), expected, *_ in ch05.MACRO_CASES:
        labels = sorted(set(y_true) | set(y_pred))
        assert round(f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0), 4) == expected
    out = capsys.readouterr().out
    assert out.count("❌") == 3


def test_ch06_ch07_near_misses(capsys):
    from shared.exercises import ch06, ch07

    assert not ch06.merge(lambda W, A, B, alpha, r: ch06.solution_merge(W, A, B, r, r))
    assert not ch06.adam_memory_gb(lambda t, n, b=4: 4 * n * b / 1e9)
    assert not ch07.kv_cache_gb(lambda n, h, d, c, b: n * h * d * c * b * 2 / 1e9)
    assert not ch07.max_context(lambda f, n, h, d: f * 1e9 / (2 * n * h * d * 2))  # sem arredondar
    out = capsys.readouterr().out
    assert out.count("→") == 4 and "tipo: você devolveu float; o esperado é int" in out


def test_ch08_near_misses(capsys):
    from shared.exercises import ch08

    assert not ch08.word_limit_ok(lambda a, m: 0 < len(a.split()) <= m and "\n" not in a.strip())
    assert not ch08.last_number(lambda a: float(re.findall(r"-?\d+(?:[.,]\d+)?", a)[-1].replace(",", ".")))
    out = capsys.readouterr().out
    assert "número solto" in out and "IndexError" in out and "None" in out


def test_ch09_near_misses_and_rouge_agreement(capsys):
    from rouge_score.rouge_scorer import _score_lcs

    from shared.exercises import ch09

    for (a, b), expected, *_ in ch09.LCS_CASES:  # o gabarito confere com a biblioteca
        if a and b:
            assert round(_score_lcs(a, b).recall * len(a)) == expected
    assert not ch09.lcs_length(lambda a, b: len(set(a) & set(b)))
    assert not ch09.format_ok(lambda s: "(em inglês," in s)
    assert capsys.readouterr().out.count("→") == 2


def test_ch10_near_misses_and_torch_agreement(capsys):
    import torch
    import torch.nn.functional as F

    from shared.exercises import ch10

    for (c, r, beta), expected, *_ in ch10.DPO_CASES:  # o gabarito confere com a conta do torch
        assert round(float(-F.logsigmoid(torch.tensor(beta * (c - r)))), 4) == expected
    assert not ch10.dpo_loss(lambda c, r, b: -math.log(1 / (1 + math.exp(-(c - r)))))  # esqueceu o beta
    assert not ch10.retrieval_accuracy(lambda s: sum(row[i] > 0.5 for i, row in enumerate(s)) / len(s))
    assert not ch10.instruction(lambda t: "Classifique: positivo ou negativo?")  # sem o texto
    out = capsys.readouterr().out
    assert "faltou multiplicar a diferença por β" in out and "limiar fixo" in out and "texto da avaliação" in out
