"""Capítulo 9: as etapas do pipeline do projeto final, a linha de comando e as entradas ruins."""

from __future__ import annotations

import sys

import pytest

from shared.paths import repo_root

sys.path.insert(0, str(repo_root() / "chapters" / "09-projeto-final"))

from pipeline import build, etapas, load_config, metricas, publish  # noqa: E402
from pipeline.__main__ import main  # noqa: E402

from shared.pipeline import PipelineError  # noqa: E402

README = """# Curso

| Nº | Capítulo | Resumo |
|---|---|---|
| 1 | [Fundamentos](chapters/01/) | x |
| 2 | [Tokenização](chapters/02/) | y |

| medida | valor |
|---|---|
| 20601 | 4026 |
"""


def glossary(rows: int = 30, broken: bool = False) -> str:
    lines = ["# Glossário", "", "| Termo (pt-BR) | Inglês | Definição | Cap. |", "|---|---|---|---|"]
    for i in range(rows):
        lines.append(f"| **termo{i}** | term {i} | Definição `número` {i}, ver [aqui](x). | [{1 + i % 2}](chapters/0{1 + i % 2}/) |")
    lines.append("| termo0 | term 0 | Repetido. | [1](chapters/01/) |")
    if broken:
        lines.append("| termo quebrado | sem colunas |")
    return "\n".join(lines) + "\n"


@pytest.fixture
def fake_course(tmp_path):
    (tmp_path / "GLOSSARY.md").write_text(glossary(), encoding="utf-8")
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    return tmp_path


def test_the_real_glossary_and_readme_parse():
    root = repo_root()
    rows = etapas.parse_glossary((root / "GLOSSARY.md").read_text(encoding="utf-8"), "GLOSSARY.md")
    assert len(rows) > 100 and all(r["linha"] > 5 for r in rows)
    chapters = etapas.parse_chapters((root / "README.md").read_text(encoding="utf-8"), "README.md")
    assert [c["numero"] for c in chapters] == [str(n) for n in range(1, 11)]


def test_malformed_row_names_step_file_and_line():
    with pytest.raises(PipelineError, match=r"etapa 'coletar' \(GLOSSARY.md:36\): a linha tem 2 colunas"):
        etapas.parse_glossary(glossary(broken=True), "GLOSSARY.md")
    bad_link = "| Termo | Inglês | Definição | Cap. |\n|---|---|---|---|\n| a | b | c | cinco |\n"
    with pytest.raises(PipelineError, match=r"GLOSSARY.md:3\).*\[5\]\(chapters"):
        etapas.parse_glossary(bad_link, "GLOSSARY.md")
    with pytest.raises(PipelineError, match="nenhuma linha"):
        etapas.parse_glossary("# vazio\n", "GLOSSARY.md")


def test_cleaning_and_split_helpers():
    assert etapas.plain("**LoRA** usa `peft`,  ver [cap. 6](x/)") == "LoRA usa peft, ver cap. 6"
    assert etapas.term_key("Atenção *cruzada*") == "atencao cruzada"
    terms = [f"termo {i}" for i in range(400)]
    first = {t: etapas.split_of(t, "s", 0.15, 0.15) for t in terms}
    assert {t: etapas.split_of(t, "s", 0.15, 0.15) for t in terms} == first  # estável
    shares = {s: list(first.values()).count(s) / len(terms) for s in ("train", "validation", "test")}
    assert 0.08 < shares["test"] < 0.22 and 0.08 < shares["validation"] < 0.22
    assert etapas.split_of("termo 1", "outro sal", 0.15, 0.15) in {"train", "validation", "test"}


