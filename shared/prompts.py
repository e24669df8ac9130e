"""Avaliação de prompts (capítulo 8): o conjunto de tarefas de ``data/prompts``, as verificações automáticas
(sem um LLM como juiz), as variantes de prompt — um desenho fatorial (template × formato × exemplos) e
algumas variantes avulsas —, as linhas de base triviais e a rodada no llama.cpp.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd

from shared.paths import data_dir

SYSTEM = {
    "pt": "Você é um assistente preciso. Siga as instruções à risca e responda só o que foi pedido.",
    "en": "You are a precise assistant. Follow the instructions exactly and answer only what was asked.",
}
STEP_BY_STEP = {
    "pt": "Pense passo a passo. Depois, numa linha própria, escreva \"Resposta:\" e a resposta final.",
    "en": "Think step by step. Then, on its own line, write \"Answer:\" and the final answer.",
}
ANSWER_CUE = {"pt": "Resposta:", "en": "Answer:"}
CHECK_KINDS = ("label", "exact", "number", "json", "max_words", "language", "lines")

# ---------------------------------------------------------------------------------------------------
# As variantes. Cada uma é uma receita: template ("chat" ou "texto"), formato explícito ou não, quantos
# exemplos resolvidos, e três extras (pergunta crua, papel no sistema, passo a passo).

FACTORS = {"template": ("chat", "texto"), "formato": (False, True), "exemplos": (0, 1, 3)}


def variant_name(template: str, fmt: bool, shots: int) -> str:
    """O nome de uma célula do desenho fatorial, por exemplo ``"chat · com formato · 3 ex."``."""
    return f"{template} · {'com' if fmt else 'sem'} formato · {shots} ex."


def _recipe(template="chat", fmt=False, shots=0, system=False, cot=False, bare=False, options=False,
            repeat=False) -> dict:  # fmt: skip
    return {"template": template, "formato": fmt, "exemplos": shots, "sistema": system, "passo_a_passo": cot,
            "crua": bare, "opções": options, "repete": repeat}  # fmt: skip


FACTORIAL = {variant_name(t, f, k): _recipe(t, f, k) for t, f, k in itertools.product(*FACTORS.values())}
EXTRAS = {
    "pergunta crua": _recipe(bare=True),
    "papel (sistema)": _recipe(system=True),
    "passo a passo": _recipe(fmt=True, cot=True),
    # Revisões da melhor célula de chat, escritas depois da análise de erros da metade "revisão" (seção 8.6):
    # o modelo repete um rótulo só; as revisões lembram as opções e/ou repetem a instrução depois da entrada.
    "revisão: opções": _recipe(shots=3, options=True),
    "revisão: repete a instrução": _recipe(shots=3, repeat=True),
    "revisão: opções + repete": _recipe(shots=3, options=True, repeat=True),
}
REVISED_FROM = "chat · sem formato · 3 ex."
VARIANTS = {**FACTORIAL, **EXTRAS}
# A célula do fatorial que serve de comparação para cada variante avulsa (muda uma coisa só).
TWIN = {"pergunta crua": variant_name("chat", False, 0), "papel (sistema)": variant_name("chat", False, 0),
        "passo a passo": variant_name("chat", True, 0), **{n: REVISED_FROM for n in EXTRAS if n.startswith("revisão")}}  # fmt: skip


class PromptSetError(ValueError):
    """O conjunto de tarefas tem um problema (arquivo ausente, campo faltando, verificação desconhecida)."""


# ---------------------------------------------------------------------------------------------------
# Os dados


def prompts_dir() -> Path:
    return data_dir() / "prompts"


def load_tasks(path: str | Path | None = None) -> list[dict]:
    """As tarefas de ``data/prompts/tarefas.jsonl``, validadas."""
    path = Path(path) if path is not None else prompts_dir() / "tarefas.jsonl"
    if not path.is_file():
        raise PromptSetError(f"Conjunto de tarefas não encontrado: {path}. Confira a pasta data/prompts.")
    tasks = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    required = {"id", "type", "subtype", "language", "metade", "bare", "instruction", "input", "format", "check"}
    for task in tasks:
        missing = required - set(task)
        if missing:
            raise PromptSetError(f"Tarefa {task.get('id', '?')}: faltam os campos {sorted(missing)}.")
        if task["check"].get("kind") not in CHECK_KINDS:
            raise PromptSetError(f"Tarefa {task['id']}: verificação desconhecida {task['check'].get('kind')!r}.")
    ids = [t["id"] for t in tasks]
    if len(set(ids)) != len(ids):
        raise PromptSetError("Há ids de tarefa repetidos em tarefas.jsonl.")
    return tasks


def load_examples(path: str | Path | None = None) -> list[dict]:
    """Os exemplos resolvidos usados como demonstração (few-shot); nunca são avaliados."""
    path = Path(path) if path is not None else prompts_dir() / "exemplos.jsonl"
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------------
# As verificações


def normalize(text: str) -> str:
    """Minúsculas, sem acentos, sem pontuação nas pontas e com espaços simples."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", text).strip().strip(".,;:!?\"'`*").strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", normalize(text))


