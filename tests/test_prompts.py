"""As verificações do conjunto de prompts do capítulo 8: cada uma aceita o certo e recusa o errado."""

import pytest

from shared import prompts


def task(kind, **spec):
    return {"id": "t", "type": "x", "language": "pt", "check": {"kind": kind, **spec}}


def test_the_prompt_set_is_complete_and_valid():
    tasks = prompts.load_tasks()
    assert len(tasks) >= 40
    assert {t["language"] for t in tasks} == {"pt", "en"}
    assert {t["type"] for t in tasks} == {"sentimento", "extração", "json", "aritmética", "restrição", "classificação"}
    examples = prompts.load_examples()
    for t in tasks:  # toda tarefa tem 3 exemplos do seu tipo e renderiza em todas as variantes
        assert len(prompts.demonstrations(t, examples, 3)) == 3
        for variant in prompts.VARIANTS:
            request = prompts.render(t, variant, examples)
            assert ("messages" in request) != ("prompt" in request)


def test_label_needs_the_expected_option_and_no_other():
    t = task("label", expected="positivo", options=["positivo", "negativo"])
    assert prompts.check(t, "positivo")
    assert prompts.check(t, "O sentimento é Positivo.")
    assert not prompts.check(t, "negativo")
    assert not prompts.check(t, "positivo ou negativo")  # ficou em cima do muro
    assert not prompts.check(t, "positividade")  # palavra inteira


def test_exact_number_and_json():
    assert prompts.check(task("exact", accepted=["249,90"]), " 249,90. ")
    assert not prompts.check(task("exact", accepted=["249,90"]), "R$ 249,90")
    assert prompts.check(task("exact", accepted=["cafeteira expresso mini"]), "Cafeteira Expresso Mini")
    n = task("number", expected=27)
    assert prompts.check(n, "27") and prompts.check(n, "Fica 27 reais.") and prompts.check(n, "27,0")
    assert not prompts.check(n, "30 - 3 = 27")  # o primeiro número é o que conta
    j = task("json", expected={"nome": "Ana Souza", "cidade": "Recife"})
    assert prompts.check(j, '{"nome": "Ana Souza", "cidade": "Recife"}')
    assert prompts.check(j, '```json\n{"cidade": "recife", "nome": "Ana Souza"}\n```')
    assert not prompts.check(j, 'Aqui está: {"nome": "Ana Souza", "cidade": "Recife"}')
    assert not prompts.check(j, '{"nome": "Ana Souza", "cidade": "Recife", "idade": "34"}')
    assert not prompts.check(j, '{"nome": "Ana Souza", "cidade": "Olinda"}')
    assert not prompts.check(j, '{"nome": "Ana Souza",')


def test_constraints():
    w = task("max_words", max=6)
    assert prompts.check(w, "Som bom e bateria longa.")
    assert not prompts.check(w, "O fone tem som bom, bateria longa e conforto.")
    assert not prompts.check(w, "") and not prompts.check(w, "Bom.\nMuito bom.")
    lang = task("language", expected="pt")
    assert prompts.check(lang, "É um aparelho que mistura os alimentos.")
    assert not prompts.check(lang, "It is a device that mixes food.")
    lines = task("lines", count=3, prefix="- ")
    assert prompts.check(lines, "- azul\n- verde\n- roxo")
    assert not prompts.check(lines, "1. azul\n2. verde\n3. roxo")
    assert not prompts.check(lines, "- azul\n- verde")


def test_final_answer_and_unknowns():
    assert prompts.final_answer("Primeiro somo.\n17 + 25 = 42\nResposta: 42", "passo a passo") == "42"
    assert prompts.final_answer(" positivo \n", "instrução clara") == "positivo"
    with pytest.raises(prompts.PromptSetError, match="desconhecida"):
        prompts.check(task("vibes"), "x")
    with pytest.raises(KeyError, match="Opções"):
        prompts.render(prompts.load_tasks()[0], "gritar", [])


