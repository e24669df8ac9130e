"""Classificação de sentimento: linhas de base, fine-tuning com o ``Trainer`` e métricas com intervalo.

Os capítulos 5 e 6 treinam o mesmo classificador de avaliações de várias formas (todos os pesos, LoRA, só a
cabeça) com **uma** função, :func:`train_classifier`; a célula só-GPU chama a mesma função com um modelo maior
e o B2W-Reviews01. As métricas usam o scikit-learn: o ``evaluate.load("accuracy")`` baixa o código da
métrica do Hub e falha offline (DESIGN.md §5).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shared.data import MESS_PATTERNS

METRIC_NAMES = ("acurácia", "precisão", "revocação", "F1 macro")

# Padrões para a análise de erros: negação e contraste são os do capítulo 1 (shared.data.MESS_PATTERNS)
ERROR_PATTERNS = {
    "negação": MESS_PATTERNS["negação (não, nem, nunca)"],
    "contraste (mas, porém)": MESS_PATTERNS["contraste (mas, porém)"],
    "ironia provável (aspas, 'parabéns', 'ótimo... só que')": r"(?i)\bparabéns\b|\"[^\"]+\"|\bsó que não\b|\bque maravilha\b",
}


# ---------------------------------------------------------------------------------------------------
# Métricas


def classification_metrics(y_true, y_pred) -> dict[str, float]:
    """Acurácia e precisão, revocação e F1 com média macro (cada classe pesa igual)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError("y_true e y_pred precisam ter o mesmo tamanho e não ser vazios.")
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0
    )
    return {
        "acurácia": float(accuracy_score(y_true, y_pred)),
        "precisão": float(precision),
        "revocação": float(recall),
        "F1 macro": float(f1),
    }


def bootstrap_ci(y_true, y_pred, n_boot: int = 1000, seed: int = 2024, level: float = 0.95) -> pd.DataFrame:
    """Intervalo de confiança *bootstrap* de cada métrica: reamostra o conjunto de teste com reposição.

    Devolve uma tabela com ``métrica``, ``valor`` (no teste inteiro), ``baixo`` e ``alto`` (percentis).
    """
    if n_boot < 100:
        raise ValueError(f"Use pelo menos 100 reamostragens, não {n_boot}.")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    rng = np.random.default_rng(seed)
    samples = {name: [] for name in METRIC_NAMES}
    for _ in range(n_boot):
        idx = rng.integers(0, len(y_true), len(y_true))
        for name, value in classification_metrics(y_true[idx], y_pred[idx]).items():
            samples[name].append(value)
    point = classification_metrics(y_true, y_pred)
    tail = (1 - level) / 2 * 100
    return pd.DataFrame(
        [
            {
                "métrica": name,
                "valor": point[name],
                "baixo": float(np.percentile(samples[name], tail)),
                "alto": float(np.percentile(samples[name], 100 - tail)),
            }
            for name in METRIC_NAMES
        ]
    )


# ---------------------------------------------------------------------------------------------------
# Linhas de base


def majority_baseline(train_labels, n: int) -> np.ndarray:
    """Prevê sempre a classe mais frequente do treino."""
    values, counts = np.unique(np.asarray(train_labels), return_counts=True)
    return np.full(n, values[counts.argmax()])


def leia_scores(texts) -> np.ndarray:
    """Pontuação *compound* do léxico LeIA (de −1, muito negativo, a +1, muito positivo) para cada texto."""
    from LeIA import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(t)["compound"] for t in texts])


def leia_baseline(texts, threshold: float = 0.0) -> np.ndarray:
    """Positivo (1) se a pontuação do LeIA for maior que ``threshold``; senão negativo (0)."""
    return (leia_scores(texts) > threshold).astype(int)