LABEL_PREFIX = re.compile(r"^(resposta|answer|sentimento|sentiment|categoria|category)\s*:\s*", re.IGNORECASE)


def _is_copy(answer: str, task: dict) -> bool:
    """A resposta é um pedaço copiado da entrada ou da pergunta (um eco)?"""
    said = " ".join(_words(answer))
    source = " ".join(_words(task.get("input", "") + " " + task.get("bare", "")))
    return bool(said) and said in source


def last_number(text: str) -> float | None:
    """O último número do texto (vírgula ou ponto decimal, sinal de menos); ``None`` se não houver."""
    found = re.findall(r"-?\d+(?:[.,]\d+)?", text.replace("\u2212", "-"))
    return float(found[-1].replace(",", ".")) if found else None


def json_object(text: str) -> dict | None:
    """O **último** objeto JSON que aparece no texto (com ou sem cerca ```json); ``None`` se não houver.

    Procura de trás para a frente: num raciocínio seguido da resposta, a resposta é o fim.
    """
    decoder = json.JSONDecoder()
    for start in reversed([m.start() for m in re.finditer(r"\{", text)]):
        try:
            value, _ = decoder.raw_decode(text[start:])
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(value, dict):
            return value
    return None


# A regra antiga, por palavras funcionais: o capítulo 8 trocou-a pelo identificador abaixo, mas a métrica
# "português" do capítulo 9 (pipeline/metricas.py) ainda a usa, e trocá-la ali muda os resultados dele.
PT_WORDS = {"de", "que", "e", "o", "a", "um", "uma", "para", "com", "nao", "em", "os", "as", "do", "da", "sao", "mais", "quando", "porque", "seu", "sua", "ele", "ela", "no", "na", "se", "usado", "aparelho", "eletrodomestico"}  # fmt: skip
EN_WORDS = {"the", "is", "a", "an", "of", "to", "and", "it", "that", "for", "in", "with", "used", "are", "when", "because", "they", "their", "this", "can", "device", "appliance"}  # fmt: skip


def guess_language(text: str) -> str | None:
    """``"pt"``, ``"en"`` ou ``None``, pela contagem de palavras funcionais de cada língua (capítulo 9)."""
    words = _words(text)
    pt, en = sum(w in PT_WORDS for w in words), sum(w in EN_WORDS for w in words)
    if pt == en:
        return None
    return "pt" if pt > en else "en"



LANGUAGES = ("pt", "en", "es", "fr", "it", "de", "nl", "ca")  # sem o galego: frases curtas em português caíam nele
_identifier = None


def identify_language(text: str) -> str:
    """A língua do texto pelo identificador ``py3langid`` (Lui & Baldwin, 2012), entre :data:`LANGUAGES`."""
    global _identifier
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)  # um identificador só nosso
        _identifier.set_languages(list(LANGUAGES))
    return _identifier.classify(text)[0]


