"""Instruction tuning (SFT) e otimização de preferências (DPO) com a biblioteca TRL (capítulo 10).

Os dados saem de ``data/avaliacoes`` reescritos como instruções, como no FLAN (Wei et al., 2022): cada
conjunto rotulado vira várias tarefas com modelos de frase. As funções servem igual para o SmolLM2 em
CPU (poucos passos) e para um modelo maior na GPU.
"""

from __future__ import annotations

import re
import tempfile

import pandas as pd

from shared.data import load_reviews

SENTIMENT = "Classifique o sentimento desta avaliação como positivo ou negativo. Responda com uma palavra.\n\nAvaliação: {review_text}"
CATEGORY = "Em qual categoria da loja fica este produto? Responda só com o nome da categoria.\n\nProduto: {product_name}"
TITLE = "Escreva um título curto, em português, para esta avaliação de produto.\n\nAvaliação: {review_text}"
TASKS = ("sentimento", "categoria")


def instruction_pairs(split: str, per_task: int, seed: int = 2024) -> pd.DataFrame:
    """Pares (``prompt``, ``answer``) de duas tarefas tiradas das avaliações: sentimento e categoria.

    O sentimento vem da nota (4–5 positivo, 1–2 negativo; nota 3 fica de fora); a categoria é a do site.
    """
    df = load_reviews(split, view="all")
    polar = df[df["overall_rating"] != 3].sample(per_task, random_state=seed)
    sentiment = pd.DataFrame({
        "tarefa": "sentimento",
        "prompt": [SENTIMENT.format(review_text=t) for t in polar["review_text"]],
        "answer": ["positivo" if r >= 4 else "negativo" for r in polar["overall_rating"]],
    })  # fmt: skip
    products = df.drop_duplicates("product_name").sample(per_task, random_state=seed)
    category = pd.DataFrame({
        "tarefa": "categoria",
        "prompt": [CATEGORY.format(product_name=p) for p in products["product_name"]],
        "answer": products["site_category_lv1"].tolist(),
    })  # fmt: skip
    return pd.concat([sentiment, category], ignore_index=True).sample(frac=1, random_state=seed).reset_index(drop=True)


def to_conversations(pairs: pd.DataFrame):
    """``datasets.Dataset`` no formato prompt–completion de conversa que o ``SFTTrainer`` entende.

    Com esse formato, a TRL calcula a perda só nos tokens da resposta (``completion_only_loss``).
    """
    from datasets import Dataset

    return Dataset.from_list([
        {"prompt": [{"role": "user", "content": p}], "completion": [{"role": "assistant", "content": a}]}
        for p, a in zip(pairs["prompt"], pairs["answer"])
    ])  # fmt: skip


def _common_args(max_steps: int, batch_size: int, learning_rate: float, seed: int) -> dict:
    import torch

    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()  # a TRL liga bf16 por padrão
    return dict(bf16=bf16,
        output_dir=tempfile.mkdtemp(prefix="trl-"), max_steps=max_steps, per_device_train_batch_size=batch_size,
        learning_rate=learning_rate, lr_scheduler_type="constant", logging_steps=1, save_strategy="no",
        report_to="none", disable_tqdm=True, seed=seed, use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0,
    )  # fmt: skip


def sft(model, tokenizer, dataset, max_steps: int = 30, batch_size: int = 8, learning_rate: float = 5e-5,
        seed: int = 2024, peft_config=None, **config):  # fmt: skip
    """Instruction tuning com o ``SFTTrainer``: devolve ``(trainer, perdas por passo)``.

    ``peft_config`` (um ``LoraConfig``) treina só adaptadores — o caminho da GPU com modelos grandes.
    """
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(**_common_args(max_steps, batch_size, learning_rate, seed), completion_only_loss=True, **config)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config)
    _train_quietly(trainer)
    model.eval()
    return trainer, history(trainer, ("loss",))


def _train_quietly(trainer) -> None:
    """Treina sem imprimir o dicionário de cada passo (sem barra de progresso, o ``Trainer`` o imprimiria)."""
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    trainer.train()


def history(trainer, keys: tuple[str, ...]) -> pd.DataFrame:
    """As métricas registradas a cada passo pelo ``Trainer`` (uma linha por passo)."""
    rows = [{"passo": e["step"], **{k: e[k] for k in keys}} for e in trainer.state.log_history if all(k in e for k in keys)]
    return pd.DataFrame(rows)