def test_concept_families_keep_related_terms_in_one_split():
    items = [
        {"termo": "quantização", "ingles": "quantization"},
        {"termo": "quantização por canal", "ingles": "per-channel quantization"},
        {"termo": "Quantizações só dos pesos", "ingles": "weight-only quantization"},
        {"termo": "quantizador", "ingles": "quantizer"},  # outra palavra: outra família
        {"termo": "tokens especiais", "ingles": "special tokens"},
        {"termo": "token", "ingles": "token"},
        {"termo": "GQA (atenção com consultas agrupadas)", "ingles": "grouped-query attention"},
        {"termo": "grouped-query attention", "ingles": "grouped-query attention (GQA)"},
        {"termo": "atenção", "ingles": "attention"},
    ]
    families = etapas.concept_families(items)
    assert families == ["quantizacao", "quantizacao", "quantizacao", "quantizador", "token", "token", "gqa", "gqa", "atencao"]
    # estável: termos novos não mudam a família (nem a divisão) dos antigos
    assert etapas.concept_families(items + [{"termo": "quantum", "ingles": "quantum"}])[: len(items)] == families
    splits = {f: etapas.split_of(f, "s", 0.15, 0.15) for f in families}
    assert all(etapas.split_of(f, "s", 0.15, 0.15) == splits[f] for f in families)


def test_data_steps_on_a_small_course(fake_course, tmp_path):
    pipe = build(load_config(), tmp_path / "artefatos", fake_course)
    pipe.run(["coletar", "limpar", "dividir"], verbose=False)
    assert pipe.manifest("limpar")["resumo"] == {"entrada": 31, "saida": 30, "descartados": 1}
    rows = sum((etapas.read_jsonl(pipe.artifacts / "dividir" / f"{s}.jsonl") for s in ("train", "validation", "test")), [])
    assert len(rows) == 30 and len({r["termo"] for r in rows}) == 30
    example = next(r for r in rows if r["termo"] == "termo3")
    assert example["pergunta"] == "O que é termo3?" and example["familia"] == "termo3"
    assert example["resposta"] == "termo3 (em inglês, term 3): Definição número 3, ver aqui. Veja o capítulo 2 (Tokenização)."
    assert metricas.score(example, example["resposta"])["formato"] == 1.0


def test_bad_raw_file_stops_and_keeps_what_was_made(fake_course, tmp_path):
    artifacts = tmp_path / "artefatos"
    pipe = build(load_config(), artifacts, fake_course)
    pipe.run(["coletar", "limpar"], verbose=False)
    saved = (artifacts / "coletar" / "glossario.jsonl").read_bytes()
    (fake_course / "GLOSSARY.md").write_text(glossary(broken=True), encoding="utf-8")
    with pytest.raises(PipelineError, match="coletar.*GLOSSARY.md:36"):
        pipe.run(verbose=False)
    assert (artifacts / "coletar" / "glossario.jsonl").read_bytes() == saved
    assert pipe.state("limpar") == (True, "em dia")


def test_cli_reports_missing_artifact_and_unknown_step(tmp_path, capsys):
    assert main(["treinar", "--artefatos", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "erro: etapa 'treinar'" in err and "falta o artefato da etapa 'tokenizar'" in err
    assert main(["traduzir", "--artefatos", str(tmp_path)]) == 2
    assert "etapa desconhecida" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "nao-existe.toml")]) == 2
    assert "arquivo de configuração não encontrado" in capsys.readouterr().err