def check_details(task: dict, answer: str) -> dict:
    """``{"acertou": bool, "motivo": str}``: se a resposta cumpre a tarefa e, se não, por quê.

    Nas tarefas de JSON, também ``json_valido`` (há um objeto) e ``chaves_certas`` (com exatamente as chaves).
    """
    spec, kind = task["check"], task["check"]["kind"]
    text = answer.strip()

    def result(ok: bool, why: str = "", **extra) -> dict:
        return {"acertou": bool(ok), "motivo": "" if ok else why, **extra}

    if not text:
        return result(False, "vazia", **({"json_valido": False, "chaves_certas": False} if kind == "json" else {}))
    if kind == "label":
        said = normalize(LABEL_PREFIX.sub("", text.splitlines()[0]))
        options = {normalize(o) for o in spec["options"]}
        if said == normalize(spec["expected"]):
            return result(True)
        return result(False, "outro rótulo" if said in options else "não é só o rótulo")
    if kind == "exact":
        ok = normalize(LABEL_PREFIX.sub("", text)) in {normalize(a) for a in spec["accepted"]}
        return result(ok, "valor errado ou com texto em volta")
    if kind == "number":
        value = last_number(text)
        if value is None:
            return result(False, "sem número")
        return result(abs(value - spec["expected"]) < 1e-6, "número errado")
    if kind == "json":
        obj = json_object(text)
        expected = spec["expected"]
        keys_ok = obj is not None and set(obj) == set(expected)
        values_ok = keys_ok and all(normalize(str(obj[k])) == normalize(v) for k, v in expected.items())
        why = "não é JSON" if obj is None else ("chaves erradas" if not keys_ok else "valores errados")
        return result(values_ok, why, json_valido=obj is not None, chaves_certas=keys_ok)
    if kind in ("max_words", "language"):
        if "\n" in text:
            return result(False, "mais de uma linha")
        words = _words(text)
        if _is_copy(text, task):
            return result(False, "eco da entrada")
        if kind == "max_words":
            n = len(text.split())
            if len(words) < spec.get("min", 1):
                return result(False, "curta demais (ou só números)")
            return result(n <= spec["max"], "palavras demais")
        if len(words) < 3:
            return result(False, "curta demais para ser uma frase")
        return result(identify_language(text) == spec["expected"], "outra língua")
    if kind == "lines":
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) != spec["count"]:
            return result(False, "número de linhas errado")
        items = [line[len(spec["prefix"]) :].strip() for line in lines if line.startswith(spec["prefix"])]
        if len(items) != len(lines):
            return result(False, "linha sem o prefixo")
        ok = all(_words(item) for item in items) and len({normalize(i) for i in items}) == len(items)
        return result(ok, "item vazio ou repetido")
    raise PromptSetError(f"Verificação desconhecida: {kind!r}.")


def check(task: dict, answer: str) -> bool:
    """A resposta cumpre a tarefa? (:func:`check_details` sem o motivo.)"""
    return check_details(task, answer)["acertou"]


ANSWER_MARKER = re.compile(r"(?:resposta(?: final)?|final answer|answer)\s*:\s*", re.IGNORECASE)


def final_answer(text: str, recipe: dict) -> str:
    """O trecho da resposta que é verificado.

    No passo a passo, o que vem depois do último "Resposta:" (pode ter várias linhas, como um JSON ou uma
    lista); sem o marcador, o último parágrafo. Nas outras variantes, a resposta inteira.
    """
    text = text.strip()
    if not recipe.get("passo_a_passo") or not text:
        return text
    parts = ANSWER_MARKER.split(text)
    if len(parts) > 1:
        return parts[-1].strip()
    return re.split(r"\n\s*\n", text)[-1].strip()


# ---------------------------------------------------------------------------------------------------
# Os pedidos


def demonstrations(task: dict, examples: list[dict], k: int) -> list[dict]:
    """Os ``k`` primeiros exemplos resolvidos do **mesmo subtipo e da mesma língua** da tarefa.

    Assim a instrução da tarefa combina com o exemplo, e o rótulo do exemplo é um dos rótulos da tarefa.
    """
    same = [e for e in examples if e["subtype"] == task["subtype"] and e["language"] == task["language"]]
    if len(same) < k:
        raise PromptSetError(
            f"Só há {len(same)} exemplo(s) do subtipo {task['subtype']!r} em {task['language']}; a variante pede {k}. "
            "Acrescente exemplos em data/prompts/gerar_tarefas.py e gere os arquivos de novo."
        )
    return same[:k]


OPTIONS_CUE = {"pt": "Opções: {}.", "en": "Options: {}."}


def _user(task: dict, recipe: dict, text_input: str) -> str:
    parts = [task["instruction"], text_input]
    if recipe.get("repete"):
        parts.append(task["instruction"])
    if recipe.get("opções") and task["check"]["kind"] == "label":
        parts.append(OPTIONS_CUE[task["language"]].format(", ".join(task["check"]["options"])))
    if recipe["formato"]:
        parts.append(task["format"])
    if recipe["passo_a_passo"]:
        parts.append(STEP_BY_STEP[task["language"]])
    return "\n\n".join(parts)