def tfidf_logreg(train_texts, train_labels, seed: int = 2024):
    """TF-IDF de palavras e bigramas + regressão logística (scikit-learn), já treinado."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents=None, lowercase=True),
        LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed),
    )
    return model.fit(list(train_texts), list(train_labels))


# ---------------------------------------------------------------------------------------------------
# Dados para o Trainer


def token_lengths(tokenizer, texts) -> np.ndarray:
    """Quantos tokens (com os especiais) cada texto tem, sem cortar."""
    return np.array([len(ids) for ids in tokenizer(list(texts), truncation=False)["input_ids"]])


def to_dataset(tokenizer, df: pd.DataFrame, max_length: int, text_column: str = "review_text"):
    """DataFrame com ``label`` → ``datasets.Dataset`` tokenizado (cortado em ``max_length``, sem preencher)."""
    from datasets import Dataset

    if "label" not in df.columns:
        raise ValueError("O DataFrame precisa da coluna 'label' (use shared.data.load_reviews).")
    ds = Dataset.from_pandas(
        df[[text_column, "label"]].rename(columns={"label": "labels"}), preserve_index=False
    )
    return ds.map(
        lambda batch: tokenizer(batch[text_column], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=[text_column],
    )


# ---------------------------------------------------------------------------------------------------
# Treino


@dataclass
class TrainResult:
    """O que :func:`train_classifier` devolve."""

    trainer: object
    history: pd.DataFrame  # uma linha por avaliação: passo, época, perda de treino e de validação, F1
    train_seconds: float
    steps: int
    best_step: int | None

    @property
    def seconds_per_step(self) -> float:
        return self.train_seconds / max(self.steps, 1)


def history_frame(log_history: list[dict]) -> pd.DataFrame:
    """Junta o ``log_history`` do Trainer numa tabela por passo de avaliação.

    A perda de treino de cada linha é a média das perdas registradas desde a avaliação anterior.
    """
    rows, pending = [], []
    for entry in log_history:
        if "loss" in entry and "eval_loss" not in entry:
            pending.append(entry["loss"])
        if "eval_loss" in entry:
            rows.append(
                {
                    "passo": entry["step"],
                    "época": entry["epoch"],
                    "perda de treino": float(np.mean(pending)) if pending else np.nan,
                    "perda de validação": entry["eval_loss"],
                    "F1 de validação": entry.get("eval_f1", np.nan),
                }
            )
            pending = []
    return pd.DataFrame(rows)


HEAD_MODULES = ("pooler", "classifier")


def parameter_groups(
    model, learning_rate: float, head_learning_rate: float, head_modules=HEAD_MODULES
) -> list[dict]:
    """Os parâmetros treináveis em dois grupos do otimizador: a cabeça, com a sua taxa, e o resto.

    A cabeça de classificação começa aleatória e precisa andar muito; o corpo pré-treinado, pouco. Um
    parâmetro é da cabeça se algum pedaço do nome (separado por pontos) está em ``head_modules``, o que
    também vale para as cópias treináveis que o ``peft`` cria com ``modules_to_save``.
    """
    head, body = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (head if set(name.split(".")) & set(head_modules) else body).append(param)
    if not head:
        raise ValueError(
            f"Nenhum parâmetro treinável da cabeça ({', '.join(head_modules)}) no modelo: confira os nomes "
            "com model.named_parameters() ou não passe head_learning_rate."
        )
    groups = [{"params": head, "lr": head_learning_rate}]
    if body:
        groups.insert(0, {"params": body, "lr": learning_rate})
    return groups


def train_classifier(
    model,
    tokenizer,
    train_df: pd.DataFrame,
    val_df: pd.DataFrame,
    output_dir: str | Path,
    learning_rate: float = 5e-5,
    batch_size: int = 16,
    epochs: float = 3,
    warmup_ratio: float = 0.1,
    weight_decay: float = 0.01,
    max_length: int = 128,
    eval_every: int = 10,
    seed: int = 2024,
    fp16: bool = False,
    group_by_length: bool = False,
    head_learning_rate: float | None = None,
) -> TrainResult:
    """Treina um classificador com o ``Trainer`` do transformers e volta ao melhor ponto pelo F1 de validação.

    Serve para o fine-tuning completo, para LoRA (passe um modelo do ``peft``) e para treinar só a cabeça
    (congele o resto antes). Avalia a cada ``eval_every`` passos, guarda no máximo dois pontos de controle
    em ``output_dir`` e, no fim, carrega o de maior F1 macro na validação. Com ``group_by_length``, cada
    lote junta textos de tamanhos parecidos (menos preenchimento, passos mais rápidos; a ordem continua
    aleatória entre lotes). Com ``head_learning_rate``, a cabeça (``pooler`` e ``classifier``) treina com
    essa taxa e o resto com ``learning_rate`` (veja :func:`parameter_groups`).
    """
    import torch
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer, TrainingArguments

    def compute_metrics(prediction):
        logits, labels = prediction
        preds = np.asarray(logits).argmax(axis=-1)
        m = classification_metrics(labels, preds)
        return {"f1": m["F1 macro"], "accuracy": m["acurácia"]}

    args = TrainingArguments(
        output_dir=str(output_dir),
        learning_rate=learning_rate,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=64,
        num_train_epochs=epochs,
        warmup_steps=warmup_ratio,  # no transformers 5, um float em [0, 1) é a fração dos passos
        weight_decay=weight_decay,
        eval_strategy="steps",
        eval_steps=eval_every,
        save_strategy="steps",
        save_steps=eval_every,
        save_total_limit=2,
        save_only_model=True,  # sem o estado do otimizador (o dobro do modelo): basta para voltar ao melhor ponto
        load_best_model_at_end=True,
        metric_for_best_model="f1",
        greater_is_better=True,
        logging_steps=max(1, eval_every // 2),
        report_to=[],
        disable_tqdm=True,
        seed=seed,
        data_seed=seed,
        fp16=fp16,
        dataloader_num_workers=0,
        dataloader_pin_memory=fp16,  # memória fixada só ajuda com GPU
        train_sampling_strategy="group_by_length" if group_by_length else "random",
    )
    optimizer = None  # o Trainer cria o AdamW de sempre
    if head_learning_rate is not None:
        groups = parameter_groups(model, learning_rate, head_learning_rate)
        optimizer = torch.optim.AdamW(groups, lr=learning_rate, weight_decay=weight_decay)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=to_dataset(tokenizer, train_df, max_length),
        eval_dataset=to_dataset(tokenizer, val_df, max_length),
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        optimizers=(optimizer, None),
    )
    trainer.remove_callback(PrinterCallback)  # sem barra de progresso, o Trainer imprimiria cada registro
    start = time.perf_counter()
    output = trainer.train()
    seconds = time.perf_counter() - start
    best = trainer.state.best_model_checkpoint
    best_step = int(re.search(r"checkpoint-(\d+)", best).group(1)) if best else None
    return TrainResult(
        trainer=trainer,
        history=history_frame(trainer.state.log_history),
        train_seconds=seconds,
        steps=output.global_step,
        best_step=best_step,
    )


def predict(
    model, tokenizer, texts, max_length: int = 128, batch_size: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Classes previstas e probabilidades (softmax) de um classificador para uma lista de textos."""
    import torch

    model.eval()
    probs = []
    texts = list(texts)
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            texts[start : start + batch_size],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        ).to(model.device)
        with torch.no_grad():
            probs.append(model(**batch).logits.float().softmax(-1).cpu().numpy())
    p = np.concatenate(probs) if probs else np.zeros((0, 2))
    return p.argmax(axis=-1), p