def test_config_overrides_are_checked(tmp_path):
    assert load_config(overrides={"treino.epocas": 1})["treino"]["epocas"] == 1
    with pytest.raises(PipelineError, match="chave desconhecida 'treino.epoca'"):
        load_config(overrides={"treino.epoca": 1})
    bad = tmp_path / "ruim.toml"
    bad.write_text("[dados\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="TOML inválido"):
        load_config(bad)


def test_metrics_tell_right_from_wrong():
    ref = {"resposta": "LoRA (em inglês, low-rank adaptation): Ajuste com matrizes pequenas. Veja o capítulo 6 (PEFT e LoRA).",
           "ingles": "low-rank adaptation", "capitulo": 6, "definicao": "Ajuste com matrizes pequenas.",
           "pergunta": "O que é LoRA (low-rank adaptation)?"}  # fmt: skip
    perfect = metricas.score(ref, ref["resposta"])
    assert perfect == {"rouge_l": 1.0, "formato": 1.0, "ingles": 1.0, "capitulo": 1.0, "palavras_chave": 1.0, "portugues": 1.0}
    wrong = metricas.score(ref, "LoRA (em inglês, lora): Um tipo de pizza. Veja o capítulo 2 (Tokenização).")
    assert wrong["formato"] == 1.0 and wrong["capitulo"] == 0.0 and wrong["ingles"] == 0.0
    assert wrong["palavras_chave"] == 0.0 and wrong["rouge_l"] < perfect["rouge_l"]
    assert metricas.score(ref, "It is a method.")["portugues"] == 0.0


def test_metrics_do_not_reward_echoes_or_the_template():
    ref = {"ingles": "fine-tuning", "capitulo": 5, "definicao": "Continuar o treino de um modelo pré-treinado.",
           "pergunta": "O que é fine-tuning?"}  # fmt: skip
    # repetir a pergunta traz o nome em inglês e palavras em português, mas não responde
    echo = metricas.score(ref, "O que é fine-tuning? O que é fine-tuning? O que é fine-tuning?")
    assert echo["ingles"] == 0.0 and echo["portugues"] == 0.0 and echo["formato"] == 0.0
    # o molde vazio acerta o formato e os fatos do molde, mas a definição não ganha nada
    empty = metricas.score(ref, "fine-tuning (em inglês, fine-tuning): . Veja o capítulo 5 (Fine-tuning).")
    assert empty["formato"] == empty["ingles"] == empty["capitulo"] == 1.0
    assert empty["rouge_l"] == 0.0 and empty["palavras_chave"] == 0.0
    # a definição certa num molde errado ainda conta no ROUGE-L, mas não nos fatos
    loose = metricas.score(ref, "Continuar o treino de um modelo pré-treinado.")
    assert loose["rouge_l"] == 1.0 and loose["formato"] == loose["ingles"] == 0.0 and loose["portugues"] == 1.0
    assert metricas.definition_of("x (em inglês, y): Def. Veja o capítulo 1 (A).") == "Def."
    # o nome em inglês vem do campo do molde, inteiro: um nome a mais ou a menos não passa
    assert metricas.score(ref, "ajuste (em inglês, fine-tuning completo): x. Veja o capítulo 5 (F).")["ingles"] == 0.0


def test_free_metrics_for_question_answer_pairs():
    ref = {"pergunta": "Como eu rodo os testes?", "resposta": "Rode make test na raiz do repositório."}
    assert metricas.score_free(ref, ref["resposta"]) == {"rouge_l": 1.0, "palavras_chave": 1.0, "portugues": 1.0}
    echo = metricas.score_free(ref, "Como eu rodo os testes? Como eu rodo os testes?")
    assert echo["portugues"] == 0.0 and echo["palavras_chave"] == 0.0
    near = metricas.score_free(ref, "Rode make lab na raiz.")
    assert 0 < near["rouge_l"] < 1 and near["palavras_chave"] < 1


def test_interval_table_has_one_row_per_system_and_metric():
    predictions = etapas.pd.DataFrame([{"sistema": s, **{m: float(i % 2) for m in metricas.METRICS}}
                                       for s in ("a", "b") for i in range(10)])  # fmt: skip
    table = metricas.intervals(predictions, n_boot=200)
    assert len(table) == 2 * len(metricas.METRICS)
    assert ((table["inferior"] <= table["media"]) & (table["media"] <= table["superior"])).all()
    assert (table["media"] == 0.5).all()


def test_search_finds_the_entry_of_the_question_and_the_template_baseline():
    from pipeline.busca import GlossarySearch, term_of, with_context

    entries = [{"termo": t, "ingles": e, "resposta": f"{t}: ..."} for t, e in [
        ("LoRA", "low-rank adaptation"), ("quantização", "quantization"), ("quantização dinâmica", "dynamic quantization"),
        ("tokenização", "tokenization"), ("cache KV", "KV cache")]]  # fmt: skip
    search = GlossarySearch(entries)
    assert term_of("O que é o cache KV?") == "cache KV" and term_of("Quem é você?") == "Quem é você?"
    assert search.top("O que é LoRA?")[0]["termo"] == "LoRA"
    assert search.top("O que é quantização dinâmica?")[0]["termo"] == "quantização dinâmica"
    assert search.top("O que é quantização?")[0]["termo"] == "quantização"
    assert [e["termo"] for e in search.top("O que é cache KV?", k=2)][0] == "cache KV"
    assert with_context("O que é LoRA?", "LoRA: ...").endswith("LoRA: ...\n\nO que é LoRA?")
    guess = etapas.template_guess("O que é cache KV?", 1, "Fundamentos de NLP")
    assert metricas.FORMAT.match(guess) and guess.startswith("cache KV (em inglês, cache KV): .")
    with pytest.raises(ValueError, match="pelo menos um verbete"):
        GlossarySearch([])


def test_whole_pipeline_with_tiny_settings(fake_course, tmp_path):
    config = load_config(overrides={
        "treino.limite_exemplos": 4, "treino.lote": 2, "treino.epocas": 1,
        "avaliacao.limite_exemplos": 2, "avaliacao.max_novos_tokens": 4,
        "gerar.perguntas": ["O que é LoRA?"], "gerar.max_novos_tokens": 4,
    })  # fmt: skip
    pipe = build(config, tmp_path / "artefatos", fake_course)
    outcomes = pipe.run(verbose=False)
    assert all(o.ran for o in outcomes)
    train = pipe.manifest("treinar")["resumo"]
    assert train["passos"] == 2 and train["parametros_treinaveis"] > 0 and 0 <= train["passo_escolhido"] <= 2
    losses = etapas.pd.read_csv(pipe.artifacts / "treinar" / "perdas.csv")
    assert losses["perda_validacao"].notna().sum() == 2  # antes do primeiro passo e no fim
    metrics = etapas.pd.read_csv(pipe.artifacts / "avaliar" / "metricas.csv")
    assert list(metrics["sistema"]) == [*etapas.SYSTEMS, *etapas.PARAPHRASE_SYSTEMS] and (metrics["perguntas"] == 2).all()
    predictions = etapas.pd.DataFrame(etapas.read_jsonl(pipe.artifacts / "avaliar" / "predicoes.jsonl"))
    train_terms = {r["termo"] for r in etapas.read_jsonl(pipe.artifacts / "dividir" / "train.jsonl")}
    reworded = predictions[predictions["sistema"].str.startswith("treino")]
    assert set(reworded["termo"]) <= train_terms  # as paráfrases são de termos do treino
    assert not reworded[reworded["sistema"] == etapas.PARAPHRASE_SYSTEMS[1]]["pergunta"].str.startswith("O que é").any()
    assert reworded[reworded["sistema"] == etapas.PARAPHRASE_SYSTEMS[2]]["pergunta"].str.startswith("O que é").all()
    assert len(etapas.read_jsonl(pipe.artifacts / "gerar" / "respostas.jsonl")) == 1
    assert not any(o.ran for o in pipe.run(verbose=False))  # nada mudou: nada roda
    csv = publish(pipe, folder=tmp_path / "results")
    assert csv.name == "09-projeto.csv" and "artefato" in csv.read_text(encoding="utf-8")
    assert {p.name for p in (tmp_path / "results").glob("*.csv")} == {
        f"09-projeto{s}.csv" for s in ("", "-intervalos", "-predicoes", "-perdas", "-respostas")}


def test_each_step_hashes_the_code_it_runs():
    """metricas.py entra só no hash de `avaliar`; a função de cada etapa, só no da própria etapa."""
    from shared.pipeline import code_hashes

    keys = {step.name: set(code_hashes(step.run)) for step in etapas.STEPS}
    with_metrics = {name for name, k in keys.items() if "codigo:chapters/09-projeto-final/pipeline/metricas.py" in k}
    assert with_metrics == {"avaliar"}
    for step in etapas.STEPS:
        own = f"codigo:chapters/09-projeto-final/pipeline/etapas.py::{step.run.__qualname__}"
        assert {name for name, k in keys.items() if own in k} == {step.name}
    assert "codigo:shared/lora.py" in keys["treinar"] and "codigo:shared/lora.py" not in keys["coletar"]


def test_committed_lock_matches_a_fresh_run_of_the_data_steps(tmp_path):
    """O `pipeline.lock` versionado confere com uma rodada nova das etapas determinísticas (dados e tokens).

    Se falhar, alguém mudou o GLOSSARY.md, o README, o config.toml ou o código de uma etapa sem rodar o
    pipeline de novo: rode `make projeto` e versione o `pipeline.lock` que ele reescreve."""
    import json

    from pipeline import LOCK

    data_steps = ["coletar", "limpar", "dividir", "tokenizar"]
    pipe = build(load_config(), tmp_path / "artefatos")
    pipe.run(data_steps, verbose=False)
    locked, fresh = json.loads(LOCK.read_text(encoding="utf-8"))["etapas"], pipe.lock()["etapas"]

    def comparable(entry):
        # O README.md inteiro é um arquivo cru da `coletar`, e as tabelas de resultados dele mudam a cada medição;
        # o que importa de um arquivo cru é o que a etapa extraiu dele, e isso está nas saídas.
        return {**entry, "entradas": {k: v for k, v in entry["entradas"].items() if not k.startswith("arquivo:")}}

    different = [name for name in data_steps if comparable(locked[name]) != comparable(fresh[name])]
    assert not different, f"pipeline.lock desatualizado nas etapas {different}. Rode `make projeto` e versione o pipeline.lock."
    # a geração da avaliação cabe a resposta de referência mais longa do teste e das paráfrases (senão uma resposta perfeita sai cortada)
    tokenizer = etapas.load_tokenizer(pipe.config["modelo"]["base"])
    train = etapas.read_jsonl(pipe.artifacts / "dividir" / "train.jsonl")
    test = etapas.read_jsonl(pipe.artifacts / "dividir" / "test.jsonl")
    test += etapas.paraphrase_set(train, pipe.config["avaliacao"]["parafrases"])
    longest = max(len(tokenizer(r["resposta"] + tokenizer.eos_token, add_special_tokens=False)["input_ids"]) for r in test)
    assert pipe.config["avaliacao"]["max_novos_tokens"] >= longest


def test_lock_comparison_catches_a_changed_input(fake_course, tmp_path):
    pipe = build(load_config(), tmp_path / "artefatos", fake_course)
    pipe.run(["coletar", "limpar"], verbose=False)
    lock = pipe.write_lock(tmp_path / "pipeline.lock")
    assert {r["situação"] for r in pipe.compare_lock(lock, ["coletar", "limpar"])} == {"igual"}
    (fake_course / "GLOSSARY.md").write_text(glossary(rows=31), encoding="utf-8")
    pipe.run(["coletar", "limpar"], verbose=False)
    rows = {(r["etapa"], r["campo"]): r["situação"] for r in pipe.compare_lock(lock, ["coletar", "limpar", "dividir"])}
    assert rows[("coletar", "entradas")] == "diferente" and rows[("limpar", "saidas_hash")] == "diferente"
    assert rows[("coletar", "config_hash")] == "igual" and rows[("dividir", "entradas")] == "falta na trava"
    (tmp_path / "ruim.lock").write_text("{", encoding="utf-8")
    with pytest.raises(PipelineError, match="ilegível"):
        pipe.compare_lock(tmp_path / "ruim.lock")
    with pytest.raises(PipelineError, match="não encontrado"):
        pipe.compare_lock(tmp_path / "nao-existe.lock")


def test_pairs_csv_parser_reports_missing_columns_and_empty_files():
    rows = etapas.parse_pairs('pergunta,resposta\nOi?,"Olá, tudo bem."\n"Duas\nlinhas?",Sim.\n', "x.csv")
    assert [r["pergunta"] for r in rows] == ["Oi?", "Duas\nlinhas?"] and rows[0]["resposta"] == "Olá, tudo bem."
    assert rows[1]["linha"] == 4  # a última linha do registro de duas linhas
    with pytest.raises(PipelineError, match="faltam: resposta"):
        etapas.parse_pairs("pergunta,answer\nOi?,Olá\n", "x.csv")
    with pytest.raises(PipelineError, match="nenhum par"):
        etapas.parse_pairs("pergunta,resposta\n", "x.csv")
    with pytest.raises(PipelineError, match="dados.formato"):
        etapas.data_format({"dados": {"formato": "csv"}})


def test_template_runs_end_to_end_through_the_cli(tmp_path, capsys):
    """O modelo de `modelo/` (config + CSV de pares) roda pela mesma linha de comando, em tamanho mínimo."""
    import re

    from pipeline import HERE

    template = (HERE.parent / "modelo" / "config.toml").read_text(encoding="utf-8")
    tiny = re.sub(r"(?m)^limite_exemplos = \d+", "limite_exemplos = 4", template)
    tiny = re.sub(r"(?m)^max_novos_tokens = \d+", "max_novos_tokens = 4", tiny)
    tiny = re.sub(r"(?m)^epocas = \d+", "epocas = 1", tiny)
    assert tiny.count("= 4") >= 4
    config = tmp_path / "config.toml"
    config.write_text(tiny, encoding="utf-8")
    artifacts = tmp_path / "artefatos"
    results_before = {p.name: p.read_bytes() for p in (repo_root() / "results").glob("09-projeto*.csv")}
    assert main(["--config", str(config), "--artefatos", str(artifacts)]) == 0
    out = capsys.readouterr().out
    assert "métricas:" in out and "resultados:" not in out  # outra configuração não publica em results/
    assert {p.name: p.read_bytes() for p in (repo_root() / "results").glob("09-projeto*.csv")} == results_before
    pipe = build(load_config(config), artifacts)
    assert pipe.manifest("coletar")["resumo"]["pares"] == 36
    assert "arquivo:chapters/09-projeto-final/modelo/perguntas.csv" in pipe.manifest("coletar")["entradas"]
    metrics = etapas.pd.read_csv(artifacts / "avaliar" / "metricas.csv")
    assert list(metrics["sistema"]) == list(etapas.PAIR_SYSTEMS)
    assert list(metrics.columns) == ["sistema", "perguntas", *metricas.FREE_METRICS]
    # a linha de base sem modelo devolve respostas do treino, que nunca são a do teste
    predictions = etapas.read_jsonl(artifacts / "avaliar" / "predicoes.jsonl")
    nearest = [p for p in predictions if p["sistema"] == etapas.PAIR_SYSTEMS[0]]
    assert all(p["resposta"] != p["referencia"] for p in nearest)
    assert main(["--config", str(config), "--artefatos", str(artifacts), "--estado"]) == 0
    assert "treinar: em dia" in capsys.readouterr().out


def test_a_base_model_without_chat_template_gets_the_plain_one():
    """O Gemma 3 270M base não traz chat template: o pipeline usa o molde simples "Pergunta:/Resposta:"."""
    from shared import models
    from shared.lora import chat_example

    tokenizer = models.load_tokenizer("gemma3-270m")
    assert not tokenizer.chat_template
    etapas.with_chat_template(tokenizer)
    text = tokenizer.apply_chat_template([{"role": "user", "content": "O que é LoRA?"}], add_generation_prompt=True, tokenize=False)
    assert text == "<bos>Pergunta: O que é LoRA?\nResposta:\n"
    example = chat_example(tokenizer, "O que é LoRA?", "Ajuste de baixo posto.")
    answer = [t for t, label in zip(example["input_ids"], example["labels"]) if label != -100]
    assert tokenizer.decode(answer) == "Ajuste de baixo posto." + tokenizer.eos_token
    # um tokenizador com molde próprio fica como está
    smol = etapas.load_tokenizer("smollm2-135m-instruct")
    assert "<|im_start|>" in smol.chat_template
    config = load_config(etapas_config := repo_root() / "chapters" / "09-projeto-final" / "pipeline" / "config-gemma.toml")
    assert config["modelo"]["base"] == "gemma3-270m" and config["resultados"]["nome"] == "09-projeto-gemma"
    assert {k: v for k, v in config.items() if k not in ("modelo", "resultados")} == {
        k: v for k, v in load_config().items() if k != "modelo"}, f"{etapas_config.name} deveria mudar só o modelo base"
