"""O conjunto de prompts do capítulo 8: cada verificação aceita a resposta certa e recusa a quase-certa, os
pedidos montam o que dizem montar, e a estatística confere com contas feitas à mão."""

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from shared import llamacpp, paths, prompts, stats


def task(kind, language="pt", **spec):
    return {"id": "t", "type": "x", "subtype": "x", "language": language, "input": "Produto: cadeira de praia dobrável",
            "bare": "", "check": {"kind": kind, **spec}}  # fmt: skip


def test_the_prompt_set_is_big_balanced_and_renders_everywhere():
    tasks, examples = prompts.load_tasks(), prompts.load_examples()
    assert len(tasks) >= 150
    by_type = Counter(t["type"] for t in tasks)
    assert set(by_type) == {"sentimento", "extração", "json", "aritmética", "restrição", "classificação"}
    assert min(by_type.values()) >= 20
    assert Counter(t["language"] for t in tasks) == {"pt": len(tasks) // 2, "en": len(tasks) // 2}
    assert Counter(t["metade"] for t in tasks) == {"revisão": len(tasks) // 2, "medida": len(tasks) // 2}
    inputs = {t["input"] for t in tasks}
    assert not inputs & {e["input"] for e in examples}, "um exemplo de few-shot repete uma tarefa"
    for t in tasks:
        demos = prompts.demonstrations(t, examples, 3)
        assert {(d["subtype"], d["language"]) for d in demos} == {(t["subtype"], t["language"])}
        if t["check"]["kind"] == "label":  # o rótulo de cada exemplo é um dos rótulos da tarefa
            assert {d["answer"] for d in demos} <= set(t["check"]["options"])
        for d in demos:  # cada demonstração passa na verificação da própria tarefa-irmã
            assert prompts.check({**t, "input": d["input"], "check": _demo_check(t, d)}, d["answer"]), d
        for variant in prompts.VARIANTS:
            request = prompts.render(t, variant, examples)
            assert ("messages" in request) != ("prompt" in request)


def _demo_check(t, d):
    spec = dict(t["check"])
    if spec["kind"] == "label":
        spec["expected"] = d["answer"]
    elif spec["kind"] == "exact":
        spec["accepted"] = [d["answer"]]
    elif spec["kind"] == "number":
        spec["expected"] = float(d["answer"])
    elif spec["kind"] == "json":
        spec["expected"] = json.loads(d["answer"])
    return spec


def test_generated_files_match_the_generator():
    """tarefas.jsonl e exemplos.jsonl são o que o gerador escreve (ninguém editou um sem o outro)."""
    folder = paths.data_dir() / "prompts"
    before = {n: (folder / n).read_text("utf-8") for n in ("tarefas.jsonl", "exemplos.jsonl")}
    sys.path.insert(0, str(folder))
    try:
        import gerar_tarefas
    finally:
        sys.path.remove(str(folder))
    tasks, demos = gerar_tarefas.build()
    assert before["tarefas.jsonl"] == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tasks)
    assert before["exemplos.jsonl"] == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in demos)


def test_label_is_the_label_alone():
    t = task("label", expected="positive", options=["positive", "negative"])
    assert prompts.check(t, "positive") and prompts.check(t, "Positive.") and prompts.check(t, "Sentiment: positive")
    assert not prompts.check(t, "negative")
    assert not prompts.check(t, "not positive")  # quase certo: a palavra está lá, o sentido é o oposto
    assert not prompts.check(t, "The sentiment is positive.")  # frase inteira: o formato pedido era a palavra
    assert not prompts.check(t, "positive or negative")
    assert prompts.check_details(t, "negative")["motivo"] == "outro rótulo"


def test_number_takes_the_last_number():
    n = task("number", expected=42)
    assert prompts.check(n, "42") and prompts.check(n, "17 + 25 = 42") and prompts.check(n, "42,0")
    assert not prompts.check(n, "17 + 25")  # eco da conta: o último número é 25
    assert not prompts.check(n, "42 - 17 = 25")
    assert prompts.check_details(n, "não sei")["motivo"] == "sem número"


def test_exact():
    assert prompts.check(task("exact", accepted=["249,90"]), " 249,90. ")
    assert not prompts.check(task("exact", accepted=["249,90"]), "O preço é 249,90")
    assert prompts.check(task("exact", accepted=["cafeteira expresso mini"]), "Cafeteira Expresso Mini")