def render(task: dict, variant: str | dict, examples: list[dict] | None = None) -> dict:
    """O pedido de uma variante: ``{"messages": [...]}`` (chat template) ou ``{"prompt": "..."}`` (texto).

    ``variant`` é o nome de uma variante (:data:`VARIANTS`) ou uma receita (:func:`_recipe`).
    No template de texto, que é como se pede a um modelo **base**, a instrução vem uma vez no alto, os
    exemplos seguem no formato "entrada / Resposta: saída" e o prompt termina em "Resposta:", para o modelo
    completar.
    """
    if isinstance(variant, str):
        if variant not in VARIANTS:
            raise KeyError(f"Variante desconhecida: {variant!r}. Opções: {', '.join(VARIANTS)}.")
        variant = VARIANTS[variant]
    recipe, lang = variant, task["language"]
    if recipe["crua"]:
        return {"messages": [{"role": "user", "content": task["bare"]}]}
    demos = demonstrations(task, examples or [], recipe["exemplos"]) if recipe["exemplos"] else []
    if recipe["template"] == "texto":
        header = task["instruction"] + (" " + task["format"] if recipe["formato"] else "")
        shots = "".join(f"{d['input']}\n{ANSWER_CUE[lang]} {d['answer']}\n\n" for d in demos)
        return {"prompt": f"{header}\n\n{shots}{task['input']}\n{ANSWER_CUE[lang]}"}
    messages = [{"role": "system", "content": SYSTEM[lang]}] if recipe["sistema"] else []
    for d in demos:
        messages += [{"role": "user", "content": _user(task, recipe, d["input"])},
                     {"role": "assistant", "content": d["answer"]}]  # fmt: skip
    return {"messages": messages + [{"role": "user", "content": _user(task, recipe, task["input"])}]}


# ---------------------------------------------------------------------------------------------------
# A rodada


def ask(llm, request: dict, max_tokens: int = 32, stop=("\n\n",), **kwargs) -> tuple[str, bool]:
    """Manda um pedido (:func:`render`) ao llama.cpp, guloso (temperatura 0): ``(texto, cortada)``.

    ``cortada`` diz que a resposta acabou por falta de orçamento (``max_tokens``), não porque o modelo
    terminou ou chegou a um ``stop``. Sem ``llm.reset()``: o llama.cpp reaproveita o cache KV do começo em
    comum com o pedido anterior (os mesmos exemplos), o que barateia tarefas do mesmo tipo em sequência.
    """
    kwargs.setdefault("temperature", 0.0)
    stop = list(stop) if stop else None
    if "messages" in request:
        out = llm.create_chat_completion(messages=request["messages"], max_tokens=max_tokens, stop=stop, **kwargs)
        choice = out["choices"][0]
        return choice["message"]["content"] or "", choice.get("finish_reason") == "length"
    out = llm.create_completion(request["prompt"], max_tokens=max_tokens, stop=stop, **kwargs)
    choice = out["choices"][0]
    return choice["text"], choice.get("finish_reason") == "length"


SINGLE_LINE_CHECKS = ("label", "exact", "number", "max_words", "language")


def stop_for(task: dict) -> tuple[str, ...]:
    """Onde a resposta de uma tarefa acaba: no fim da linha, se a resposta pedida é de uma linha só
    (rótulo, número, extração, frase curta); numa linha em branco, se pode ter várias (JSON, listas)."""
    return ("\n",) if task["check"]["kind"] in SINGLE_LINE_CHECKS else ("\n\n",)


