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


def tfidf_vectorizer(train_texts=None):
    """TF-IDF de palavras e bigramas (scikit-learn); com ``train_texts``, já ajustado a eles."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
    return vectorizer if train_texts is None else vectorizer.fit(list(train_texts))


def tfidf_logreg(train_texts, train_labels, seed: int = 2024, C: float = 1.0):
    """TF-IDF de palavras e bigramas + regressão logística com classes balanceadas, já treinado."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(tfidf_vectorizer(),
                          LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=seed))  # fmt: skip
    return model.fit(list(train_texts), list(train_labels))


def logreg_on_validation(X_train, y_train, X_val, y_val, Cs=(0.01, 0.1, 1.0, 10.0, 100.0), seed: int = 2024):
    """Regressão logística (classes balanceadas) com o ``C`` de maior F1 macro na **validação**.

    ``C`` é o inverso da força da regularização: pequeno, pesos pequenos; grande, o modelo se ajusta mais
    ao treino. Devolve ``(modelo, tabela C → F1 de validação)``; empate: o menor ``C`` (o mais simples).
    """
    from sklearn.linear_model import LogisticRegression

    scores, fitted = [], {}
    for C in Cs:
        model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", random_state=seed)
        fitted[C] = model.fit(X_train, y_train)
        scores.append({"C": C, "F1 de validação": classification_metrics(y_val, model.predict(X_val))["F1 macro"]})
    table = pd.DataFrame(scores)
    best = table.loc[table["F1 de validação"].idxmax(), "C"]
    return fitted[best], table


def threshold_on_validation(val_scores, y_val, thresholds=None) -> tuple[float, pd.DataFrame]:
    """O limiar de pontuação (positivo se ``score > limiar``) de maior F1 macro na validação, e a tabela."""
    val_scores, y_val = np.asarray(val_scores, dtype=float), np.asarray(y_val)
    if thresholds is None:
        thresholds = np.round(np.arange(-0.9, 0.91, 0.1), 2)
    table = pd.DataFrame([{"limiar": t, "F1 de validação":
                           classification_metrics(y_val, (val_scores > t).astype(int))["F1 macro"]}
                          for t in thresholds])  # fmt: skip
    return float(table.loc[table["F1 de validação"].idxmax(), "limiar"]), table


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
# Uma cabeça que faz a média dos tokens


def _mean_pooling_class():
    import torch
    from transformers.modeling_outputs import SequenceClassifierOutput

    class MeanPoolingClassifier(torch.nn.Module):
        """Codificador + média dos vetores dos tokens (sem o preenchimento) + uma camada linear.

        O all-MiniLM-L6-v2 foi treinado para representar uma frase pela **média** dos tokens (é assim que o
        ``sentence-transformers`` o usa), não pelo ``[CLS]``: o ``pooler`` dele nunca foi treinado para essa
        tarefa. O ``AutoModelForSequenceClassification`` usa o ``pooler`` sobre o ``[CLS]``; esta cabeça
        usa a média, como o modelo foi pré-treinado. A camada ``classifier`` é a única parte nova.
        """

        def __init__(self, encoder, num_labels: int = 2, dropout: float = 0.1):
            super().__init__()
            self.encoder = encoder
            self.config = encoder.config  # o Trainer e o peft leem model.config
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(encoder.config.hidden_size, num_labels)

        @property
        def device(self):
            return next(self.parameters()).device

        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kwargs):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            logits = self.classifier(self.dropout(pooled))
            loss = None if labels is None else torch.nn.functional.cross_entropy(logits, labels)
            return SequenceClassifierOutput(loss=loss, logits=logits)

    return MeanPoolingClassifier


def mean_pooling_classifier(name: str = "all-minilm-l6-v2", num_labels: int = 2, seed: int | None = None):
    """(tokenizer, :class:`MeanPoolingClassifier`) de um codificador do registro, sem o ``pooler``.

    ``seed`` fixa o sorteio dos pesos iniciais da camada nova (o resto vem pré-treinado).
    """
    import torch

    from shared import models

    tokenizer, encoder = models.load_encoder(name, add_pooling_layer=False)
    if seed is not None:
        torch.manual_seed(seed)
    return tokenizer, _mean_pooling_class()(encoder, num_labels)


def __getattr__(name: str):  # ``finetune.MeanPoolingClassifier`` sem importar o torch ao importar o módulo
    if name == "MeanPoolingClassifier":
        return _mean_pooling_class()
    raise AttributeError(name)


# ---------------------------------------------------------------------------------------------------
# Onde vai a memória de um passo de treino