def test_json_parses_the_last_object_and_splits_form_from_content():
    j = task("json", expected={"nome": "Ana Souza", "cidade": "Recife"})
    assert prompts.check(j, '{"nome": "Ana Souza", "cidade": "Recife"}')
    assert prompts.check(j, '```json\n{"cidade": "recife", "nome": "Ana Souza"}\n```')
    assert prompts.check(j, 'Aqui está:\n{\n  "nome": "Ana Souza",\n  "cidade": "Recife"\n}')  # várias linhas
    assert prompts.check(j, '{"nome": "x", "cidade": "y"} corrigindo: {"nome": "Ana Souza", "cidade": "Recife"}')
    assert not prompts.check(j, '{"nome": "Ana Souza", "cidade": "Recife", "idade": "34"}')
    wrong = prompts.check_details(j, '{"nome": "Ana Souza", "cidade": "Olinda"}')
    assert wrong == {"acertou": False, "motivo": "valores errados", "json_valido": True, "chaves_certas": True}
    keys = prompts.check_details(j, '{"name": "Ana Souza", "city": "Recife"}')
    assert keys["json_valido"] and not keys["chaves_certas"]
    assert not prompts.check_details(j, '{"nome": "Ana Souza",')["json_valido"]


def test_word_limit_rejects_numbers_echoes_and_long_answers():
    w = task("max_words", min=3, max=8)
    assert prompts.check(w, "Cadeira leve que dobra e cabe no carro.")
    assert not prompts.check(w, "8")  # só um número
    assert not prompts.check(w, "cadeira de praia dobrável")  # eco da entrada
    assert not prompts.check(w, "Cadeira leve, dobrável, resistente, bonita, barata e fácil de levar.")
    assert not prompts.check(w, "Cadeira leve.\nDobra fácil.")
    assert prompts.check_details(w, "cadeira de praia dobrável")["motivo"] == "eco da entrada"


def test_language_uses_a_real_identifier():
    pt = task("language", expected="pt")
    assert prompts.check(pt, "Ele serve para misturar e triturar os alimentos.")
    assert prompts.check(pt, "Regue a planta e deixe no sol.")  # frase curta que o identificador sem filtro diz galego
    assert not prompts.check(pt, "Sirve para mezclar y triturar los alimentos.")  # espanhol não é português
    assert not prompts.check(pt, "It is used to mix food.")
    assert not prompts.check(pt, "Sim.")  # curta demais para ser a frase pedida
    assert prompts.check(task("language", expected="en"), "It is used to mix and blend food.")


def test_lines():
    lines = task("lines", count=3, prefix="- ")
    assert prompts.check(lines, "- azul\n- verde\n- roxo")
    assert not prompts.check(lines, "1. azul\n2. verde\n3. roxo")
    assert not prompts.check(lines, "- azul\n- verde")
    assert not prompts.check(lines, "- azul\n- azul\n- azul")  # repetição não é lista
    assert not prompts.check(lines, "- \n- \n- ")


def test_final_answer_of_step_by_step():
    cot = prompts.VARIANTS["passo a passo"]
    assert prompts.final_answer("17 + 25 = 42.\nResposta: 42", cot) == "42"
    assert prompts.final_answer('Nome e cidade.\nResposta:\n{"nome": "A",\n "cidade": "B"}', cot) == '{"nome": "A",\n "cidade": "B"}'
    assert prompts.final_answer("Primeiro.\n\nSegundo parágrafo", cot) == "Segundo parágrafo"
    assert prompts.final_answer(" positivo \n", prompts.VARIANTS[prompts.variant_name("chat", False, 0)]) == "positivo"
    with pytest.raises(prompts.PromptSetError, match="desconhecida"):
        prompts.check(task("vibes"), "x")
    with pytest.raises(KeyError, match="Opções"):
        prompts.render(prompts.load_tasks()[0], "gritar", [])


def test_render_factorial_cells_and_demos_in_the_task_language():
    tasks, examples = prompts.load_tasks(), prompts.load_examples()
    assert len(prompts.FACTORIAL) == 12
    t = next(t for t in tasks if t["id"] == "sentimento-en-1")
    chat3 = prompts.render(t, prompts.variant_name("chat", True, 3), examples)["messages"]
    assert [m["role"] for m in chat3] == ["user", "assistant"] * 3 + ["user"]
    assert {m["content"] for m in chat3 if m["role"] == "assistant"} <= {"positive", "negative"}
    assert all(m["content"].startswith(t["instruction"]) and t["format"] in m["content"] for m in chat3 if m["role"] == "user")
    plain0 = prompts.render(t, prompts.variant_name("texto", False, 0), examples)["prompt"]
    assert plain0 == f"{t['instruction']}\n\n{t['input']}\nAnswer:" and t["format"] not in plain0
    plain3 = prompts.render(t, prompts.variant_name("texto", True, 3), examples)["prompt"]
    assert plain3.count("\nAnswer:") == 4 and plain3.endswith(f"{t['input']}\nAnswer:")
    role = prompts.render(t, "papel (sistema)", examples)["messages"]
    assert role[0] == {"role": "system", "content": prompts.SYSTEM["en"]}
    assert prompts.render(t, "pergunta crua", examples)["messages"] == [{"role": "user", "content": t["bare"]}]
    with pytest.raises(prompts.PromptSetError, match="exemplo"):
        prompts.demonstrations({**t, "subtype": "inexistente"}, examples, 1)


