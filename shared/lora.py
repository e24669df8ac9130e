"""LoRA do zero: uma camada linear congelada mais uma atualização de posto baixo, W + (α/r)·B·A.

O capítulo 6 escreve a ideia à mão e prova que ela é a mesma do ``peft``: com as mesmas matrizes A e B, as
saídas coincidem, e depois de fundir (*merge*) o peso é W + (α/r)·B·A.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """Envolve uma ``nn.Linear``: o peso original W fica congelado e só A (r × entrada) e B (saída × r) treinam.

    B começa em zero, então no início a camada é exatamente a original; A começa aleatória (como no
    ``peft``). A saída é ``W·x + b + (α/r)·B·(A·x)``.
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0):
        super().__init__()
        if r < 1:
            raise ValueError(f"O posto r deve ser pelo menos 1, não {r}.")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # a mesma inicialização do peft
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def merged_weight(self) -> torch.Tensor:
        """O peso depois de fundir: W + (α/r)·B·A (mesma forma de W; nenhum custo extra na inferência)."""
        return self.base.weight + self.scaling * self.lora_B @ self.lora_A


def inject_lora(
    model: nn.Module, targets: tuple[str, ...] = ("query", "value"), r: int = 8, alpha: float = 16
) -> list[str]:
    """Troca cada ``nn.Linear`` cujo nome termina em um de ``targets`` por uma :class:`LoRALinear`.

    Devolve os nomes trocados. Não congela o resto do modelo: isso é decisão de quem treina.
    """
    replaced = []
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Linear) and child_name in targets:
                setattr(module, child_name, LoRALinear(child, r=r, alpha=alpha))
                replaced.append(f"{name}.{child_name}" if name else child_name)
    if not replaced:
        raise ValueError(f"Nenhuma camada linear chamada {targets} foi encontrada no modelo.")
    return replaced


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    """As camadas :class:`LoRALinear` de um modelo, pelo nome."""
    return {name: m for name, m in model.named_modules() if isinstance(m, LoRALinear)}


def copy_into_peft(model: nn.Module, peft_model: nn.Module, adapter: str = "default") -> int:
    """Copia A e B das nossas camadas para as camadas LoRA equivalentes de um modelo do ``peft``.

    Os nomes casam porque o ``peft`` envolve o modelo original (``base_model.model.<nome>``). Devolve quantas
    camadas foram copiadas; erro claro se alguma não tiver par.
    """
    peft_modules = dict(peft_model.named_modules())
    copied = 0
    for name, layer in lora_layers(model).items():
        target = peft_modules.get(f"base_model.model.{name}")
        if target is None or not hasattr(target, "lora_A"):
            raise KeyError(f"A camada '{name}' não tem par LoRA no modelo do peft (confira target_modules).")
        with torch.no_grad():
            target.lora_A[adapter].weight.copy_(layer.lora_A)
            target.lora_B[adapter].weight.copy_(layer.lora_B)
        copied += 1
    return copied


# ---------------------------------------------------------------------------------------------------
# LoRA num LM causal: exemplos de conversa e um laço de treino curto


