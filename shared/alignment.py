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