def evaluate(
    llm, tasks: list[dict], variants, examples: list[dict] | None = None, max_tokens: int = 48,
    step_by_step_tokens: int = 128, line_tokens: int = 24, model: str = "", grammar_for=None,
) -> pd.DataFrame:  # fmt: skip
    """Uma linha por tarefa e variante: a resposta inteira, o trecho verificado, se foi cortada e se acertou.

    Cada resposta para onde a tarefa diz (:func:`stop_for`); as de uma linha só têm até ``line_tokens``
    tokens, as outras até ``max_tokens``. O passo a passo ganha ``step_by_step_tokens`` e não para antes do
    fim (o raciocínio vem antes da resposta). Uma resposta **cortada** pelo orçamento conta como erro: não
    terminou. ``grammar_for(task)``, se dado, devolve a gramática (``LlamaGrammar``) de cada tarefa.
    """
    rows = []
    for name in variants:
        recipe = VARIANTS[name] if isinstance(name, str) else name
        for task in tasks:
            start = time.perf_counter()
            extra = {"grammar": grammar_for(task)} if grammar_for is not None else {}
            if recipe["passo_a_passo"]:
                answer, cut = ask(llm, render(task, recipe, examples), max_tokens=step_by_step_tokens, stop=None, **extra)
            else:
                stop = stop_for(task)
                budget = line_tokens if stop == ("\n",) else max_tokens
                answer, cut = ask(llm, render(task, recipe, examples), max_tokens=budget, stop=stop, **extra)
            rows.append(_answer_row(task, name, recipe, answer, cut, model, time.perf_counter() - start))
    return pd.DataFrame(rows)


def _answer_row(task: dict, name, recipe: dict, answer: str, cut: bool, model: str, seconds: float) -> dict:
    """A linha de :func:`evaluate` de uma resposta: o trecho verificado, o veredito e o motivo."""
    final = final_answer(answer, recipe)
    details = check_details(task, final)
    if cut:
        details.update(acertou=False, motivo="cortada pelo orçamento de tokens")
    return {
        "modelo": model, "variante": name if isinstance(name, str) else "", "tarefa": task["id"],
        "tipo": task["type"], "subtipo": task["subtype"], "língua": task["language"],
        "metade": task["metade"], "resposta": answer, "verificado": final, "cortada": cut, **details,
        "segundos": seconds,
    }  # fmt: skip


def evaluate_hf(
    model, tokenizer, tasks: list[dict], variants, examples: list[dict] | None = None, max_tokens: int = 48,
    line_tokens: int = 24, model_name: str = "", batch_size: int = 16,
) -> pd.DataFrame:  # fmt: skip
    """:func:`evaluate` para um modelo do ``transformers``, em lotes (bem mais rápido em CPU que um a um).

    Mesmos pedidos, mesmos orçamentos e mesmas paradas (:func:`stop_for`); sem passo a passo e sem
    gramáticas. ``segundos`` é o tempo do lote dividido pelas tarefas dele.
    """
    from shared.generation import _generate_batch, complete_batch

    rows = []
    for name in variants:
        recipe = VARIANTS[name] if isinstance(name, str) else name
        if recipe["passo_a_passo"]:
            raise ValueError("evaluate_hf não faz passo a passo; use evaluate com HFChat.")
        by_task = {}
        for stop in (("\n",), ("\n\n",)):
            group = [t for t in tasks if stop_for(t) == stop]
            if not group:
                continue
            budget = line_tokens if stop == ("\n",) else max_tokens
            requests = [render(t, recipe, examples) for t in group]
            start = time.perf_counter()
            if "prompt" in requests[0]:
                outs = complete_batch(model, tokenizer, [r["prompt"] for r in requests], budget, stop, batch_size)
            else:
                texts = [tokenizer.apply_chat_template(r["messages"], add_generation_prompt=True, tokenize=False)
                         for r in requests]  # fmt: skip
                outs = _generate_batch(model, tokenizer, texts, budget, batch_size, stop)
            seconds = (time.perf_counter() - start) / len(group)
            for t, (answer, cut) in zip(group, outs):
                by_task[t["id"]] = _answer_row(t, name, recipe, answer, cut, model_name, seconds)
        rows += [by_task[t["id"]] for t in tasks]  # na ordem das tarefas
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Linhas de base triviais: o que se acerta sem modelo nenhum