def test_baselines_are_what_they_say():
    tasks = prompts.load_tasks()
    rows = prompts.baselines(tasks)
    echo = rows[rows["variante"] == "eco da entrada"]
    assert not echo["acertou"].any()  # nenhuma verificação aceita repetir a entrada
    const = rows[rows["variante"] == "resposta constante"].set_index("tarefa")
    sentiment = [t for t in tasks if t["subtype"] == "sentimento"]
    assert const.loc[[t["id"] for t in sentiment], "acertou"].mean() == 0.5  # classes equilibradas


def test_grammars():
    t = {"check": {"kind": "label", "options": ["positivo", "negativo"]}}
    assert prompts.label_gbnf(t) == 'root ::= "positivo" | "negativo"\n'
    j = {"check": {"kind": "json", "expected": {"nome": "A", "cidade": "B"}}}
    gbnf = llamacpp.json_gbnf(j)
    assert '"\\"nome\\""' in gbnf and '"\\"cidade\\""' in gbnf and gbnf.count("char") > 10
    assert llamacpp.grammar(gbnf) is not None


def test_stats_against_hand_computations():
    low, high = stats.wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)  # (p + z²/2n ± z√(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    a = np.array([1, 1, 1, 1, 1, 1, 0, 0], bool)
    b = np.array([0, 0, 0, 0, 0, 0, 0, 1], bool)
    test = stats.mcnemar(a, b)
    assert (test["a_only"], test["b_only"]) == (6, 1) and test["p"] == pytest.approx(16 / 128)  # 2·P(X ≤ 1), n=7
    assert list(stats.holm([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])
    diff, lo, hi = stats.paired_bootstrap(np.ones(50), np.zeros(50))
    assert (diff, lo, hi) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="mesmos itens"):
        stats.mcnemar([1, 0], [1])


def test_factor_effects_and_paired_tests_on_made_up_answers():
    tasks = [f"t{i}" for i in range(40)]
    rows = []
    for name, recipe in prompts.FACTORIAL.items():
        for i, t in enumerate(tasks):  # o formato explícito acerta a tarefa; nada mais importa
            rows.append({"modelo": "m", "variante": name, "tarefa": t, "acertou": recipe["formato"] or i % 4 == 0})
    answers = pd.DataFrame(rows)
    effects = prompts.factor_effects(answers, "m").set_index("efeito")
    assert effects.loc["formato: com formato − sem formato", "pontos"] == pytest.approx(75.0)
    assert effects.loc["template: chat − texto", "pontos"] == 0 and effects.loc["exemplos: 3 ex. − 0 ex.", "pontos"] == 0
    tests = prompts.paired_tests(answers, "m", prompts.variant_name("chat", False, 0)).set_index("variante")
    assert tests.loc[prompts.variant_name("chat", True, 0), "conclusão"] == "melhor"
    assert tests.loc[prompts.variant_name("texto", False, 3), "conclusão"].startswith("empate")


def test_tiny_evaluation_script_runs(tmp_path):
    """A rodada completa do capítulo 8 numa configuração minúscula: 1 tarefa por grupo, só o SmolLM2."""
    script = paths.repo_root() / "chapters" / "08-prompting" / "avaliar_prompts.py"
    done = subprocess.run([sys.executable, str(script), "--por-grupo", "1", "--modelos", "smollm2-135m-instruct",
                           "--saida", str(tmp_path), "--variantes-max", "2"], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    answers = pd.read_csv(tmp_path / "08-respostas.csv")
    assert set(answers["modelo"]) == {"(sem modelo)", "smollm2-135m-instruct"}
    assert answers["tarefa"].nunique() == 20
    meta = json.loads((tmp_path / "08-respostas.meta.json").read_text())
    assert meta["config"]["tarefas"] == 20