def saved_activation_bytes(model, batch: dict) -> int:
    """Bytes que o autograd guarda para o passo para trás num ``forward`` de ``batch`` (as ativações).

    Usa ``torch.autograd.graph.saved_tensors_hooks``: cada tensor que uma operação guarda para calcular o
    gradiente passa pelo gancho; contamos cada armazenamento uma vez só. Um pedaço do modelo congelado, por
    onde nenhum gradiente precisa passar, não guarda nada; o LoRA guarda as ativações de todas as camadas
    acima da primeira que treina, como o fine-tuning completo.
    """
    import torch

    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in weights:  # um peso congelado guardado para o gradiente da entrada não é ativação
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(**batch)
    del out
    return int(sum(seen.values()))


def training_memory(model, batch: dict, optimizer_states: int = 2) -> dict[str, int]:
    """A memória de um passo de treino, por componente, em bytes: pesos, gradientes, AdamW e ativações.

    Pesos: todos os parâmetros. Gradientes e os ``optimizer_states`` estados do AdamW (média e variância):
    só dos treináveis. Ativações: :func:`saved_activation_bytes` com ``batch``. São contas exatas do que o
    PyTorch guarda, não o RSS do processo (que mistura o alocador, as bibliotecas e o que sobrou de antes).
    """
    params = list(model.parameters())
    weights = sum(p.numel() * p.element_size() for p in params)
    trainable = sum(p.numel() * p.element_size() for p in params if p.requires_grad)
    return {
        "pesos": weights,
        "gradientes": trainable,
        "estados do AdamW": optimizer_states * trainable,
        "ativações guardadas": saved_activation_bytes(model, batch),
    }


def time_train_step(model, batch: dict, labels, repeats: int = 5, learning_rate: float = 1e-4) -> float:
    """Mediana, em segundos, de um passo completo (frente, trás e AdamW) num lote fixo, depois de um aquecimento.

    Mede só o passo, sem as avaliações e os pontos de controle que o tempo total de um treino inclui.
    """
    import torch

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate)
    times = []
    model.train()
    for i in range(repeats + 1):
        start = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(model(**batch).logits, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i:  # o primeiro é o aquecimento
            times.append(time.perf_counter() - start)
    return float(np.median(times))


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
    best_f1: float | None = None  # F1 macro de validação no melhor ponto (o que escolheu o ponto)

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


HEAD_MODULES = ("pooler", "classifier", "score")


def parameter_groups(
    model,
    learning_rate: float,
    head_learning_rate: float,
    head_modules=HEAD_MODULES,
    no_decay: set[str] | frozenset[str] = frozenset(),
    weight_decay: float = 0.0,
) -> list[dict]:
    """Os parâmetros treináveis em grupos do otimizador: a cabeça, com a sua taxa, e o resto (o corpo).

    A cabeça de classificação começa aleatória e precisa andar muito; o corpo pré-treinado, pouco. Um
    parâmetro é da cabeça se algum pedaço do nome (separado por pontos) está em ``head_modules``, o que
    também vale para as cópias treináveis que o ``peft`` cria com ``modules_to_save``.

    ``no_decay`` são os nomes que não levam decaimento de peso (o ``Trainer`` isenta os vieses e as
    normalizações: ``Trainer.get_decay_parameter_names``); cada grupo se divide então em "com" e "sem"
    decaimento, como o otimizador que o ``Trainer`` monta sozinho. Grupos vazios ficam de fora.
    """
    buckets: dict[tuple[str, bool], list] = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            part = "cabeça" if set(name.split(".")) & set(head_modules) else "corpo"
            buckets.setdefault((part, name not in no_decay), []).append(param)
    if not any(part == "cabeça" for part, _ in buckets):
        raise ValueError(
            f"Nenhum parâmetro treinável da cabeça ({', '.join(head_modules)}) no modelo: confira os nomes "
            "com model.named_parameters() ou não passe head_learning_rate."
        )
    groups = []
    for part, lr in (("corpo", learning_rate), ("cabeça", head_learning_rate)):
        for decays in (True, False):
            if (part, decays) in buckets:
                groups.append({"params": buckets[(part, decays)], "lr": lr,
                               "weight_decay": weight_decay if decays else 0.0, "name": part})  # fmt: skip
    return groups


def balanced_class_weights(labels) -> np.ndarray:
    """Pesos por classe n / (k · n_c), o ``class_weight="balanced"`` do scikit-learn: a classe menor pesa mais."""
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    if not np.array_equal(values, np.arange(len(values))):
        raise ValueError(f"Os rótulos precisam ser 0, 1, ..., k − 1; vieram {values.tolist()}.")
    return counts.sum() / (len(values) * counts)


def weighted_loss(class_weights):
    """A função de perda do ``Trainer`` (``compute_loss_func``): entropia cruzada com peso por classe."""
    import torch

    weights = torch.as_tensor(np.asarray(class_weights), dtype=torch.float32)

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        return torch.nn.functional.cross_entropy(logits.float(), labels, weight=weights.to(logits.device))

    return loss


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
    head_modules=HEAD_MODULES,
    class_weights=None,
    early_stopping_patience: int | None = None,
) -> TrainResult:
    """Treina um classificador com o ``Trainer`` do transformers e volta ao melhor ponto pelo F1 de validação.

    Serve para o fine-tuning completo, para LoRA (passe um modelo do ``peft``) e para treinar só a cabeça
    (congele o resto antes). Avalia a cada ``eval_every`` passos, guarda no máximo dois pontos de controle
    em ``output_dir`` e, no fim, carrega o de maior F1 macro na validação. Com ``group_by_length``, cada
    lote junta textos de tamanhos parecidos (menos preenchimento, passos mais rápidos; a ordem continua
    aleatória entre lotes). Com ``head_learning_rate``, a cabeça (``head_modules``) treina com essa taxa e o
    resto com ``learning_rate`` (veja :func:`parameter_groups`), com o mesmo decaimento de peso que o
    ``Trainer`` aplicaria (vieses e normalizações isentos). ``class_weights`` pesa a perda por classe
    (:func:`balanced_class_weights`); ``early_stopping_patience`` para o treino depois de tantas avaliações
    seguidas sem melhorar o F1 de validação.
    """
    import torch
    from transformers import (DataCollatorWithPadding, EarlyStoppingCallback, PrinterCallback, Trainer,
                              TrainingArguments)  # fmt: skip

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
        label_names=["labels"],  # um modelo nosso embrulhado pelo peft esconde o nome do argumento
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=to_dataset(tokenizer, train_df, max_length),
        eval_dataset=to_dataset(tokenizer, val_df, max_length),
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        compute_loss_func=weighted_loss(class_weights) if class_weights is not None else None,
        callbacks=[EarlyStoppingCallback(early_stopping_patience)] if early_stopping_patience else None,
    )
    trainer.remove_callback(PrinterCallback)  # sem barra de progresso, o Trainer imprimiria cada registro
    if head_learning_rate is not None:  # senão, o Trainer cria o AdamW de sempre
        no_decay = set(n for n, _ in model.named_parameters()) - set(trainer.get_decay_parameter_names(model))
        groups = parameter_groups(model, learning_rate, head_learning_rate, head_modules, no_decay, weight_decay)
        trainer.optimizer = torch.optim.AdamW(groups, lr=learning_rate)
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
        best_f1=trainer.state.best_metric,
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