def error_kinds(text: str) -> list[str]:
    """Quais dificuldades conhecidas (negação, contraste, ironia provável) um texto tem."""
    return [kind for kind, pattern in ERROR_PATTERNS.items() if re.search(pattern, text)]


def count_parameters(model) -> tuple[int, int]:
    """(parâmetros treináveis, parâmetros totais) de um modelo."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def save_for_reuse(model, folder: str | Path) -> Path:
    """Salva só o que é preciso guardar para usar o modelo treinado depois, sobre o modelo base.

    - modelo do ``peft`` (LoRA): o adaptador e os módulos de ``modules_to_save``;
    - todos os pesos treináveis (fine-tuning completo): o modelo inteiro;
    - parte dos pesos congelada (por exemplo, só a cabeça): os parâmetros treináveis, num ``safetensors``.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    trainable, total = count_parameters(model)
    if trainable == 0:
        raise ValueError("O modelo não tem parâmetros treináveis: não há o que salvar de um treino.")
    if hasattr(model, "peft_config") or trainable == total:
        model.save_pretrained(folder)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    weights = {n: p.detach().contiguous().cpu() for n, p in model.named_parameters() if p.requires_grad}
    save_file(weights, folder / "treinaveis.safetensors")
    return folder


def folder_size(path: str | Path) -> int:
    """Bytes de todos os arquivos de uma pasta (o que é preciso guardar depois de treinar)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