def chat_example(tokenizer, prompt: str, answer: str, system: str | None = None) -> dict[str, list[int]]:
    """Um exemplo de treino: ids da conversa completa e rótulos com -100 em tudo que não é a resposta.

    Assim a perda só conta os tokens que o modelo deve **produzir** (a resposta e o fim de turno), não o
    prompt que ele apenas lê.
    """
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    prompt_ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    prompt_ids = list(prompt_ids["input_ids"] if hasattr(prompt_ids, "keys") else prompt_ids)
    answer_ids = tokenizer(answer + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    return {"input_ids": prompt_ids + answer_ids, "labels": [-100] * len(prompt_ids) + answer_ids}


def pad_batch(examples: list[dict[str, list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Junta exemplos de tamanhos diferentes, preenchendo à direita (rótulo -100 e máscara 0 no preenchimento)."""
    width = max(len(e["input_ids"]) for e in examples)
    ids, labels, mask = [], [], []
    for e in examples:
        extra = width - len(e["input_ids"])
        ids.append(e["input_ids"] + [pad_id] * extra)
        labels.append(e["labels"] + [-100] * extra)
        mask.append([1] * len(e["input_ids"]) + [0] * extra)
    return {
        "input_ids": torch.tensor(ids),
        "labels": torch.tensor(labels),
        "attention_mask": torch.tensor(mask),
    }


def label_positions(labels: torch.Tensor) -> torch.Tensor:
    """Máscara (lote, posição) das posições cuja PRÓXIMA palavra tem rótulo: só nelas a saída entra na perda."""
    keep = torch.zeros_like(labels, dtype=torch.bool)
    keep[:, :-1] = labels[:, 1:] != -100
    return keep


def loss_on_labels(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """A perda de LM causal calculando os logits só onde há rótulo (``logits_to_keep`` do transformers).

    É a mesma média de entropia cruzada que ``model(**batch).loss``, mas a camada de saída só é aplicada
    nas posições que entram na perda. Num vocabulário enorme (os 262 mil tokens do Gemma 3), essa camada
    domina o custo: com a perda só na resposta, pular o prompt economiza a maior parte da conta.
    """
    keep = label_positions(batch["labels"])
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits
    targets = batch["labels"][:, 1:][batch["labels"][:, 1:] != -100]
    return torch.nn.functional.cross_entropy(logits.float(), targets)


def label_first_tokens(tokenizer, labels: list[str]) -> list[int]:
    """O primeiro token de cada rótulo, tokenizado como em :func:`chat_example` (logo depois do prompt).

    Os rótulos precisam começar por tokens diferentes: é só esse token que :func:`label_log_probs` compara.
    """
    firsts = [tokenizer(label, add_special_tokens=False)["input_ids"][0] for label in labels]
    if len(set(firsts)) != len(firsts):
        pieces = [tokenizer.decode([t]) for t in firsts]
        raise ValueError(
            f"Os rótulos {labels} começam pelo mesmo token ({pieces}): escolha palavras que comecem diferente."
        )
    return firsts


def label_log_probs(
    model, tokenizer, prompts: list[str], labels: list[str], system: str | None = None, batch_size: int = 16
) -> torch.Tensor:
    """(prompts, rótulos): a log-probabilidade que o modelo dá ao primeiro token de cada rótulo como resposta.

    Em vez de gerar texto e interpretá-lo, lemos a distribuição do **primeiro token da resposta**, logo
    depois do prompt no formato de conversa: um modelo que responderia "Avalia…" ainda pode pôr mais peso
    em ``pos`` do que em ``neg``. A diferença das colunas é uma nota contínua (serve para a AUC) e o maior
    valor é a resposta "forçada" a ser um dos rótulos.

    Os prompts vão em lotes com preenchimento **à esquerda** (a última posição é sempre o fim do prompt) e
    posições contadas só sobre os tokens reais, para que o lote dê o mesmo que um prompt de cada vez.
    """
    from .generation import chat_ids

    firsts = torch.tensor(label_first_tokens(tokenizer, labels))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    encoded = [chat_ids(tokenizer, prompt, system)[0] for prompt in prompts]
    rows = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            width = max(len(ids) for ids in chunk)
            ids = torch.stack([torch.cat([torch.full((width - len(c),), pad_id), c]) for c in chunk])
            mask = torch.stack([torch.cat([torch.zeros(width - len(c), dtype=torch.long), torch.ones(len(c), dtype=torch.long)])
                                for c in chunk])  # fmt: skip
            positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
            logits = model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device),
                           position_ids=positions.to(model.device), logits_to_keep=1).logits[:, -1].float()  # fmt: skip
            rows.append(torch.log_softmax(logits, dim=-1)[:, firsts.to(logits.device)].cpu())
    return torch.cat(rows)


def train_lm(
    model,
    examples,
    pad_id: int,
    epochs: int = 1,
    batch_size: int = 8,
    learning_rate: float = 1e-3,
    seed: int = 2024,
    logits_only_on_labels: bool = False,
    eval_examples: list[dict[str, list[int]]] | None = None,
    eval_every: int = 0,
    keep_best: bool = False,
) -> list[dict[str, float]]:
    """Laço de treino curto (AdamW, taxa constante) para um LM com LoRA; devolve a perda de cada passo.

    Treina só os parâmetros com ``requires_grad`` (num modelo do ``peft``, os adaptadores). Com
    ``logits_only_on_labels=True``, a perda vem de :func:`loss_on_labels` (a mesma conta, bem mais
    barata em modelos de vocabulário grande, como o Gemma 3).

    Com ``eval_examples``, a perda nesses exemplos (a validação) é medida antes do primeiro passo, a cada
    ``eval_every`` passos e no fim, na coluna ``perda_validacao``. Com ``keep_best=True``, os parâmetros
    treináveis voltam, no fim, aos do passo de menor perda de validação (parada antecipada sem parar).
    """
    if not examples:
        raise ValueError("Nenhum exemplo de treino.")
    generator = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("Nenhum parâmetro treinável: aplique o LoRA (get_peft_model) antes.")
    if keep_best and not eval_examples:
        raise ValueError("keep_best=True precisa de eval_examples (a validação que escolhe o melhor passo).")
    optimizer = torch.optim.AdamW(params, lr=learning_rate)
    history, step = [], 0
    best = {"perda": math.inf, "passo": 0, "pesos": None}

    def validate(row: dict) -> None:
        row["perda_validacao"] = eval_loss(model, eval_examples, pad_id, batch_size)
        if keep_best and row["perda_validacao"] < best["perda"]:
            best.update(perda=row["perda_validacao"], passo=row["passo"],
                        pesos=[p.detach().clone() for p in params])  # fmt: skip

    if eval_examples:
        start_row = {"passo": 0, "época": 0, "perda": math.nan}
        validate(start_row)
        history.append(start_row)
    model.train()
    total_steps = epochs * math.ceil(len(examples) / batch_size)
    for epoch in range(epochs):
        order = torch.randperm(len(examples), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            batch = pad_batch([examples[i] for i in order[start : start + batch_size]], pad_id)
            batch = {k: v.to(model.device) for k, v in batch.items()}
            loss = loss_on_labels(model, batch) if logits_only_on_labels else model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            row = {"passo": step, "época": epoch + 1, "perda": float(loss.detach())}
            if eval_examples and ((eval_every and step % eval_every == 0) or step == total_steps):
                validate(row)
                model.train()
            history.append(row)
    if keep_best and best["pesos"] is not None:
        with torch.no_grad():
            for p, saved in zip(params, best["pesos"]):
                p.copy_(saved)
        for row in history:
            row["escolhido"] = row["passo"] == best["passo"]
    model.eval()
    return history


def eval_loss(model, examples: list[dict[str, list[int]]], pad_id: int, batch_size: int = 8) -> float:
    """A perda média por token de resposta em ``examples`` (sem gradiente): a perda de validação."""
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = pad_batch(examples[start : start + batch_size], pad_id)
            batch = {k: v.to(model.device) for k, v in batch.items()}
            count = int(label_positions(batch["labels"]).sum())
            total += float(loss_on_labels(model, batch)) * count
            tokens += count
    return total / tokens


def finetune_chat(
    model,
    tokenizer,
    pairs,
    target_modules=("q_proj", "k_proj", "v_proj", "o_proj"),
    rank: int = 8,
    epochs: int = 1,
    batch_size: int = 4,
    learning_rate: float = 1e-3,
    system: str | None = None,
    seed: int = 2024,
):
    """Ajusta um modelo de conversa com LoRA em pares (``prompt``, ``answer``): a receita inteira numa função.

    Aplica o LoRA (``peft``), monta os exemplos com a perda só na resposta e treina com :func:`train_lm`.
    ``target_modules="all-linear"`` põe adaptadores em todas as camadas lineares menos a de saída, como no
    QLoRA (Dettmers et al., 2023).
    Serve igual para o SmolLM2 em CPU e para um modelo maior em 4 bits na GPU (passe o modelo já
    preparado com ``prepare_model_for_kbit_training``). Devolve ``(modelo com LoRA, perdas por passo)``.
    """
    from peft import LoraConfig, get_peft_model

    if len(pairs) == 0:
        raise ValueError("Nenhum par de treino: passe um DataFrame com as colunas prompt e answer.")
    config = LoraConfig(task_type="CAUSAL_LM", r=rank, lora_alpha=2 * rank, lora_dropout=0.0,
                        target_modules=target_modules if isinstance(target_modules, str) else list(target_modules))  # fmt: skip
    peft_model = get_peft_model(model, config)
    examples = [chat_example(tokenizer, p, a, system=system) for p, a in zip(pairs["prompt"], pairs["answer"])]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    history = train_lm(peft_model, examples, pad_id=pad_id, epochs=epochs, batch_size=batch_size,
                       learning_rate=learning_rate, seed=seed)  # fmt: skip
    return peft_model, history


def qlora_config(compute_dtype=None):
    """A configuração de 4 bits do QLoRA (Dettmers et al., 2023) no ``bitsandbytes``.

    - **NF4** (*normal float* de 4 bits): 16 níveis espaçados para pesos de distribuição normal;
    - **quantização dupla**: as escalas de cada bloco de 64 pesos (uma por bloco, em fp32) também são
      quantizadas, em 8 bits — economiza cerca de 0,37 bit por peso;
    - ``compute_dtype``: o tipo em que as contas são feitas depois de desquantizar (fp16 numa T4, que não
      tem bf16; fp32 em CPU).
    """
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype or torch.float32)  # fmt: skip


def prepare_qlora(model):
    """``prepare_model_for_kbit_training`` do ``peft``: congela os pesos de 4 bits, passa as normalizações
    e a camada de saída para fp32 e liga o *gradient checkpointing* (recalcula ativações no backward para
    guardar menos memória)."""
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=True,
                                           gradient_checkpointing_kwargs={"use_reentrant": False})  # fmt: skip