def normalize_label(answer: str) -> str:
    """A primeira linha da resposta, em minúsculas, sem pontuação nas pontas."""
    line = answer.strip().splitlines()[0] if answer.strip() else ""
    return re.sub(r"^[\W_]+|[\W_]+$", "", line.lower())


def valid_labels() -> dict[str, set[str]]:
    """Os rótulos possíveis de cada tarefa (em minúsculas): as duas polaridades e as categorias do site."""
    categories = {c.lower() for c in load_reviews(view="all")["site_category_lv1"].unique()}
    return {"sentimento": {"positivo", "negativo"}, "categoria": categories}


def score_labels(pairs: pd.DataFrame, answers: list[str]) -> pd.DataFrame:
    """Por resposta: se é exatamente um rótulo válido da tarefa (``formato``) e se é o certo (``acerto``)."""
    valid = valid_labels()
    got = [normalize_label(a) for a in answers]
    df = pairs.assign(resposta=answers, normalizada=got)
    df["formato"] = [g in valid[t] for g, t in zip(got, df["tarefa"])]
    df["acerto"] = [g == a.lower() for g, a in zip(got, df["answer"])]
    return df


def label_table(scored: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Formato e acerto (%) por sistema e tarefa, com o intervalo de Wilson de 95% do acerto.

    ``scored`` vai do nome do sistema à saída de :func:`score_labels` nas mesmas perguntas.
    """
    from shared import stats

    rows = []
    for system, df in scored.items():
        for task, group in df.groupby("tarefa", sort=False):
            k, n = int(group["acerto"].sum()), len(group)
            low, high = stats.wilson(k, n)
            rows.append({"sistema": system, "tarefa": task, "n": n, "formato (%)": 100 * group["formato"].mean(),
                         "acerto (%)": 100 * k / n, "IC 95% de": 100 * low, "IC 95% até": 100 * high})  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Preferências e DPO


def preference_dataset(prompts: list[str], chosen: list[str], rejected: list[str]):
    """Pares de preferência no formato de conversa do ``DPOTrainer`` (prompt, chosen, rejected)."""
    from datasets import Dataset

    if not (len(prompts) == len(chosen) == len(rejected)) or not prompts:
        raise ValueError("Passe listas não vazias e do mesmo tamanho de prompts, respostas escolhidas e rejeitadas.")
    return Dataset.from_list([
        {"prompt": [{"role": "user", "content": p}], "chosen": [{"role": "assistant", "content": c}],
         "rejected": [{"role": "assistant", "content": r}]}
        for p, c, r in zip(prompts, chosen, rejected)
    ])  # fmt: skip


def dpo(model, tokenizer, dataset, peft_config, max_steps: int = 30, batch_size: int = 4, learning_rate: float = 5e-4,
        beta: float = 0.1, seed: int = 2024, eval_dataset=None, **config):  # fmt: skip
    """DPO com o ``DPOTrainer`` e LoRA: o modelo de referência é o próprio base com o adaptador desligado.

    Devolve ``(trainer, métricas por passo)``: perda, margem de recompensa, acerto de preferência e o log da
    probabilidade das respostas escolhidas e rejeitadas sob o modelo treinado.
    """
    from trl import DPOConfig, DPOTrainer

    args = DPOConfig(**_common_args(max_steps, batch_size, learning_rate, seed), beta=beta, **config)
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, eval_dataset=eval_dataset,
                         processing_class=tokenizer, peft_config=peft_config)  # fmt: skip
    _train_quietly(trainer)
    trainer.model.eval()
    return trainer, history(trainer, ("loss", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected"))


def words(text: str) -> int:
    """Número de palavras de uma resposta."""
    return len(text.split())


# ---------------------------------------------------------------------------------------------------
# Instruction tuning de um modelo base, medido em tipos de tarefa que o treino não tem (o teste do FLAN)

# Três tarefas tiradas das avaliações, escritas no mesmo molde de texto do capítulo 8 (``prompts.render``
# com o template "texto"): instrução e formato no alto, a entrada, e "Resposta:" para o modelo completar.
# Nenhuma é de um tipo do data/prompts (sentimento, extração, JSON, aritmética, restrições, categoria):
# a mais próxima é a nota, vizinha do sentimento.
BASE_TASKS = {
    "nota": ("Dê a nota de 1 a 5 que o cliente deu ao produto nesta avaliação.", "Responda só com o número."),
    "recomenda": ("O cliente recomendaria este produto a um amigo?", "Responda só com sim ou não."),
    "título": ("Escreva o título que o cliente deu a esta avaliação.", "Responda só com o título, numa linha."),
}
BASE_VARIANT = "texto · com formato · 0 ex."


def base_instruction_pairs(split: str, per_task: int, seed: int = 2024) -> pd.DataFrame:
    """Pares (``tarefa``, ``prompt``, ``answer``) das três tarefas de :data:`BASE_TASKS`, no molde de texto.

    Cada tarefa sorteia as suas avaliações do ``split`` (as mesmas podem aparecer em tarefas diferentes).
    A resposta começa com espaço e termina no fim da linha, como o modelo deve completar "Resposta:".
    """
    from shared import prompts

    df = load_reviews(split, view="all").dropna(subset=["review_title", "recommend_to_a_friend"])
    rows = []
    for offset, (task, (instruction, fmt)) in enumerate(BASE_TASKS.items()):
        sample = df.sample(per_task, random_state=seed + offset)
        for review in sample.itertuples():
            answer = {"nota": str(review.overall_rating), "título": " ".join(str(review.review_title).split()),
                      "recomenda": "sim" if review.recommend_to_a_friend == "Yes" else "não"}[task]  # fmt: skip
            spec = {"instruction": instruction, "format": fmt, "input": f"Avaliação: {review.review_text}", "language": "pt"}
            rows.append({"tarefa": task, "prompt": prompts.render(spec, BASE_VARIANT)["prompt"], "answer": answer})
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


def text_example(tokenizer, prompt: str, completion: str) -> dict[str, list[int]]:
    """Um exemplo de treino de **texto cru** (modelo base, sem chat template): perda só na continuação.

    O prompt é tokenizado sozinho, como na geração (com o ``<bos>``, se o tokenizador o põe), e a continuação
    vem depois, com o fim de texto: o modelo aprende exatamente os tokens que deve gerar depois do prompt.
    """
    prompt_ids = tokenizer(prompt)["input_ids"]
    completion_ids = tokenizer(completion + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    return {"input_ids": prompt_ids + completion_ids, "labels": [-100] * len(prompt_ids) + completion_ids}


def base_lora_config(rank: int = 16):
    """O LoRA do SFT do modelo base: todas as camadas lineares menos a de saída, α = 2r, sem dropout."""
    from peft import LoraConfig

    return LoraConfig(task_type="CAUSAL_LM", r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules="all-linear")


def instruction_tune_base(model, tokenizer, train: pd.DataFrame, validation: pd.DataFrame, rank: int = 16,
                          learning_rate: float = 3e-4, epochs: int = 2, batch_size: int = 8, eval_every: int = 6,
                          seed: int = 2024):  # fmt: skip
    """SFT com LoRA de um modelo **base** nos pares de :func:`base_instruction_pairs` (texto cru, sem chat).

    Perda só na continuação (`` resposta\n`` e o fim de texto), medida na validação a cada ``eval_every``
    passos; o adaptador que fica é o do passo de menor perda de validação. O laço é o ``shared.lora.train_lm``
    com a camada de saída aplicada só nas posições da resposta: com os 262 mil tokens do Gemma 3, aplicá-la
    em todas as posições, como o ``SFTTrainer`` faz, custa várias vezes mais por passo em CPU.
    Devolve ``(modelo com LoRA, perdas por passo)``.
    """
    from peft import get_peft_model

    from shared.lora import train_lm

    peft_model = get_peft_model(model, base_lora_config(rank))
    examples = [text_example(tokenizer, p, f" {a}\n") for p, a in zip(train["prompt"], train["answer"])]
    held = [text_example(tokenizer, p, f" {a}\n") for p, a in zip(validation["prompt"], validation["answer"])]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    history = train_lm(peft_model, examples, pad_id, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                       seed=seed, logits_only_on_labels=True, eval_examples=held, eval_every=eval_every,
                       keep_best=True)  # fmt: skip
    return peft_model, pd.DataFrame(history)


# ---------------------------------------------------------------------------------------------------
# Log-probabilidades de respostas fixas (para medir o DPO num conjunto que não muda)


def response_log_probs(model, tokenizer, prompts: list[str], responses: list[str], batch_size: int = 8) -> pd.DataFrame:
    """Para cada par (prompt, resposta), o log da probabilidade da resposta **dado o prompt**, no chat template.

    A resposta são os tokens que o template acrescenta depois do prompt (o texto e o fim de turno), como o
    ``DPOTrainer`` os conta. Devolve ``logp`` (a soma, que cresce em módulo com o tamanho), ``tokens`` e
    ``logp_por_token`` (a média, comparável entre respostas de tamanhos diferentes).
    """
    import torch

    def ids(messages, **kwargs) -> list[int]:
        out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kwargs)
        return list(out["input_ids"])

    examples = []
    for prompt, response in zip(prompts, responses, strict=True):
        user = [{"role": "user", "content": prompt}]
        head = ids(user, add_generation_prompt=True)
        full = ids([*user, {"role": "assistant", "content": response}])
        if full[: len(head)] != head:
            raise ValueError("O chat template não começa a conversa completa com o prompt; não dá para separar a resposta.")
        examples.append((head, full[len(head) :]))
    rows = []
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        width = max(len(h) + len(t) for h, t in chunk)
        ids = torch.full((len(chunk), width), pad)
        mask = torch.zeros_like(ids)
        for i, (h, t) in enumerate(chunk):
            ids[i, : len(h) + len(t)] = torch.tensor(h + t)
            mask[i, : len(h) + len(t)] = 1
        with torch.no_grad():
            logits = model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None].to(model.device))[..., 0]
        for i, (h, t) in enumerate(chunk):
            token_logps = logp[i, len(h) - 1 : len(h) + len(t) - 1]
            rows.append({"logp": float(token_logps.sum()), "tokens": len(t), "logp_por_token": float(token_logps.mean())})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Modelo de recompensa (Bradley–Terry) com o RewardTrainer da TRL


def relevance_pairs(prompts: list[str], titles: list[str], seed: int = 2024) -> tuple[list[str], list[str], list[str]]:
    """Pares de preferência por **relevância**: o título do próprio cliente contra o de outra avaliação.

    A rejeitada tem o mesmo jeito (um título de cliente, do mesmo tamanho típico); só o prompt diz qual é a
    certa. Cada título rejeitado vem de uma permutação sem ponto fixo, sorteada com a semente.
    """
    import numpy as np

    n = len(prompts)
    if n < 2:
        raise ValueError("Precisa de pelo menos dois prompts para trocar os títulos entre eles.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    shifted = np.roll(order, 1)  # cada índice recebe o título do anterior no ciclo: nunca o próprio
    other = dict(zip(order.tolist(), shifted.tolist()))
    return list(prompts), list(titles), [titles[other[i]] for i in range(n)]


def reward_features(model, tokenizer, prompts: list[str], responses: list[str], batch_size: int = 16):
    """O estado oculto da última camada do LM no último token de cada conversa (prompt + resposta).

    É a entrada da "cabeça" de um modelo de recompensa à moda do InstructGPT (um LM com uma saída escalar no
    fim); aqui o LM fica congelado e só a cabeça linear é treinada (:func:`fit_reward_head`).
    """
    import numpy as np
    import torch

    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}, {"role": "assistant", "content": r}],
                                           tokenize=False) for p, r in zip(prompts, responses, strict=True)]  # fmt: skip
    rows = []
    side, tokenizer.padding_side = tokenizer.padding_side, "right"
    try:
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
            with torch.no_grad():
                out = model(**enc.to(model.device), output_hidden_states=True)
            last = enc["attention_mask"].sum(dim=1) - 1
            hidden = out.hidden_states[-1].float()
            rows.append(hidden[torch.arange(len(last)), last].cpu().numpy())
    finally:
        tokenizer.padding_side = side
    return np.concatenate(rows)


def fit_reward_head(chosen, rejected, C: float = 1.0):
    """Uma recompensa linear r(x, y) = w·h(x, y) ajustada pela perda de Bradley–Terry nos pares.

    Com r linear, −log σ(r(y_w) − r(y_l)) é a perda da regressão logística sem intercepto na **diferença**
    h(y_w) − h(y_l) com rótulo 1; pondo também cada par ao contrário (rótulo 0), o ajuste fica simétrico.
    ``C`` é o inverso da regularização L2 (o ``LogisticRegression`` do scikit-learn). Devolve o modelo;
    a recompensa de um conjunto de estados ``H`` é ``H @ modelo.coef_[0]``.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    diff = np.asarray(chosen) - np.asarray(rejected)
    X = np.concatenate([diff, -diff])
    y = np.concatenate([np.ones(len(diff)), np.zeros(len(diff))])
    return LogisticRegression(C=C, fit_intercept=False, max_iter=5000).fit(X, y)
