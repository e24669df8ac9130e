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
