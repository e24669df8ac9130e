"""As sete etapas do projeto final: dos arquivos crus do curso a um assistente ajustado com LoRA.

coletar → limpar → dividir → tokenizar → treinar → avaliar → gerar

Cada função recebe um :class:`shared.pipeline.Context`, escreve seus arquivos em ``ctx.out`` e devolve
um resumo que vai para o manifesto da etapa.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from shared.pipeline import Context, PipelineError, Step

from . import metricas

GLOSSARY_COLUMNS = ("termo", "ingles", "definicao", "capitulo")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
CHAPTER_LINK = re.compile(r"^\[(\d+)\]\([^)]*\)$")
QUESTION = "O que é {termo}?"
ANSWER = "{termo} (em inglês, {ingles}): {definicao} Veja o capítulo {capitulo} ({titulo})."


# ---------------------------------------------------------------------------------------------------
# Arquivos JSON Lines: uma linha, um registro


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Grava uma lista de dicionários, um JSON por linha (UTF-8, acentos legíveis)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """Lê um arquivo JSON Lines gravado por :func:`write_jsonl`."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------------------------------------------
# 1. coletar: ler as tabelas em Markdown, sem mudar o texto


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_glossary(text: str, source: str) -> list[dict]:
    """Linhas da tabela do glossário, com o texto cru de cada célula e o número da linha no arquivo.

    Uma linha da tabela com número errado de colunas, ou sem o link do capítulo, é erro: o arquivo
    cru está malformado e o pipeline para dizendo onde.
    """
    rows, in_table = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            in_table = False
            continue
        if line.startswith("| Termo"):
            in_table = True
            continue
        if not in_table or set(line.replace("|", "").strip()) <= {"-", ":", " "}:
            continue
        cells = _cells(line)
        if len(cells) != len(GLOSSARY_COLUMNS):
            raise PipelineError(
                "coletar",
                f"a linha tem {len(cells)} colunas; a tabela do glossário tem 4 "
                "(termo | inglês | definição | capítulo). Corrija a linha e rode de novo.",
                f"{source}:{number}",
            )
        if not CHAPTER_LINK.match(cells[3]):
            raise PipelineError(
                "coletar", f"a coluna do capítulo deveria ser um link como [5](chapters/...), não '{cells[3]}'",
                f"{source}:{number}",
            )  # fmt: skip
        rows.append({"fonte": source, "linha": number, **dict(zip(GLOSSARY_COLUMNS, cells))})
    if not rows:
        raise PipelineError("coletar", "nenhuma linha da tabela do glossário encontrada (cabeçalho '| Termo')", source)
    return rows


def parse_chapters(text: str, source: str) -> list[dict]:
    """Número e nome de cada capítulo, da tabela "Capítulos" do README principal (cabeçalho ``| Nº |``)."""
    rows, in_table = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        in_table = in_table or cells[0] == "Nº"
        if in_table and len(cells) >= 3 and cells[0].isdigit():
            rows.append({"fonte": source, "linha": number, "numero": cells[0], "titulo": cells[1]})
    if not rows:
        raise PipelineError("coletar", "nenhuma linha da tabela de capítulos encontrada", source)
    return rows


def parse_pairs(text: str, source: str) -> list[dict]:
    """Linhas de um CSV com as colunas ``pergunta`` e ``resposta`` (o formato do modelo em ``modelo/``).

    Sem uma das colunas, ou sem nenhuma linha, é erro que diz o arquivo; cada par guarda a linha de onde veio.
    """
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("pergunta", "resposta") if c not in (reader.fieldnames or [])]
    if missing:
        raise PipelineError(
            "coletar", f"o CSV precisa das colunas 'pergunta' e 'resposta' no cabeçalho; faltam: {', '.join(missing)}",
            source,
        )  # fmt: skip
    rows = [{"fonte": source, "linha": reader.line_num, "pergunta": row["pergunta"] or "", "resposta": row["resposta"] or ""}
            for row in reader]  # fmt: skip
    if not rows:
        raise PipelineError("coletar", "o CSV não tem nenhum par pergunta/resposta", source)
    return rows