def constant_answers(tasks: list[dict]) -> dict[str, str]:
    """A melhor resposta **constante** de cada subtipo e língua: a resposta esperada mais comum.

    É um teto para respostas fixas (escolhido olhando as próprias tarefas). Nos subtipos sem resposta
    esperada única (frase curta, língua, lista), uma frase fixa que cumpre a forma pedida.
    """
    fixed = {("palavras", "pt"): "Produto bom e bonito.", ("palavras", "en"): "A good and useful product.",
             ("língua", "pt"): "Isso é usado no dia a dia.", ("língua", "en"): "It is used every day.",
             ("linhas", "pt"): "- um\n- dois\n- três", ("linhas", "en"): "- one\n- two\n- three"}  # fmt: skip
    answers = {}
    for key in dict.fromkeys((t["subtype"], t["language"]) for t in tasks):
        group = [t for t in tasks if (t["subtype"], t["language"]) == key]
        spec = group[0]["check"]
        if key in fixed:
            value = fixed[key]
        elif spec["kind"] == "label":
            value = Counter(t["check"]["expected"] for t in group).most_common(1)[0][0]
        elif spec["kind"] == "number":
            value = str(Counter(t["check"]["expected"] for t in group).most_common(1)[0][0])
        elif spec["kind"] == "exact":
            value = Counter(t["check"]["accepted"][0] for t in group).most_common(1)[0][0]
        else:  # json: o objeto esperado mais comum (as chaves certas, os valores de uma tarefa)
            value = Counter(json.dumps(t["check"]["expected"], ensure_ascii=False) for t in group).most_common(1)[0][0]
        answers[f"{key[0]}|{key[1]}"] = value
    return answers


def baselines(tasks: list[dict]) -> pd.DataFrame:
    """As linhas de base "resposta constante" e "eco" (repete a entrada), no formato de :func:`evaluate`."""
    constants = constant_answers(tasks)
    rows = []
    for name in ("resposta constante", "eco da entrada"):
        for task in tasks:
            if name == "eco da entrada":
                answer = task["input"].split(":", 1)[-1].strip()
            else:
                answer = constants[f"{task['subtype']}|{task['language']}"]
            details = check_details(task, answer)
            rows.append({"modelo": "(sem modelo)", "variante": name, "tarefa": task["id"], "tipo": task["type"],
                         "subtipo": task["subtype"], "língua": task["language"], "metade": task["metade"],
                         "resposta": answer, "verificado": answer, "cortada": False, **details, "segundos": 0.0})  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Gramáticas


def json_schema(task: dict, max_length: int = 40) -> dict:
    """O esquema JSON que força a forma pedida numa tarefa do tipo json: as chaves, todas textos curtos.

    O limite de tamanho importa: sem ele, a gramática garante as aspas, mas um modelo pequeno pode ficar
    preso repetindo dentro de um texto até acabar o orçamento de tokens, e o JSON nunca fecha.
    """
    keys = list(task["check"]["expected"])
    string = {"type": "string", "minLength": 1, "maxLength": max_length}
    return {"type": "object", "properties": {k: string for k in keys}, "required": keys}


def label_gbnf(task: dict) -> str:
    """Uma gramática de enumeração: a resposta só pode ser um dos rótulos da tarefa, escrito igual."""
    options = " | ".join(json.dumps(o, ensure_ascii=False) for o in task["check"]["options"])
    return f"root ::= {options}\n"


class HFChat:
    """Um modelo do ``transformers`` com a mesma interface que :func:`ask` usa no llama.cpp.

    Serve para a célula só-GPU avaliar um modelo maior com o mesmo código (``evaluate``); os testes o usam
    em CPU com o SmolLM2. Decodificação gulosa; ``stop`` corta o texto na primeira ocorrência.
    """

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer

    def _generate(self, ids, max_tokens: int, stop) -> dict:
        import torch

        ids = ids.to(self.model.device)
        with torch.no_grad():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens,
                                      do_sample=False, pad_token_id=self.tokenizer.eos_token_id)  # fmt: skip
        new = out[0, ids.shape[1] :]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        cut_by_stop = False
        for s in stop or []:
            if s in text:
                text, cut_by_stop = text.split(s)[0], True
        ended = cut_by_stop or (len(new) < max_tokens) or int(new[-1]) == self.tokenizer.eos_token_id
        return {"text": text, "finish_reason": "stop" if ended else "length"}

    def create_chat_completion(self, messages, max_tokens: int = 32, stop=None, **_):
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        ids = ids["input_ids"] if hasattr(ids, "keys") else ids
        out = self._generate(ids, max_tokens, stop)
        return {"choices": [{"message": {"content": out["text"]}, "finish_reason": out["finish_reason"]}]}

    def create_completion(self, prompt: str, max_tokens: int = 32, stop=None, **_):
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        out = self._generate(ids, max_tokens, stop)
        return {"choices": [{"text": out["text"], "finish_reason": out["finish_reason"]}]}


# ---------------------------------------------------------------------------------------------------
# A análise: intervalos, efeitos do fatorial e testes pareados