def test_render_variants():
    t = next(t for t in prompts.load_tasks() if t["id"] == "sentimento-pt-1")
    examples = prompts.load_examples()
    assert prompts.render(t, "pergunta crua", examples)["messages"] == [{"role": "user", "content": t["bare"]}]
    role = prompts.render(t, "papel (sistema)", examples)["messages"]
    assert role[0]["role"] == "system" and role[1]["content"].startswith(t["instruction"])
    three = prompts.render(t, "3 exemplos", examples)["messages"]
    assert [m["role"] for m in three] == ["user", "assistant"] * 3 + ["user"]
    assert three[0]["content"].endswith(examples[0]["input"])  # o exemplo em português vem primeiro
    assert prompts.render(t, "formato explícito", examples)["messages"][0]["content"].endswith(t["format"])
    raw = prompts.render(t, "texto puro (sem template)", examples)["prompt"]
    assert raw.endswith("Resposta:") and "<|im_start|>" not in raw


def test_missing_or_broken_prompt_set(tmp_path):
    with pytest.raises(prompts.PromptSetError, match="não encontrado"):
        prompts.load_tasks(tmp_path / "nada.jsonl")
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"id": "a", "type": "x"}\n', "utf-8")
    with pytest.raises(prompts.PromptSetError, match="faltam"):
        prompts.load_tasks(bad)


def test_json_schema_of_a_json_task():
    t = next(t for t in prompts.load_tasks() if t["type"] == "json")
    schema = prompts.json_schema(t)
    assert schema["required"] == list(t["check"]["expected"]) and schema["type"] == "object"


@pytest.fixture(scope="module")
def llm():
    from shared import llamacpp, models

    model, _ = llamacpp.open_model(models.gguf_path(), n_ctx=2048)
    yield model
    model.close()


def test_evaluate_on_the_real_model_is_deterministic(llm):
    tasks = [t for t in prompts.load_tasks() if t["id"] in ("sentimento-en-1", "json-en-1")]
    variants = ["instrução clara", "texto puro (sem template)"]
    first = prompts.evaluate(llm, tasks, variants, prompts.load_examples(), max_tokens=16)
    again = prompts.evaluate(llm, tasks, variants, prompts.load_examples(), max_tokens=16)
    assert len(first) == 4 and first["acertou"].dtype == bool
    assert list(first["resposta"]) == list(again["resposta"])
    recheck = [prompts.check(t, a) for t, a in zip(tasks * 2, first["verificado"])]
    assert recheck == list(first["acertou"])


def test_json_schema_forces_valid_json(llm):
    import json

    t = next(t for t in prompts.load_tasks() if t["id"] == "json-pt-1")
    request = prompts.render(t, "pergunta crua")
    schema = prompts.json_schema(t)
    answer = prompts.ask(llm, request, max_tokens=48, response_format={"type": "json_object", "schema": schema})
    value = json.loads(answer)
    assert set(value) == set(schema["required"])


def test_hf_chat_gives_the_same_interface(llm):
    """A célula só-GPU avalia um modelo do transformers com o mesmo evaluate; em CPU, com o SmolLM2."""
    from shared import models

    tokenizer, model = models.load_causal_lm()
    hf = prompts.HFChat(model, tokenizer)
    tasks = [t for t in prompts.load_tasks() if t["id"] == "sentimento-en-2"]
    table = prompts.evaluate(hf, tasks, ["instrução clara", "texto puro (sem template)"], max_tokens=8)
    assert len(table) == 2 and all(isinstance(a, str) and a for a in table["resposta"])
    assert "\n\n" not in table["resposta"].iloc[1]  # o stop corta na linha em branco


def test_datasheet_counts_match_the_files():
    from collections import Counter

    tasks = prompts.load_tasks()
    languages = Counter(t["language"] for t in tasks)
    sheet = (prompts.prompts_dir() / "DATASHEET.md").read_text("utf-8")
    assert f"{len(tasks)} tarefas, {languages['pt']} em português e {languages['en']} em inglês" in sheet
    assert f"{len(prompts.load_examples())} exemplos resolvidos" in sheet


def test_stop_for_single_and_multi_line_answers():
    tasks = {t["id"]: t for t in prompts.load_tasks()}
    assert prompts.stop_for(tasks["sentimento-pt-1"]) == ("\n",)
    assert prompts.stop_for(tasks["json-pt-1"]) == ("\n\n",)
    assert prompts.stop_for(tasks["restricao-pt-7"]) == ("\n\n",)  # três linhas com "- "