def data_format(config: dict) -> str:
    """``"glossario"`` (o glossário do curso, o padrão) ou ``"perguntas"`` (um CSV de pares, seção [dados])."""
    chosen = config["dados"].get("formato", "glossario")
    if chosen not in ("glossario", "perguntas"):
        raise PipelineError("config", f"dados.formato deve ser 'glossario' ou 'perguntas', não '{chosen}'")
    return chosen


def collect(ctx: Context) -> dict:
    """Lê os dados crus e grava as linhas, com fonte e número da linha: o glossário e a tabela de capítulos
    (formato ``glossario``) ou um CSV de pares pergunta/resposta (formato ``perguntas``)."""
    cfg = ctx.config["dados"]
    needed = ("arquivo",) if data_format(ctx.config) == "perguntas" else ("glossario", "capitulos")
    for key in needed:
        if key not in cfg:
            raise PipelineError("coletar", f"falta a chave dados.{key} na configuração (formato '{data_format(ctx.config)}')")
    if data_format(ctx.config) == "perguntas":
        pairs = parse_pairs(ctx.source(cfg["arquivo"]).read_text(encoding="utf-8"), cfg["arquivo"])
        write_jsonl(ctx.out / "pares.jsonl", pairs)
        ctx.log(f"{len(pairs)} pares lidos")
        return {"pares": len(pairs)}
    glossary = parse_glossary(ctx.source(cfg["glossario"]).read_text(encoding="utf-8"), cfg["glossario"])
    chapters = parse_chapters(ctx.source(cfg["capitulos"]).read_text(encoding="utf-8"), cfg["capitulos"])
    write_jsonl(ctx.out / "glossario.jsonl", glossary)
    write_jsonl(ctx.out / "capitulos.jsonl", chapters)
    ctx.log(f"{len(glossary)} termos e {len(chapters)} capítulos lidos")
    return {"termos": len(glossary), "capitulos": len(chapters)}


# ---------------------------------------------------------------------------------------------------
# 2. limpar: tirar o Markdown, normalizar, juntar o nome do capítulo, remover duplicatas