def accuracy_table(answers: pd.DataFrame, by=("modelo", "variante"), level: float = 0.95) -> pd.DataFrame:
    """% de acertos de cada grupo com o intervalo de Wilson (em pontos percentuais)."""
    from shared import stats

    rows = []
    for key, group in answers.groupby(list(by), sort=False):
        k, n = int(group["acertou"].sum()), len(group)
        low, high = stats.wilson(k, n, level)
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "n": n, "acertos": k,
                     "%": 100 * k / n, "IC 95% de": 100 * low, "IC 95% até": 100 * high})  # fmt: skip
    return pd.DataFrame(rows)


def _matrix(answers: pd.DataFrame, model: str, variants: list[str]) -> pd.DataFrame:
    """Tarefas × variantes, 1 onde acertou (só as tarefas respondidas em todas as variantes)."""
    sub = answers[(answers["modelo"] == model) & answers["variante"].isin(variants)]
    return sub.pivot_table(index="tarefa", columns="variante", values="acertou", aggfunc="first").dropna()[variants]


def factor_effects(answers: pd.DataFrame, model: str, n_boot: int = 2000) -> pd.DataFrame:
    """O efeito de cada fator do desenho fatorial, em pontos percentuais, com intervalo por bootstrap pareado.

    O efeito de um fator é a diferença de acerto entre os seus níveis **na mesma tarefa e com os outros
    fatores iguais**, na média sobre as combinações dos outros fatores. Só entram as células que o modelo
    rodou (um modelo base, sem chat template, só tem o template de texto).
    """
    from shared import stats

    present = set(answers.loc[answers["modelo"] == model, "variante"])
    contrasts = [("template", "chat", "texto"), ("formato", True, False), ("exemplos", 1, 0), ("exemplos", 3, 0),
                 ("exemplos", 3, 1)]  # fmt: skip
    rows = []
    for factor, high, low in contrasts:
        pairs = []  # (célula com o nível alto, a mesma célula com o nível baixo)
        for name, recipe in FACTORIAL.items():
            if recipe[factor] != high:
                continue
            twin = next(n for n, r in FACTORIAL.items() if r == {**recipe, factor: low})
            if name in present and twin in present:
                pairs.append((name, twin))
        if not pairs:
            continue
        m = _matrix(answers, model, sorted({v for p in pairs for v in p}))
        diff, lo, hi = stats.paired_bootstrap(m[[a for a, _ in pairs]].values, m[[b for _, b in pairs]].values, n_boot)
        rows.append({"modelo": model, "efeito": f"{factor}: {_level(high)} − {_level(low)}", "células": len(pairs),
                     "tarefas": len(m), "pontos": 100 * diff, "IC 95% de": 100 * lo, "IC 95% até": 100 * hi})  # fmt: skip
    return pd.DataFrame(rows)


def _level(value) -> str:
    if value is True:
        return "com formato"
    if value is False:
        return "sem formato"
    return f"{value} ex." if isinstance(value, int) else str(value)


def paired_tests(answers: pd.DataFrame, model: str, reference: str, variants: list[str] | None = None) -> pd.DataFrame:
    """Cada variante contra ``reference`` nas mesmas tarefas: McNemar exato e o valor-p corrigido por Holm.

    Cada par usa as tarefas que as duas variantes responderam (uma variante com gramática só roda nas
    tarefas de JSON e de rótulo, por exemplo); a coluna ``tarefas`` diz quantas.
    """
    from shared import stats

    present = list(dict.fromkeys(answers.loc[answers["modelo"] == model, "variante"]))
    variants = [v for v in (variants or present) if v != reference and v in present]
    rows = []
    for v in variants:
        m = _matrix(answers, model, [reference, v])
        test = stats.mcnemar(m[v].astype(bool), m[reference].astype(bool))
        rows.append({"modelo": model, "variante": v, "contra": reference, "tarefas": len(m),
                     "diferença (pontos)": 100 * (m[v].mean() - m[reference].mean()),
                     "só a variante acertou": test["a_only"], "só a referência acertou": test["b_only"],
                     "p": test["p"]})  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table["p (Holm)"] = stats.holm(table["p"])
        table["conclusão"] = [
            ("melhor" if d > 0 else "pior") if p < 0.05 else "empate (dentro do ruído)"
            for d, p in zip(table["diferença (pontos)"], table["p (Holm)"])
        ]
    return table
