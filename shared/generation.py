"""Geração de texto com LMs causais: conversa com o modelo de chat e decodificação gulosa feita à mão.

O nível GPU chama as mesmas funções com modelos maiores; aqui elas são testadas com o SmolLM2 em CPU.
"""

from __future__ import annotations

import torch


def chat_ids(tokenizer, prompt: str, system: str | None = None) -> torch.Tensor:
    """Ids do prompt no formato de conversa do modelo (o *chat template*), prontos para ``generate``."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    return (
        encoded["input_ids"] if hasattr(encoded, "keys") else encoded
    )  # transformers 5 devolve um BatchEncoding


def chat(
    model, tokenizer, prompt: str, max_new_tokens: int = 48, system: str | None = None, **generate_kwargs
) -> str:
    """Resposta do modelo a uma pergunta, decodificada sem os tokens especiais (gulosa por padrão)."""
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens deve ser pelo menos 1, não {max_new_tokens}.")
    ids = chat_ids(tokenizer, prompt, system).to(model.device)
    generate_kwargs.setdefault("do_sample", False)
    with torch.no_grad():
        out = model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
            pad_token_id=tokenizer.eos_token_id, **generate_kwargs,
        )  # fmt: skip
    return tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True).strip()


def greedy_decode(
    model, input_ids: torch.Tensor, max_new_tokens: int, eos_token_id: int | None = None
) -> torch.Tensor:
    """Decodificação gulosa à mão: a cada passo, o token de maior logit (sem cache, para ficar claro)."""
    ids = input_ids
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(ids).logits[:, -1, :]
        next_id = logits.argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, next_id], dim=-1)
        if eos_token_id is not None and int(next_id) == eos_token_id:
            break
    return ids


def chat_batch(
    model,
    tokenizer,
    prompts: list[str],
    max_new_tokens: int = 48,
    history: list[dict] | None = None,
    batch_size: int = 32,
) -> list[str]:
    """Respostas gulosas a várias perguntas de uma vez (lotes com preenchimento à esquerda).

    ``history`` são turnos anteriores (por exemplo, um exemplo resolvido) postos antes de cada pergunta.
    Em CPU, gerar 20 respostas num lote leva quase o mesmo que gerar uma.
    """
    texts = [
        tokenizer.apply_chat_template([*(history or []), {"role": "user", "content": p}],
                                      add_generation_prompt=True, tokenize=False)
        for p in prompts
    ]  # fmt: skip
    return [text.strip() for text, _ in _generate_batch(model, tokenizer, texts, max_new_tokens, batch_size)]


def complete_batch(
    model, tokenizer, prompts: list[str], max_new_tokens: int = 24, stop: tuple[str, ...] = ("\n",),
    batch_size: int = 16,
) -> list[tuple[str, bool]]:  # fmt: skip
    """Continuações gulosas de textos crus (sem chat template), como se pede a um modelo **base**.

    Cada continuação é cortada no primeiro ``stop``; a geração do lote para quando todas chegaram a um
    ``stop`` ou ao fim de texto. Devolve ``(texto, cortada)`` por prompt: ``cortada`` diz que acabou o
    orçamento de ``max_new_tokens`` antes de um ``stop`` ou do fim de texto.
    """
    # o mesmo começo que o tokenizador poria sozinho (o Gemma exige o <bos>; o SmolLM2 não usa)
    add_bos = tokenizer.bos_token_id is not None and tokenizer("x")["input_ids"][:1] == [tokenizer.bos_token_id]
    texts = [(tokenizer.bos_token if add_bos else "") + p for p in prompts]
    return _generate_batch(model, tokenizer, texts, max_new_tokens, batch_size, stop)


def _generate_batch(model, tokenizer, texts, max_new_tokens, batch_size, stop=()) -> list[tuple[str, bool]]:
    """``generate`` guloso em lotes com preenchimento à esquerda: ``(texto novo, cortado)`` por entrada.

    Os textos já trazem os tokens especiais do começo; ``stop`` vira ``stop_strings`` do ``generate``.
    """
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens deve ser pelo menos 1, não {max_new_tokens}.")
    side, tokenizer.padding_side = tokenizer.padding_side, "left"  # a geração continua à direita
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stop_kwargs = {"stop_strings": list(stop), "tokenizer": tokenizer} if stop else {}
    answers = []
    try:
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(model.device)  # fmt: skip
            with torch.no_grad():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad_id,
                                     **stop_kwargs)  # fmt: skip
            width = enc["input_ids"].shape[1]
            for row in out[:, width:]:
                text = tokenizer.decode(row, skip_special_tokens=True)
                ended = tokenizer.eos_token_id in row.tolist()
                for s in stop:
                    if s in text:
                        text, ended = text.split(s)[0], True
                answers.append((text, not ended))
    finally:
        tokenizer.padding_side = side
    return answers


def generate_timed(
    model, input_ids: torch.Tensor, max_new_tokens: int, use_cache: bool = True, **generate_kwargs
) -> tuple[torch.Tensor, list[float]]:
    """``model.generate`` guloso com exatamente ``max_new_tokens`` tokens novos, cronometrando cada passo.

    Devolve ``(ids, tempos)``: ``tempos[i]`` são os segundos do passo que gerou o token ``i``. O primeiro
    inclui a preparação do ``generate`` e o processamento do prompt inteiro (o *prefill*). ``use_cache=False``
    faz o modelo reprocessar a sequência inteira a cada passo, o que serve para medir o que o cache KV poupa.
    """
    import time

    from transformers import StoppingCriteria, StoppingCriteriaList

    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens deve ser pelo menos 1, não {max_new_tokens}.")

    class _Clock(StoppingCriteria):
        """Anota o instante em que cada token novo fica pronto; nunca manda parar."""

        def __init__(self):
            self.stamps: list[float] = []

        def __call__(self, ids, scores, **kwargs) -> torch.BoolTensor:
            self.stamps.append(time.perf_counter())
            return torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)

    clock = _Clock()
    generate_kwargs.setdefault("do_sample", False)
    generate_kwargs.setdefault("pad_token_id", model.generation_config.pad_token_id)
    input_ids = input_ids.to(model.device)
    start = time.perf_counter()
    with torch.no_grad():
        out = model.generate(
            input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens, use_cache=use_cache,
            stopping_criteria=StoppingCriteriaList([clock]), **generate_kwargs,
        )  # fmt: skip
    stamps = [start, *clock.stamps]
    return out, [b - a for a, b in zip(stamps, stamps[1:])]