def train_and_evaluate(model, tokenizer, train_df, val_df, eval_sets: dict, output_dir, max_length: int = 128,
                       n_boot: int = 500, seed: int = 2024, **train_kwargs):  # fmt: skip
    """Treina com :func:`train_classifier` e mede o F1 macro (com IC por *bootstrap*) em cada conjunto de teste.

    É o caminho das células só-GPU (um modelo maior, o B2W-Reviews01): elas só chamam esta função com
    parâmetros maiores. ``eval_sets`` é ``{nome: DataFrame com review_text e label}``; avaliar também no
    teste de ``data/avaliacoes`` deixa o resultado comparável com as tabelas do curso. Devolve
    ``(TrainResult, tabela)``, uma linha por conjunto.
    """
    result = train_classifier(model, tokenizer, train_df, val_df, output_dir, max_length=max_length, seed=seed,
                              **train_kwargs)  # fmt: skip
    rows = []
    for name, df in eval_sets.items():
        pred, _ = predict(result.trainer.model, tokenizer, df["review_text"], max_length=max_length)
        ci = bootstrap_ci(df["label"], pred, n_boot=n_boot, seed=seed).set_index("métrica")
        rows.append({"conjunto": name, "avaliações": len(df), "acurácia": ci.loc["acurácia", "valor"],
                     "F1 macro": ci.loc["F1 macro", "valor"], "F1 IC95 baixo": ci.loc["F1 macro", "baixo"],
                     "F1 IC95 alto": ci.loc["F1 macro", "alto"], "passos": result.steps,
                     "treino (s)": result.train_seconds})  # fmt: skip
    return result, pd.DataFrame(rows)


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
    - parte dos pesos congelada (por exemplo, só a cabeça), ou um modelo nosso sem ``save_pretrained``: os
      parâmetros treináveis, num ``safetensors``.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    trainable, total = count_parameters(model)
    if trainable == 0:
        raise ValueError("O modelo não tem parâmetros treináveis: não há o que salvar de um treino.")
    if hasattr(model, "peft_config") or (trainable == total and hasattr(model, "save_pretrained")):
        model.save_pretrained(folder)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    weights = {n: p.detach().contiguous().cpu() for n, p in model.named_parameters() if p.requires_grad}
    save_file(weights, folder / "treinaveis.safetensors")
    return folder


def folder_size(path: str | Path) -> int:
    """Bytes de todos os arquivos de uma pasta (o que é preciso guardar depois de treinar)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
