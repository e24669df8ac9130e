"""Avaliação de prompts (capítulo 8): o conjunto de tarefas de ``data/prompts``, as verificações automáticas
(sem um LLM como juiz), as variantes de prompt e a rodada de avaliação no llama.cpp.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

import pandas as pd

from shared.paths import data_dir

VARIANTS = {
    "pergunta crua": "só o texto e uma pergunta curta, sem instrução",
    "instrução clara": "o que fazer, dito com clareza, antes do texto",
    "papel (sistema)": "a instrução clara + um prompt de sistema que define o papel",
    "1 exemplo": "a instrução clara + 1 exemplo resolvido antes (few-shot)",
    "3 exemplos": "a instrução clara + 3 exemplos resolvidos antes (few-shot)",
    "passo a passo": "a instrução clara + 'pense passo a passo' e a resposta na última linha",
    "formato explícito": "a instrução clara + o formato exato da resposta",
    "texto puro (sem template)": "a instrução clara como texto corrido, sem o chat template",
}
SYSTEM = {
    "pt": "Você é um assistente preciso. Siga as instruções à risca e responda só o que foi pedido.",
    "en": "You are a precise assistant. Follow the instructions exactly and answer only what was asked.",
}
STEP_BY_STEP = {
    "pt": "Pense passo a passo. Na última linha, escreva só a resposta final.",
    "en": "Think step by step. On the last line, write only the final answer.",
}
ANSWER_CUE = {"pt": "Resposta:", "en": "Answer:"}
CHECK_KINDS = ("label", "exact", "number", "json", "max_words", "language", "lines")


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
    required = {"id", "type", "language", "bare", "instruction", "input", "format", "check"}
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


def json_object(text: str) -> dict | None:
    """O objeto JSON da resposta (aceita uma cerca ```json em volta); ``None`` se não for JSON válido."""
    text = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


PT_WORDS = {"de", "que", "e", "o", "a", "um", "uma", "para", "com", "nao", "em", "os", "as", "do", "da", "sao", "mais", "quando", "porque", "seu", "sua", "ele", "ela", "no", "na", "se", "usado", "aparelho", "eletrodomestico"}  # fmt: skip
EN_WORDS = {"the", "is", "a", "an", "of", "to", "and", "it", "that", "for", "in", "with", "used", "are", "when", "because", "they", "their", "this", "can", "device", "appliance"}  # fmt: skip


def guess_language(text: str) -> str | None:
    """``"pt"``, ``"en"`` ou ``None``, pela contagem de palavras funcionais de cada língua."""
    words = _words(text)
    pt, en = sum(w in PT_WORDS for w in words), sum(w in EN_WORDS for w in words)
    if pt == en:
        return None
    return "pt" if pt > en else "en"


def check(task: dict, answer: str) -> bool:
    """A resposta cumpre a tarefa? Cada tipo de verificação é uma regra simples e reproduzível."""
    spec = task["check"]
    kind = spec["kind"]
    if kind == "label":
        found = {o for o in spec["options"] if re.search(rf"\b{re.escape(normalize(o))}\b", normalize(answer))}
        return found == {spec["expected"]}
    if kind == "exact":
        return normalize(answer) in {normalize(a) for a in spec["accepted"]}
    if kind == "number":
        match = re.search(r"-?\d+(?:[.,]\d+)?", answer.replace("\u2212", "-"))
        return bool(match) and abs(float(match.group().replace(",", ".")) - spec["expected"]) < 1e-6
    if kind == "json":
        obj = json_object(answer)
        expected = spec["expected"]
        return (
            obj is not None
            and set(obj) == set(expected)
            and all(normalize(str(obj[k])) == normalize(v) for k, v in expected.items())
        )
    if kind == "max_words":
        n = len(answer.split())
        return 0 < n <= spec["max"] and "\n" not in answer.strip()
    if kind == "language":
        return guess_language(answer) == spec["expected"]
    if kind == "lines":
        lines = [line for line in answer.strip().splitlines() if line.strip()]
        return len(lines) == spec["count"] and all(line.startswith(spec["prefix"]) for line in lines)
    raise PromptSetError(f"Verificação desconhecida: {kind!r}.")


def final_answer(text: str, variant: str) -> str:
    """O trecho da resposta que é verificado: a última linha no passo a passo, a resposta inteira no resto."""
    text = text.strip()
    if variant == "passo a passo" and text:
        last = text.splitlines()[-1]
        return re.sub(r"^(resposta( final)?|final answer|answer)\s*:\s*", "", last.strip(), flags=re.IGNORECASE)
    return text


# ---------------------------------------------------------------------------------------------------
# As variantes de prompt


def _clear(task: dict) -> str:
    return f"{task['instruction']}\n\n{task['input']}".strip()


def demonstrations(task: dict, examples: list[dict], k: int) -> list[dict]:
    """``k`` exemplos do mesmo tipo da tarefa, os da mesma língua primeiro."""
    same = [e for e in examples if e["type"] == task["type"]]
    same.sort(key=lambda e: e["language"] != task["language"])
    if len(same) < k:
        raise PromptSetError(f"Só há {len(same)} exemplo(s) do tipo {task['type']!r}; a variante pede {k}.")
    return same[:k]


def render(task: dict, variant: str, examples: list[dict] | None = None) -> dict:
    """O pedido de uma variante: ``{"messages": [...]}`` (com o chat template) ou ``{"prompt": "..."}``."""
    lang = task["language"]
    if variant == "pergunta crua":
        return {"messages": [{"role": "user", "content": task["bare"]}]}
    if variant == "instrução clara":
        return {"messages": [{"role": "user", "content": _clear(task)}]}
    if variant == "papel (sistema)":
        return {"messages": [{"role": "system", "content": SYSTEM[lang]}, {"role": "user", "content": _clear(task)}]}
    if variant in ("1 exemplo", "3 exemplos"):
        k = 1 if variant == "1 exemplo" else 3
        messages = []
        for example in demonstrations(task, examples or [], k):
            content = f"{task['instruction']}\n\n{example['input']}".strip()
            messages += [{"role": "user", "content": content}, {"role": "assistant", "content": example["answer"]}]
        return {"messages": messages + [{"role": "user", "content": _clear(task)}]}
    if variant == "passo a passo":
        return {"messages": [{"role": "user", "content": f"{_clear(task)}\n\n{STEP_BY_STEP[lang]}"}]}
    if variant == "formato explícito":
        return {"messages": [{"role": "user", "content": f"{_clear(task)}\n\n{task['format']}"}]}
    if variant == "texto puro (sem template)":
        return {"prompt": f"{_clear(task)}\n{ANSWER_CUE[lang]}"}
    raise KeyError(f"Variante desconhecida: {variant!r}. Opções: {', '.join(VARIANTS)}.")


# ---------------------------------------------------------------------------------------------------
# A rodada


def ask(llm, request: dict, max_tokens: int = 32, stop=("\n\n",), **kwargs) -> str:
    """Manda um pedido (``render``) ao llama.cpp, guloso (temperatura 0), e devolve o texto da resposta.

    Para numa linha em branco (``stop``): as respostas pedidas cabem em um parágrafo, e um modelo pequeno
    que entra em repetição não gasta o orçamento de tokens à toa. Sem ``llm.reset()``: o llama.cpp
    reaproveita o cache KV do começo em comum com o pedido anterior (o prompt de sistema, os mesmos
    exemplos de *few-shot*), o que barateia uma rodada com tarefas do mesmo tipo em sequência.
    """
    kwargs.setdefault("temperature", 0.0)
    stop = list(stop) if stop else None
    if "messages" in request:
        out = llm.create_chat_completion(messages=request["messages"], max_tokens=max_tokens, stop=stop, **kwargs)
        return out["choices"][0]["message"]["content"] or ""
    out = llm.create_completion(request["prompt"], max_tokens=max_tokens, stop=stop, **kwargs)
    return out["choices"][0]["text"]


SINGLE_LINE_CHECKS = ("label", "exact", "number", "max_words", "language")


def stop_for(task: dict) -> tuple[str, ...]:
    """Onde a resposta de uma tarefa acaba: no fim da linha, se a resposta pedida é de uma linha só
    (rótulo, número, extração, frase curta); numa linha em branco, se pode ter várias (JSON, listas)."""
    return ("\n",) if task["check"]["kind"] in SINGLE_LINE_CHECKS else ("\n\n",)


def evaluate(
    llm, tasks: list[dict], variants, examples: list[dict] | None = None, max_tokens: int = 32,
    step_by_step_tokens: int = 64, line_tokens: int = 20,
) -> pd.DataFrame:  # fmt: skip
    """Uma linha por tarefa e variante: a resposta, o trecho verificado e se acertou.

    Cada resposta para onde a tarefa diz (:func:`stop_for`); as de uma linha só têm até ``line_tokens``
    tokens, as outras até ``max_tokens``. O passo a passo ganha mais tokens (``step_by_step_tokens``) e não
    para antes do fim: o raciocínio vem antes da resposta.
    """
    rows = []
    for variant in variants:
        for task in tasks:
            start = time.perf_counter()
            if variant == "passo a passo":
                answer = ask(llm, render(task, variant, examples), max_tokens=step_by_step_tokens, stop=None)
            else:
                stop = stop_for(task)
                budget = line_tokens if stop == ("\n",) else max_tokens
                answer = ask(llm, render(task, variant, examples), max_tokens=budget, stop=stop)
            final = final_answer(answer, variant)
            rows.append({
                "variante": variant, "tarefa": task["id"], "tipo": task["type"], "língua": task["language"],
                "resposta": answer, "verificado": final, "acertou": check(task, final),
                "segundos": time.perf_counter() - start,
            })  # fmt: skip
    return pd.DataFrame(rows)


def json_schema(task: dict, max_length: int = 40) -> dict:
    """O esquema JSON que força a forma pedida numa tarefa do tipo json: as chaves, todas textos curtos.

    O limite de tamanho importa: sem ele, a gramática garante as aspas, mas um modelo pequeno pode ficar
    preso repetindo dentro de um texto até acabar o orçamento de tokens, e o JSON nunca fecha.
    """
    keys = list(task["check"]["expected"])
    string = {"type": "string", "minLength": 1, "maxLength": max_length}
    return {"type": "object", "properties": {k: string for k in keys}, "required": keys}


class HFChat:
    """Um modelo do ``transformers`` com a mesma interface que :func:`ask` usa no llama.cpp.

    Serve para a célula só-GPU avaliar um modelo maior com o mesmo código (``evaluate``); os testes o usam
    em CPU com o SmolLM2. Decodificação gulosa; ``stop`` corta o texto na primeira ocorrência.
    """

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer

    def _generate(self, ids, max_tokens: int, stop) -> str:
        import torch

        ids = ids.to(self.model.device)
        with torch.no_grad():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens,
                                      do_sample=False, pad_token_id=self.tokenizer.eos_token_id)  # fmt: skip
        text = self.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        for s in stop or []:
            text = text.split(s)[0]
        return text

    def create_chat_completion(self, messages, max_tokens: int = 32, stop=None, **_):
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        ids = ids["input_ids"] if hasattr(ids, "keys") else ids
        return {"choices": [{"message": {"content": self._generate(ids, max_tokens, stop)}}]}

    def create_completion(self, prompt: str, max_tokens: int = 32, stop=None, **_):
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        return {"choices": [{"text": self._generate(ids, max_tokens, stop)}]}
