import math

from shared.exercises import ch01, run_cases


def test_solutions_pass_their_checks(capsys):
    assert ch01.strip_accents_keep_cedilla(ch01.solution_strip_accents_keep_cedilla)
    assert ch01.bigrams(ch01.solution_bigrams)
    assert ch01.replace_laughter(ch01.solution_replace_laughter)
    assert capsys.readouterr().out.count("✅") == 3


def test_blank_exercise_fails_without_raising(capsys):
    def bigrams(tokens): ...

    assert ch01.bigrams(bigrams) is False
    assert "ainda não está completa" in capsys.readouterr().out


def test_wrong_answer_shows_expected(capsys):
    assert ch01.bigrams(lambda tokens: list(zip(tokens, tokens))) is False
    out = capsys.readouterr().out
    assert "devolveu" in out and "esperado" in out


def test_exception_in_answer_is_reported(capsys):
    assert ch01.replace_laughter(lambda text: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_not_callable(capsys):
    assert run_cases(None, [], "f") is False
    assert "passe a sua função" in capsys.readouterr().out


def test_show_solution_prints_code(capsys):
    ch01.show_solution("bigrams")
    assert "def solution_bigrams" in capsys.readouterr().out
    ch01.show_solution("nada")
    assert "Opções" in capsys.readouterr().out


def test_chapter2_solutions_pass_and_blanks_fail(capsys):
    from shared.exercises import ch02

    assert ch02.merge_pair(ch02.solution_merge_pair)
    assert ch02.cosine(ch02.solution_cosine)
    assert ch02.mean_pool(ch02.solution_mean_pool)

    def blank(*args): ...

    assert not ch02.merge_pair(blank)
    assert not ch02.cosine(blank)
    assert not ch02.mean_pool(blank)
    assert not ch02.cosine(lambda u, v: sum(a * b for a, b in zip(u, v)))  # esqueceu de normalizar
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and "ainda não está completa" in out
    ch02.show_solution("cosine")
    assert "def solution_cosine" in capsys.readouterr().out


def test_chapter3_solutions_pass_and_naive_softmax_fails(capsys):
    import math

    from shared.exercises import ch03

    assert ch03.softmax(ch03.solution_softmax)
    assert ch03.causal_mask(ch03.solution_causal_mask)
    assert ch03.apply_temperature(ch03.solution_apply_temperature)

    def naive(scores):
        exps = [math.exp(s) for s in scores]
        return [e / sum(exps) for e in exps]

    assert not ch03.softmax(naive)  # exp(1000) estoura: a verificação mostra o erro sem quebrar
    assert "OverflowError" in capsys.readouterr().out


def test_chapter4_solutions_pass_and_common_mistakes_fail(capsys):
    from shared.exercises import ch04

    assert ch04.absmax_quantize(ch04.solution_absmax_quantize)
    assert ch04.q4_1_block(ch04.solution_q4_1_block)
    assert ch04.ceiling_tps(ch04.solution_ceiling_tps)

    def blank(*args): ...

    assert not ch04.absmax_quantize(blank)
    # escala fixa de 1/127: só funciona se o maior valor for 1
    assert not ch04.absmax_quantize(lambda v: ([round(x * 127) for x in v], 1 / 127))
    # esqueceu o mínimo (trata o bloco como se começasse em zero)
    assert not ch04.q4_1_block(lambda v: ([round(x / (max(v) / 15)) for x in v], max(v) / 15, 0.0))
    # esqueceu de converter bits em bytes
    assert not ch04.ceiling_tps(lambda bw, n, bits: bw * 1e9 / (n * bits))
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and out.count("❌") == 4


def test_chapter5_solutions_pass_and_common_mistakes_fail(capsys):
    from shared.exercises import ch05

    assert ch05.f1_from_counts(ch05.solution_f1_from_counts)
    assert ch05.macro_f1(ch05.solution_macro_f1)
    assert ch05.pick_max_length(ch05.solution_pick_max_length)
    # divide por zero quando não há positivos
    assert not ch05.f1_from_counts(lambda tp, fp, fn: 2 * tp / (2 * tp + fp + fn))
    # acurácia no lugar do F1 macro
    assert not ch05.macro_f1(lambda t, p: sum(a == b for a, b in zip(t, p)) / len(t))
    # o percentil sem arredondar para múltiplo de 8
    assert not ch05.pick_max_length(lambda lengths, q: int(sorted(lengths)[int(len(lengths) * q / 100) - 1]))
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and out.count("❌") == 3


def test_chapter6_solutions_pass_and_common_mistakes_fail(capsys):
    from shared.exercises import ch06

    assert ch06.lora_parameters(ch06.solution_lora_parameters)
    assert ch06.merge(ch06.solution_merge)
    assert ch06.adam_memory_gb(ch06.solution_adam_memory_gb)
    # contou a matriz cheia de posto r (d·k) em vez de A e B
    assert not ch06.lora_parameters(lambda d, k, r: d * k)
    # esqueceu a escala α/r
    assert not ch06.merge(lambda W, A, B, alpha, r: ch06.solution_merge(W, A, B, r, r))
    # contou gradiente e estados para todos os pesos, não só os treináveis
    assert not ch06.adam_memory_gb(lambda t, n, b=4: 4 * n * b / 1e9)
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and out.count("❌") == 3


def test_ch07_checks_accept_solutions_and_reject_common_mistakes(capsys):
    from shared.exercises import ch07

    assert ch07.weights_gb(ch07.solution_weights_gb)
    assert ch07.kv_cache_gb(ch07.solution_kv_cache_gb)
    assert ch07.max_context(ch07.solution_max_context)
    # esqueceu de dividir bits por 8
    assert not ch07.weights_gb(lambda p, b: p * b / 1e9)
    # esqueceu o 2 de chave e valor
    assert not ch07.kv_cache_gb(lambda n, h, d, c, b: n * h * d * c * b * 2 / 1e9)
    # esqueceu os 2 bytes de cada número em fp16
    assert not ch07.max_context(lambda f, n, h, d: int(f * 1e9 // (2 * n * h * d)))
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and out.count("❌") == 3


def test_ch08_checks_accept_solutions_and_reject_common_mistakes(capsys):
    from shared.exercises import ch08

    assert ch08.word_limit_ok(ch08.solution_word_limit_ok)
    assert ch08.last_number(ch08.solution_last_number)
    # esqueceu de recusar a resposta vazia e a de duas linhas
    assert not ch08.word_limit_ok(lambda a, m: len(a.split()) <= m)
    # quase certo: recusa vazias e várias linhas, mas aceita um número solto como "frase"
    assert not ch08.word_limit_ok(lambda a, m: 0 < len(a.split()) <= m and "\n" not in a.strip())
    # ignorou a vírgula decimal e o sinal
    assert not ch08.last_number(lambda a: float(m[-1]) if (m := __import__("re").findall(r"\d+", a)) else None)
    # quase certo: pega o primeiro número (o da conta), não o da resposta
    def first(a):
        m = __import__("re").search(r"-?\d+(?:[.,]\d+)?", a)
        return float(m.group().replace(",", ".")) if m else None

    assert not ch08.last_number(first)
    out = capsys.readouterr().out
    assert out.count("✅") == 2 and out.count("❌") == 4


def test_ch09_checks_accept_solutions_and_reject_common_mistakes(capsys):
    from rouge_score.rouge_scorer import _score_lcs

    from shared.exercises import ch09

    assert ch09.lcs_length(ch09.solution_lcs_length)
    assert ch09.format_ok(ch09.solution_format_ok)
    for (a, b), expected in ch09.LCS_CASES:  # o gabarito confere com a biblioteca
        if a and b:
            assert round(_score_lcs(a, b).recall * len(a)) == expected
    assert not ch09.lcs_length(lambda a, b: len(set(a) & set(b)))  # conta palavras em comum, sem ordem
    assert not ch09.format_ok(lambda s: "(em inglês," in s)


def test_ch10_checks_accept_solutions_and_reject_common_mistakes(capsys):
    import torch
    import torch.nn.functional as F

    from shared.exercises import ch10

    assert ch10.dpo_loss(ch10.solution_dpo_loss)
    assert ch10.instruction(ch10.solution_instruction)
    assert ch10.retrieval_accuracy(ch10.solution_retrieval_accuracy)
    assert not ch10.retrieval_accuracy(lambda s: sum(row[i] > 0.5 for i, row in enumerate(s)) / len(s))
    for (c, r, beta), expected in ch10.DPO_CASES:  # o gabarito confere com a conta do torch
        assert round(float(-F.logsigmoid(torch.tensor(beta * (c - r)))), 4) == expected
    assert not ch10.dpo_loss(lambda c, r, b: -math.log(1 / (1 + math.exp(-(c - r)))))  # esqueceu o beta
    assert not ch10.instruction(lambda t: "Classifique: positivo ou negativo?")  # sem o texto
    assert not ch10.instruction(lambda t: ...)