def plain(text: str) -> str:
    """Texto sem Markdown de ênfase, código e links, em Unicode NFC e com espaços simples."""
    text = LINK.sub(r"\1", text)
    text = re.sub(r"[*`]", "", text)
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def term_key(term: str) -> str:
    """Chave para achar duplicatas: minúsculas, sem acentos, só letras e números."""
    folded = unicodedata.normalize("NFKD", term.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def keep_unique(rows: list[dict], to_item, key_field: str, required: tuple[str, ...], repeated) -> tuple[list, list]:
    """(itens mantidos, motivos dos descartes): cada linha crua vira um item por ``to_item``; sai a que tem
    um campo de ``required`` vazio e a que repete a chave (:func:`term_key` de ``key_field``)."""
    kept, seen, dropped = [], set(), []
    for row in rows:
        item = to_item(row)
        key = term_key(item[key_field])
        if not all(item[k] for k in required):
            dropped.append(f"linha {row['linha']}: campo vazio")
        elif key in seen:
            dropped.append(f"linha {row['linha']}: {repeated(item)}")
        else:
            seen.add(key)
            kept.append(item)
    return kept, dropped


def save_clean(ctx: Context, kept: list[dict], dropped: list[str], noun: str) -> None:
    """Grava os itens limpos e registra cada descarte."""
    write_jsonl(ctx.out / "termos.jsonl", kept)
    for reason in dropped:
        ctx.log(f"descartado: {reason}")
    ctx.log(f"{len(kept)} {noun} limpos")


def clean_pairs(ctx: Context) -> dict:
    """Limpa cada par pergunta/resposta; descarta (e registra) os vazios e as perguntas repetidas."""
    kept, dropped = keep_unique(
        read_jsonl(ctx.input("coletar", "pares.jsonl")),
        lambda row: {"pergunta": plain(row["pergunta"]), "resposta": plain(row["resposta"])},
        "pergunta", ("pergunta", "resposta"), lambda item: "pergunta repetida",
    )  # fmt: skip
    save_clean(ctx, kept, dropped, "pares")
    return {"saida": len(kept), "descartados": len(dropped)}


def clean(ctx: Context) -> dict:
    """Limpa cada termo; descarta (e registra) os vazios e os repetidos."""
    if (ctx.artifacts / "coletar" / "pares.jsonl").is_file():
        return clean_pairs(ctx)
    raw = read_jsonl(ctx.input("coletar", "glossario.jsonl"))
    titles = {int(c["numero"]): plain(c["titulo"]) for c in read_jsonl(ctx.input("coletar", "capitulos.jsonl"))}

    def to_item(row: dict) -> dict:
        item = {k: plain(row[k]) for k in ("termo", "ingles", "definicao")}
        item["capitulo"] = int(CHAPTER_LINK.match(row["capitulo"]).group(1))
        item["titulo"] = titles.get(item["capitulo"], f"capítulo {item['capitulo']}")
        return item

    kept, dropped = keep_unique(raw, to_item, "termo", ("termo", "ingles", "definicao"),
                                lambda item: f"'{item['termo']}' repetido")  # fmt: skip
    save_clean(ctx, kept, dropped, "termos")
    return {"entrada": len(raw), "saida": len(kept), "descartados": len(dropped)}


# ---------------------------------------------------------------------------------------------------
# 3. dividir: pares pergunta → resposta e divisão estável por hash


def split_of(term: str, salt: str, test: float, validation: float) -> str:
    """Divisão de um termo (ou de uma família, :func:`concept_families`) pelo hash de (sal, chave): não
    muda quando o glossário ganha termos novos."""
    value = int(hashlib.sha256(f"{salt}|{term_key(term)}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if value < test else "validation" if value < test + validation else "train"


def name_key(name: str) -> str:
    """:func:`term_key` do nome sem o que está entre parênteses ("BPE (codificação…)" → ``bpe``)."""
    return term_key(re.sub(r"\(.*?\)", " ", name))


def head_word(name: str) -> str:
    """A primeira palavra do nome, sem acentos, sem o que está entre parênteses e no singular ("tokens
    especiais" → ``token``, "ativações guardadas" → ``ativacao``)."""
    word = name_key(name).split()[0]
    if word.endswith("oes"):
        return word[:-3] + "ao"
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def concept_families(items: list[dict]) -> list[str]:
    """A família de cada termo, para que termos parecidos caiam na mesma divisão.

    Em português o núcleo do nome vem primeiro: "quantização", "quantização por canal" e "quantização
    dinâmica" são a família ``quantizacao``; "BPE" e "BPE em bytes", ``bpe``. Um termo cujo nome é o nome em
    inglês de outro (o verbete "grouped-query attention" e o "GQA", que tem esse nome em inglês) entra na
    família do outro. Sem isso, o teste teria "quantização" e o treino "quantização por canal", e acertar um
    seria lembrar do outro. A família só depende do próprio termo e do verbete que tenha o nome dele como nome
    em inglês: termos novos no glossário não mudam a divisão dos antigos, salvo um termo novo cujo nome em
    inglês seja o nome de um antigo."""
    aliases: dict[str, str] = {}
    for item in items:
        aliases.setdefault(name_key(item["ingles"]), head_word(item["termo"]))
    return [aliases.get(name_key(item["termo"]), head_word(item["termo"])) for item in items]


def to_pair(item: dict) -> dict:
    """Um termo limpo vira um exemplo de instrução: a pergunta do usuário e a resposta no estilo do glossário.

    Um par que já vem com pergunta e resposta (formato ``perguntas``) passa como está."""
    if "pergunta" in item:
        return dict(item)
    return {"pergunta": QUESTION.format(**item), "resposta": ANSWER.format(**item), **item}


def build_dataset(ctx: Context) -> dict:
    """Grava ``train``, ``validation`` e ``test`` em JSON Lines, dividindo por família de termos
    (:func:`concept_families`); os pares do formato ``perguntas`` se dividem pela pergunta."""
    cfg = ctx.config["dados"]
    items = read_jsonl(ctx.input("limpar", "termos.jsonl"))
    families = concept_families(items) if items and "termo" in items[0] else [item["pergunta"] for item in items]
    splits = {"train": [], "validation": [], "test": []}
    for item, family in zip(items, families):
        pair = to_pair(item)
        if "termo" in item:
            pair["familia"] = family
        splits[split_of(family, cfg["sal_divisao"], cfg["fracao_teste"], cfg["fracao_validacao"])].append(pair)
    for name, rows in splits.items():
        if not rows:
            raise PipelineError("dividir", f"a divisão '{name}' ficou vazia: há termos de menos ou frações erradas")
        write_jsonl(ctx.out / f"{name}.jsonl", rows)
    ctx.log(", ".join(f"{k}: {len(v)}" for k, v in splits.items()))
    return {**{name: len(rows) for name, rows in splits.items()}, "familias": len(set(families))}


# ---------------------------------------------------------------------------------------------------
# 4. tokenizar: ids e máscara da perda, com uma análise dos tamanhos


PLAIN_CHAT = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n"
    "{% elif m['role'] == 'user' %}Pergunta: {{ m['content'] }}\n{% else %}Resposta:\n{{ m['content'] }}\n\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}Resposta:\n{% endif %}"
)


def with_chat_template(tokenizer):
    """O tokenizador, com um molde de conversa simples se ele não tiver um.

    Um modelo **base** (o Gemma 3 270M do curso) não traz *chat template*: não foi treinado para conversar.
    O molde ``PLAIN_CHAT`` ("Pergunta: …" / "Resposta:") deixa as mesmas etapas montarem os exemplos e os
    prompts; o LoRA ensina o modelo a responder depois de "Resposta:" e a parar no fim do texto.
    """
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_CHAT
    return tokenizer


def load_base(name: str):
    """(tokenizer, modelo) base: um nome do registro do curso (CPU, offline) ou um id do Hub (GPU)."""
    from shared import models

    if name in models.REGISTRY:
        tokenizer, model = models.load_causal_lm(name)
        return with_chat_template(tokenizer), model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name)
    model = AutoModelForCausalLM.from_pretrained(name, dtype="auto", device_map="auto")
    return with_chat_template(tokenizer), model


def load_tokenizer(name: str):
    """Só o tokenizador do modelo base."""
    from shared import models

    if name in models.REGISTRY:
        return with_chat_template(models.load_tokenizer(name))
    from transformers import AutoTokenizer

    return with_chat_template(AutoTokenizer.from_pretrained(name))


def tokenize(ctx: Context) -> dict:
    """Converte o treino em ids com a perda só na resposta e mede tamanhos por divisão."""
    from shared.lora import chat_example

    tokenizer = load_tokenizer(ctx.config["modelo"]["base"])
    analysis = []
    for name in ("train", "validation", "test"):
        rows = read_jsonl(ctx.input("dividir", f"{name}.jsonl"))
        examples = [chat_example(tokenizer, r["pergunta"], r["resposta"]) for r in rows]
        if name in ("train", "validation"):
            write_jsonl(ctx.out / ("treino_ids.jsonl" if name == "train" else "validacao_ids.jsonl"), examples)
        lengths = [len(e["input_ids"]) for e in examples]
        answer = [sum(label != -100 for label in e["labels"]) for e in examples]
        words = sum(len(r["resposta"].split()) for r in rows)
        analysis.append({
            "divisao": name, "exemplos": len(rows), "tokens_medio": round(sum(lengths) / len(rows), 1),
            "tokens_max": max(lengths), "tokens_resposta_medio": round(sum(answer) / len(rows), 1),
            "fracao_com_perda": round(sum(answer) / sum(lengths), 3),
            "tokens_por_palavra": round(sum(answer) / words, 2),
        })  # fmt: skip
    pd.DataFrame(analysis).to_csv(ctx.out / "analise.csv", index=False)
    ctx.log(f"treino: {analysis[0]['tokens_medio']} tokens por exemplo, {analysis[0]['fracao_com_perda']:.0%} com perda")
    return {"tokens_treino": sum(len(e["input_ids"]) for e in read_jsonl(ctx.out / "treino_ids.jsonl"))}


# ---------------------------------------------------------------------------------------------------
# 5. treinar: LoRA com o laço do capítulo 6


def train(ctx: Context) -> dict:
    """Aplica o LoRA da configuração ao modelo base, treina medindo a perda na validação e salva só o
    adaptador do passo de menor perda de validação."""
    import torch
    from peft import LoraConfig, get_peft_model

    from shared.finetune import count_parameters, folder_size
    from shared.lora import train_lm

    cfg, lora_cfg = ctx.config["treino"], ctx.config["lora"]
    examples = read_jsonl(ctx.input("tokenizar", "treino_ids.jsonl"))
    held_out = read_jsonl(ctx.input("tokenizar", "validacao_ids.jsonl"))
    if cfg.get("limite_exemplos"):
        examples, held_out = examples[: cfg["limite_exemplos"]], held_out[: cfg["limite_exemplos"]]
    torch.manual_seed(cfg["semente"])
    tokenizer, model = load_base(ctx.config["modelo"]["base"])
    config = LoraConfig(task_type="CAUSAL_LM", r=lora_cfg["rank"], lora_alpha=lora_cfg["alpha"],
                        lora_dropout=0.0, target_modules=list(lora_cfg["modulos"]))  # fmt: skip
    model = get_peft_model(model, config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    history = train_lm(model, examples, pad_id=pad_id, epochs=cfg["epocas"], batch_size=cfg["lote"],
                       learning_rate=cfg["taxa"], seed=cfg["semente"], eval_examples=held_out,
                       eval_every=cfg["validar_a_cada"], keep_best=True,
                       logits_only_on_labels=True)  # a mesma perda; a camada de saída só onde há rótulo  # fmt: skip
    model.save_pretrained(ctx.out / "adaptador")
    pd.DataFrame(history).to_csv(ctx.out / "perdas.csv", index=False)
    trainable, total = count_parameters(model)
    steps = [h for h in history if h["passo"] > 0]
    first, last = steps[0]["perda"], steps[-1]["perda"]
    chosen = next(h for h in history if h.get("escolhido"))
    ctx.log(f"{len(steps)} passos; perda {first:.2f} → {last:.2f}; "
            f"menor perda de validação {chosen['perda_validacao']:.2f} no passo {chosen['passo']}")  # fmt: skip
    return {
        "passos": len(steps), "exemplos": len(examples), "perda_inicial": round(first, 3),
        "perda_final": round(last, 3), "passo_escolhido": chosen["passo"],
        "perda_validacao_inicial": round(history[0]["perda_validacao"], 3),
        "perda_validacao_escolhida": round(chosen["perda_validacao"], 3), "parametros_treinaveis": trainable,
        "fracao_treinavel": round(trainable / total, 4),
        "adaptador_mb": round(folder_size(ctx.out / "adaptador") / 1e6, 2),
    }  # fmt: skip


def load_tuned(ctx: Context):
    """(tokenizer, modelo com o adaptador treinado)."""
    from peft import PeftModel

    adapter = ctx.input("treinar", "adaptador")
    tokenizer, model = load_base(ctx.config["modelo"]["base"])
    model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    return tokenizer, model


# ---------------------------------------------------------------------------------------------------
# 6. avaliar: antes e depois no teste


SYSTEMS = (
    "molde + capítulo mais comum",
    "base",
    "base + 1 exemplo no prompt",
    "base + LoRA",
    "base + busca no treino",
    "base + LoRA + busca no treino",
    "base + LoRA + definição certa",
)
# Termos do **treino**, perguntados com outras palavras: o ajuste guardou o conteúdo do que viu, ou só a
# pergunta exata? A pergunta exata do treino fica ao lado, como referência.
PARAPHRASE_SYSTEMS = (
    "treino, paráfrase: base",
    "treino, paráfrase: base + LoRA",
    "treino, pergunta do treino: base + LoRA",
)
PARAPHRASES = ("Explique o que é {termo}.", "Defina {termo}.", "O que significa {termo}?")


def paraphrase_set(train_rows: list[dict], n: int) -> list[dict]:
    """``n`` termos do treino (os primeiros pelo hash do termo: sempre os mesmos), cada um com a pergunta
    reescrita por um dos moldes de :data:`PARAPHRASES`, em rodízio; ``pergunta_treino`` guarda a original."""
    chosen = sorted(train_rows, key=lambda r: hashlib.sha256(term_key(r["termo"]).encode()).hexdigest())[:n]
    return [{**r, "pergunta_treino": r["pergunta"], "pergunta": PARAPHRASES[i % len(PARAPHRASES)].format(termo=r["termo"])}
            for i, r in enumerate(chosen)]  # fmt: skip


def template_guess(question: str, chapter: int, title: str) -> str:
    """A linha de base sem modelo: o molde com o termo da pergunta, o próprio termo como nome em inglês,
    definição vazia e o capítulo mais comum do treino."""
    from .busca import term_of

    term = term_of(question)
    return ANSWER.format(termo=term, ingles=term, definicao=".", capitulo=chapter, titulo=title)


def evaluate(ctx: Context) -> dict:
    """Responde ao teste com sete sistemas e mede: uma linha de base sem modelo, o modelo base (só a
    pergunta e com um exemplo), o LoRA, a busca nos verbetes do treino (RAG) com e sem o LoRA, e um oráculo
    que recebe o verbete certo no prompt (o RAG com uma busca perfeita). Com ``parafrases`` > 0, mede
    também termos do treino perguntados com outras palavras (:data:`PARAPHRASE_SYSTEMS`).

    Os termos do teste não estão no treino, então a busca no treino traz o verbete **vizinho** mais
    parecido; a mesma busca no glossário inteiro é medida também (quantas vezes acha o verbete certo), sem
    gerar nada: se ela acha sempre, o oráculo é o RAG com o glossário inteiro como base."""
    from collections import Counter

    from shared.generation import chat_batch

    from .busca import GlossarySearch, with_context

    cfg = ctx.config["avaliacao"]
    if data_format(ctx.config) == "perguntas":
        return evaluate_pairs(ctx)
    test = read_jsonl(ctx.input("dividir", "test.jsonl"))
    if cfg.get("limite_exemplos"):
        test = test[: cfg["limite_exemplos"]]
    train_rows = read_jsonl(ctx.input("dividir", "train.jsonl"))
    everything = train_rows + read_jsonl(ctx.input("dividir", "validation.jsonl")) + read_jsonl(ctx.input("dividir", "test.jsonl"))
    shot = train_rows[0]
    history = [{"role": "user", "content": shot["pergunta"]}, {"role": "assistant", "content": shot["resposta"]}]
    seen = paraphrase_set(train_rows, cfg.get("parafrases", 0))[: cfg.get("limite_exemplos") or None]
    tokenizer, model = load_tuned(ctx)
    longest = max(len(tokenizer(r["resposta"] + tokenizer.eos_token, add_special_tokens=False)["input_ids"]) for r in test + seen)
    if longest > cfg["max_novos_tokens"]:
        ctx.log(f"atenção: max_novos_tokens = {cfg['max_novos_tokens']} corta a referência mais longa ({longest} tokens)")
    questions = [r["pergunta"] for r in test]
    train_index = GlossarySearch(train_rows)
    found = [train_index.top(q)[0] for q in questions]  # o vizinho mais parecido, no treino
    full_index = GlossarySearch(everything)
    hits = sum(full_index.top(q)[0]["termo"] == ref["termo"] for q, ref in zip(questions, test))
    retrieved = [with_context(q, hit["resposta"]) for q, hit in zip(questions, found)]
    oracle = [with_context(q, ref["resposta"]) for q, ref in zip(questions, test)]
    chapter, _ = Counter(r["capitulo"] for r in train_rows).most_common(1)[0]
    title = next(r["titulo"] for r in train_rows if r["capitulo"] == chapter)
    ask = dict(max_new_tokens=cfg["max_novos_tokens"], batch_size=cfg["lote"])
    answers = {"molde + capítulo mais comum": [template_guess(q, chapter, title) for q in questions]}
    with model.disable_adapter():
        answers["base"] = chat_batch(model, tokenizer, questions, **ask)
        if cfg.get("exemplos_no_prompt"):
            answers["base + 1 exemplo no prompt"] = chat_batch(model, tokenizer, questions, history=history, **ask)
    answers["base + LoRA"] = chat_batch(model, tokenizer, questions, **ask)
    with model.disable_adapter():
        answers["base + busca no treino"] = chat_batch(model, tokenizer, retrieved, **ask)
    answers["base + LoRA + busca no treino"] = chat_batch(model, tokenizer, retrieved, **ask)
    answers["base + LoRA + definição certa"] = chat_batch(model, tokenizer, oracle, **ask)
    rows = [
        {"sistema": system, "termo": ref["termo"], "familia": ref.get("familia", ref["termo"]), "pergunta": ref["pergunta"],
         "referencia": ref["resposta"], "resposta": answer, "vizinho_no_treino": hit["termo"], **metricas.score(ref, answer)}
        for system, outs in answers.items() for ref, answer, hit in zip(test, outs, found)
    ]  # fmt: skip
    if seen:
        reworded = {}
        with model.disable_adapter():
            reworded[PARAPHRASE_SYSTEMS[0]] = chat_batch(model, tokenizer, [r["pergunta"] for r in seen], **ask)
        reworded[PARAPHRASE_SYSTEMS[1]] = chat_batch(model, tokenizer, [r["pergunta"] for r in seen], **ask)
        reworded[PARAPHRASE_SYSTEMS[2]] = chat_batch(model, tokenizer, [r["pergunta_treino"] for r in seen], **ask)
        for system, outs in reworded.items():
            for ref, answer in zip(seen, outs):
                asked = {**ref, "pergunta": ref["pergunta_treino"] if system == PARAPHRASE_SYSTEMS[2] else ref["pergunta"]}
                rows.append({"sistema": system, "termo": ref["termo"], "familia": ref.get("familia", ref["termo"]),
                             "pergunta": asked["pergunta"], "referencia": ref["resposta"], "resposta": answer,
                             "vizinho_no_treino": "", **metricas.score(asked, answer)})  # fmt: skip
    write_jsonl(ctx.out / "predicoes.jsonl", rows)
    predictions = pd.DataFrame(rows)
    table = metricas.summarize(predictions)
    table.to_csv(ctx.out / "metricas.csv", index=False)
    metricas.intervals(predictions).to_csv(ctx.out / "intervalos.csv", index=False)
    ctx.log(f"{len(test)} perguntas de teste × {len(answers)} sistemas, {len(seen)} termos do treino com paráfrase; "
            f"no glossário inteiro, a busca acharia o verbete certo em {hits}")  # fmt: skip
    return {"exemplo_no_prompt": shot["termo"], "busca_glossario_inteiro_acertos": hits, "tokens_referencia_max": longest,
            "capitulo_mais_comum": chapter, **{f"rouge_l[{r.sistema}]": r.rouge_l for r in table.itertuples()}}  # fmt: skip


PAIR_SYSTEMS = ("resposta da pergunta mais parecida do treino", "base", "base + 1 exemplo no prompt", "base + LoRA")


def evaluate_pairs(ctx: Context) -> dict:
    """A avaliação do formato ``perguntas``: uma linha de base sem modelo (a resposta de treino da pergunta
    mais parecida), o modelo base com e sem um exemplo no prompt e o LoRA; ROUGE-L, palavras-chave e língua
    contra a resposta de referência (:func:`metricas.score_free`)."""
    from shared.generation import chat_batch

    from .busca import GlossarySearch

    cfg = ctx.config["avaliacao"]
    test = read_jsonl(ctx.input("dividir", "test.jsonl"))
    if cfg.get("limite_exemplos"):
        test = test[: cfg["limite_exemplos"]]
    train_rows = read_jsonl(ctx.input("dividir", "train.jsonl"))
    shot = train_rows[0]
    history = [{"role": "user", "content": shot["pergunta"]}, {"role": "assistant", "content": shot["resposta"]}]
    tokenizer, model = load_tuned(ctx)
    questions = [r["pergunta"] for r in test]
    nearest = GlossarySearch(train_rows, fields=("pergunta",))
    ask = dict(max_new_tokens=cfg["max_novos_tokens"], batch_size=cfg["lote"])
    answers = {PAIR_SYSTEMS[0]: [nearest.top(q)[0]["resposta"] for q in questions]}
    with model.disable_adapter():
        answers["base"] = chat_batch(model, tokenizer, questions, **ask)
        answers["base + 1 exemplo no prompt"] = chat_batch(model, tokenizer, questions, history=history, **ask)
    answers["base + LoRA"] = chat_batch(model, tokenizer, questions, **ask)
    rows = [{"sistema": system, "pergunta": ref["pergunta"], "referencia": ref["resposta"], "resposta": answer,
             **metricas.score_free(ref, answer)}
            for system, outs in answers.items() for ref, answer in zip(test, outs)]  # fmt: skip
    write_jsonl(ctx.out / "predicoes.jsonl", rows)
    predictions = pd.DataFrame(rows)
    table = metricas.summarize(predictions, metricas.FREE_METRICS)
    table.to_csv(ctx.out / "metricas.csv", index=False)
    metricas.intervals(predictions, metrics=metricas.FREE_METRICS).to_csv(ctx.out / "intervalos.csv", index=False)
    ctx.log(f"{len(test)} perguntas de teste × {len(answers)} sistemas")
    return {f"rouge_l[{r.sistema}]": r.rouge_l for r in table.itertuples()}


# ---------------------------------------------------------------------------------------------------
# 7. gerar: o assistente respondendo às perguntas da configuração


def generate(ctx: Context) -> dict:
    """Responde às perguntas de ``[gerar]`` com o modelo ajustado (a demonstração de inferência)."""
    from shared.generation import chat_batch

    cfg = ctx.config["gerar"]
    tokenizer, model = load_tuned(ctx)
    answers = chat_batch(model, tokenizer, list(cfg["perguntas"]), max_new_tokens=cfg["max_novos_tokens"])
    write_jsonl(ctx.out / "respostas.jsonl", [{"pergunta": q, "resposta": a} for q, a in zip(cfg["perguntas"], answers)])
    return {"perguntas": len(answers)}


STEPS = [
    Step("coletar", collect, "lê GLOSSARY.md e a tabela de capítulos do README (ou um CSV de pares)",
         optional_sources=("dados.glossario", "dados.capitulos", "dados.arquivo")),
    Step("limpar", clean, "tira o Markdown, normaliza, junta o nome do capítulo, remove repetidos", after=("coletar",)),
    Step("dividir", build_dataset, "pares pergunta → resposta em treino/validação/teste", after=("limpar",), sections=("dados",)),
    Step("tokenizar", tokenize, "ids com perda só na resposta e análise de tamanhos", after=("dividir",), sections=("modelo",)),
    Step("treinar", train, "LoRA no modelo base, perda na validação; salva o melhor adaptador", after=("tokenizar",), sections=("modelo", "lora", "treino")),
    Step("avaliar", evaluate, "sete sistemas no teste (linha de base, prompts, LoRA, busca) e paráfrases do treino: estilo e fatos", after=("dividir", "treinar"), sections=("avaliacao",)),
    Step("gerar", generate, "respostas às perguntas da configuração", after=("treinar",), sections=("gerar",)),
]  # fmt: skip
