"""A varredura do capítulo 6: cada jeito de treinar um classificador, com a taxa escolhida na validação e sementes.

Uma comparação justa entre fine-tuning completo, LoRA e "só a cabeça" precisa tratar todas as variantes do
mesmo jeito (DESIGN.md §7):

1. para cada variante, uma pequena grade de taxas de aprendizado, treinada com a primeira semente; a taxa
   escolhida é a de maior F1 macro na **validação** (o teste não escolhe nada);
2. com a taxa escolhida, mais sementes (a primeira já está feita), e cada treino para cedo quando o F1 de
   validação deixa de melhorar e volta ao melhor ponto;
3. no teste, a média e o desvio-padrão sobre as sementes, e um *bootstrap* pareado de cada variante contra
   a de referência nas **mesmas** avaliações (:func:`paired_f1_bootstrap`).

O script ``chapters/06-peft-e-lora/varredura.py`` chama :func:`run_sweep` e grava as tabelas em
``results/``; um teste roda a mesma coisa em tamanho minúsculo.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shared import finetune

MINILM = "all-minilm-l6-v2"
GEMMA = "gemma3-270m"

# Nomes das camadas lineares de cada modelo (o que o LoRA pode adaptar)
MINILM_ATTENTION = ("query", "value")
MINILM_ALL_LINEAR = ("query", "key", "value", "dense")  # "dense": saída da atenção e as duas do MLP
GEMMA_ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Variant:
    """Um jeito de treinar: o que treina (``kind``), em que modelo e com que grade de taxas."""

    name: str
    kind: str  # "completo", "lora" ou "cabeça"
    learning_rates: tuple[float, ...]
    rank: int | None = None
    alpha: float | None = None
    targets: tuple[str, ...] = ()
    model: str = MINILM
    epochs: float | None = None  # None: as épocas da configuração

    def __post_init__(self):
        if self.kind not in ("completo", "lora", "cabeça"):
            raise ValueError(f"Tipo de variante desconhecido: '{self.kind}'. Use 'completo', 'lora' ou 'cabeça'.")
        if self.kind == "lora" and (not self.rank or not self.alpha or not self.targets):
            raise ValueError(f"A variante LoRA '{self.name}' precisa de rank, alpha e targets.")
        if not self.learning_rates:
            raise ValueError(f"A variante '{self.name}' precisa de pelo menos uma taxa de aprendizado.")


@dataclass
class SweepConfig:
    """Tudo o que a varredura precisa para ser refeita (vai inteiro para o manifesto dos resultados)."""

    variants: list[Variant]
    seeds: tuple[int, ...] = (2024, 2025, 2026)
    epochs: float = 4
    batch_size: int = 16
    eval_every: int = 25
    patience: int = 3  # avaliações seguidas sem melhorar o F1 de validação antes de parar
    head_learning_rate: float = 2e-3  # a camada nova, em todas as variantes que treinam também o corpo
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    length_percentile: float = 90  # max_length = este percentil dos tamanhos do treino (regra do capítulo 5)
    balanced: bool = True  # perda com peso por classe, como o class_weight="balanced" das linhas de base
    n_boot: int = 1000
    max_extensions: int = 2  # quantas vezes a grade cresce (×2 ou ÷2) quando a melhor taxa cai na borda
    reference: str = "completo"
    limit: dict = field(default_factory=dict)  # {"train": n, ...}: só para o teste minúsculo

    def manifest(self) -> dict:
        out = asdict(self)
        out["variants"] = [asdict(v) for v in self.variants]
        return out


def build(variant: Variant, seed: int, num_labels: int = 2):
    """(tokenizer, modelo pronto para treinar, nomes dos módulos da cabeça) de uma variante.

    MiniLM: :class:`shared.finetune.MeanPoolingClassifier` (a média dos tokens, como ele foi treinado) e a
    cabeça ``classifier``. Gemma 3: ``AutoModelForSequenceClassification`` (o vetor do último token) e a
    cabeça ``score``. O LoRA usa o ``peft`` com ``modules_to_save`` para a cabeça; "cabeça" congela o resto.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    if variant.model == MINILM:
        tokenizer, model = finetune.mean_pooling_classifier(MINILM, num_labels=num_labels, seed=seed)
        head = ("classifier",)
    else:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from shared import models

        folder = models.convert_gguf(variant.model)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=num_labels, dtype=torch.float32)
        model.config.pad_token_id = tokenizer.pad_token_id
        head = ("score",)
    if variant.kind == "lora":
        config = LoraConfig(r=variant.rank, lora_alpha=variant.alpha, lora_dropout=0.0,
                            target_modules=list(variant.targets), modules_to_save=list(head))  # fmt: skip
        model = get_peft_model(model, config)
    elif variant.kind == "cabeça":
        for name, p in model.named_parameters():
            p.requires_grad_(bool(set(name.split(".")) & set(head)))
    return tokenizer, model, head


def max_length_for(tokenizer, texts, percentile: float) -> int:
    """O percentil dos tamanhos em tokens, arredondado para cima até um múltiplo de 8 (regra do capítulo 5)."""
    lengths = finetune.token_lengths(tokenizer, texts)
    return int(np.ceil(np.percentile(lengths, percentile) / 8) * 8)


def train_once(variant: Variant, learning_rate: float, seed: int, cfg: SweepConfig, splits: dict,
               workdir: Path) -> dict:  # fmt: skip
    """Um treino: devolve o F1 de validação no melhor ponto, os passos, o tempo e as probabilidades no teste."""
    from shared import env

    env.set_seed(seed)
    tokenizer, model, head = build(variant, seed)
    max_length = max_length_for(tokenizer, splits["train"]["review_text"], cfg.length_percentile)
    weights = finetune.balanced_class_weights(splits["train"]["label"]) if cfg.balanced else None
    body_lr, head_lr = learning_rate, cfg.head_learning_rate
    if variant.kind == "cabeça":  # só a cabeça treina: a taxa da grade é a dela
        body_lr = head_lr = learning_rate
    out = workdir / f"{variant.name}-{learning_rate:g}-{seed}".replace(" ", "_").replace("=", "")
    result = finetune.train_classifier(
        model, tokenizer, splits["train"], splits["validation"], out, learning_rate=body_lr,
        batch_size=cfg.batch_size, epochs=variant.epochs or cfg.epochs, warmup_ratio=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay, max_length=max_length, eval_every=cfg.eval_every, seed=seed,
        group_by_length=True, head_learning_rate=head_lr, head_modules=head, class_weights=weights,
        early_stopping_patience=cfg.patience,
    )  # fmt: skip
    _, probs = finetune.predict(result.trainer.model, tokenizer, splits["test"]["review_text"], max_length=max_length)
    trainable, total = finetune.count_parameters(result.trainer.model)
    steps_per_epoch = int(np.ceil(len(splits["train"]) / cfg.batch_size))
    shutil.rmtree(out, ignore_errors=True)
    return {
        "variante": variant.name,
        "modelo": variant.model,
        "taxa": learning_rate,
        "semente": seed,
        "max_length": max_length,
        "passos": result.steps,
        "melhor passo": result.best_step,
        "épocas": result.steps / steps_per_epoch,
        "época do melhor ponto": (result.best_step or 0) / steps_per_epoch,
        "F1 de validação": result.best_f1,
        "treino (s)": result.train_seconds,
        "parâmetros treináveis": trainable,
        "parâmetros totais": total,
        "p_teste": probs[:, 1],
    }


def choose(grid: dict[float, dict]) -> float:
    """A taxa de maior F1 de validação; num empate, a menor."""
    return max(grid, key=lambda lr: (grid[lr]["F1 de validação"], -lr))


def next_rate(grid: dict[float, dict]) -> float | None:
    """Se a melhor taxa é a maior (ou a menor) da grade, a próxima a testar (o dobro, ou a metade); senão None.

    Uma taxa escolhida na borda da grade quer dizer que a melhor pode estar fora dela: a variante estaria
    sendo comparada mal ajustada.
    """
    if len(grid) < 2:
        return None
    best, rates = choose(grid), sorted(grid)
    if best == rates[-1]:
        return best * 2
    if best == rates[0]:
        return best / 2
    return None


def run_sweep(cfg: SweepConfig, splits: dict, log=print, reuse: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roda a varredura inteira: a grade de taxas na primeira semente, depois as outras sementes na escolhida.

    Quando a melhor taxa cai na borda da grade, a grade cresce (:func:`next_rate`) até ``cfg.max_extensions``
    vezes. ``reuse`` (``{(variante, taxa, semente): treino}``) aproveita treinos já feitos com a mesma
    configuração em vez de repeti-los. Devolve ``(treinos, previsões)``: uma linha por treino (com
    ``escolhida`` marcando a taxa que a validação escolheu) e as probabilidades de "positivo" de cada treino
    em cada avaliação de teste.
    """
    splits = {k: (v.head(cfg.limit[k]) if k in cfg.limit else v).reset_index(drop=True) for k, v in splits.items()}
    workdir = Path(tempfile.mkdtemp(prefix="varredura-"))
    reuse = reuse or {}
    runs = []

    def once(variant, lr, seed):
        key = (variant.name, float(lr), int(seed))
        row = dict(reuse[key]) if key in reuse else train_once(variant, lr, seed, cfg, splits, workdir)
        row["na grade original"] = any(np.isclose(lr, g) for g in variant.learning_rates)
        log(f"{variant.name:>26} taxa {lr:<7g} semente {seed}: F1 de validação {row['F1 de validação']:.3f} "
            f"({row['passos']} passos, {row['treino (s)']:.0f} s{', reaproveitado' if key in reuse else ''})")
        return row

    try:
        for variant in cfg.variants:
            grid = {lr: once(variant, lr, cfg.seeds[0]) for lr in variant.learning_rates}
            for _ in range(cfg.max_extensions):
                extra = next_rate(grid)
                if extra is None:
                    break
                log(f"{variant.name:>26} a melhor taxa está na borda da grade: testando {extra:g}")
                grid[extra] = once(variant, extra, cfg.seeds[0])
            best = choose(grid)
            for lr, r in sorted(grid.items()):
                r["escolhida"] = lr == best
                runs.append(r)
            for seed in cfg.seeds[1:]:
                runs.append({**once(variant, best, seed), "escolhida": True})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    test = splits["test"]
    predictions = pd.DataFrame(
        [{"variante": r["variante"], "taxa": r["taxa"], "semente": r["semente"], "item": i,
          "rótulo": int(test["label"].iloc[i]), "p(positivo)": float(p)}
         for r in runs for i, p in enumerate(r["p_teste"])]  # fmt: skip
    )
    for r in runs:
        pred = (r.pop("p_teste") >= 0.5).astype(int)
        r["F1 de teste"] = finetune.classification_metrics(test["label"], pred)["F1 macro"]
    return pd.DataFrame(runs), predictions


def chosen_predictions(predictions: pd.DataFrame, runs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Para cada variante, a matriz sementes × itens das classes previstas na taxa escolhida."""
    chosen = runs[runs["escolhida"]][["variante", "taxa", "semente"]]
    kept = predictions.merge(chosen, on=["variante", "taxa", "semente"])
    out = {}
    for name, group in kept.groupby("variante", sort=False):
        wide = group.pivot(index="semente", columns="item", values="p(positivo)")
        out[name] = (wide.to_numpy() >= 0.5).astype(int)
    return out


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """F1 macro com o NumPy (o mesmo número do scikit-learn, ``zero_division=0``), rápido o bastante para
    milhares de reamostragens: as classes são as que aparecem em ``y_true`` ou em ``y_pred``."""
    classes = np.union1d(y_true, y_pred)
    scores = []
    for c in classes:
        tp = np.sum((y_true == c) & (y_pred == c))
        denominator = np.sum(y_true == c) + np.sum(y_pred == c)  # 2·VP + FP + FN
        scores.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(scores))


def paired_f1_bootstrap(y_true, a: np.ndarray, b: np.ndarray, n_boot: int = 1000, seed: int = 2024,
                        level: float = 0.95) -> tuple[float, float, float]:  # fmt: skip
    """A diferença de F1 macro ``a − b`` (média sobre as sementes) e o seu intervalo por *bootstrap* pareado.

    ``a`` e ``b`` são matrizes sementes × itens de classes previstas nos **mesmos** itens. Cada reamostragem
    sorteia itens com reposição e recalcula o F1 de cada semente dos dois sistemas nesses itens: a variação
    que sobra é a do sistema, não a de qual avaliação caiu no teste.
    """
    y_true = np.asarray(y_true)
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    if a.shape[1] != len(y_true) or b.shape[1] != len(y_true):
        raise ValueError("As previsões dos dois sistemas precisam cobrir os mesmos itens do teste.")

    def mean_f1(preds, idx):
        return np.mean([macro_f1(y_true[idx], p[idx]) for p in preds])

    everything = np.arange(len(y_true))
    point = mean_f1(a, everything) - mean_f1(b, everything)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y_true), len(y_true))
        boots.append(mean_f1(a, idx) - mean_f1(b, idx))
    tail = (1 - level) / 2
    return float(point), float(np.quantile(boots, tail)), float(np.quantile(boots, 1 - tail))


def f1_bootstrap_ci(y_true, preds: np.ndarray, n_boot: int = 1000, seed: int = 2024,
                    level: float = 0.95) -> tuple[float, float]:  # fmt: skip
    """Intervalo por *bootstrap* do F1 macro médio sobre as sementes (``preds``: sementes × itens)."""
    y_true, preds = np.asarray(y_true), np.atleast_2d(preds)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y_true), len(y_true))
        boots.append(np.mean([macro_f1(y_true[idx], p[idx]) for p in preds]))
    tail = (1 - level) / 2
    return float(np.quantile(boots, tail)), float(np.quantile(boots, 1 - tail))


def summarize(runs: pd.DataFrame, predictions: pd.DataFrame, y_test, reference: str = "completo",
              n_boot: int = 1000) -> pd.DataFrame:  # fmt: skip
    """Uma linha por variante: taxa escolhida, F1 de teste (média ± desvio sobre as sementes, e o intervalo
    por *bootstrap* das avaliações) e a diferença pareada contra ``reference`` com o seu intervalo; "empate"
    quando o intervalo contém o zero."""
    preds = chosen_predictions(predictions, runs)
    rows = []
    for name, group in runs[runs["escolhida"]].groupby("variante", sort=False):
        row = {
            "variante": name,
            "modelo": group["modelo"].iloc[0],
            "taxa escolhida": group["taxa"].iloc[0],
            "sementes": len(group),
            "parâmetros treináveis": int(group["parâmetros treináveis"].iloc[0]),
            "treináveis (%)": 100 * group["parâmetros treináveis"].iloc[0] / group["parâmetros totais"].iloc[0],
            "época do melhor ponto": float(group["época do melhor ponto"].mean()),
            "F1 de validação": float(group["F1 de validação"].mean()),
            "F1 de teste": float(group["F1 de teste"].mean()),
            "F1 de teste (dp)": float(group["F1 de teste"].std(ddof=1)) if len(group) > 1 else np.nan,
        }
        row["F1 IC95 baixo"], row["F1 IC95 alto"] = f1_bootstrap_ci(y_test, preds[name], n_boot=n_boot)
        if name != reference and reference in preds:
            diff, low, high = paired_f1_bootstrap(y_test, preds[name], preds[reference], n_boot=n_boot)
            verdict = "empate" if low <= 0 <= high else ("melhor" if low > 0 else "pior")
            row.update({f"Δ F1 × {reference}": diff, "Δ IC95 baixo": low, "Δ IC95 alto": high, "veredito": verdict})
        rows.append(row)
    return pd.DataFrame(rows)


def variant_costs(variant: Variant, cfg: SweepConfig, train: pd.DataFrame, repeats: int = 5) -> dict:
    """O custo de um passo de treino da variante num lote fixo (as ``batch_size`` primeiras avaliações de treino).

    Tempo: mediana de ``repeats`` passos (:func:`shared.finetune.time_train_step`), sem avaliações nem
    pontos de controle. Memória: as contas de :func:`shared.finetune.training_memory` (pesos, gradientes,
    AdamW e ativações guardadas pelo autograd), em MiB. Tamanho salvo: o que
    :func:`shared.finetune.save_for_reuse` grava.
    """
    import torch

    tokenizer, model, _ = build(variant, cfg.seeds[0])
    max_length = max_length_for(tokenizer, train["review_text"], cfg.length_percentile)
    texts = list(train["review_text"].head(cfg.batch_size))
    batch = dict(tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt"))
    labels = torch.tensor(train["label"].head(cfg.batch_size).to_numpy())
    memory = finetune.training_memory(model, batch)
    seconds = finetune.time_train_step(model, batch, labels, repeats=repeats)
    folder = Path(tempfile.mkdtemp(prefix="salvo-"))
    try:
        saved = finetune.folder_size(finetune.save_for_reuse(model, folder / "modelo"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "variante": variant.name,
        "s por passo": seconds,
        "tokens no lote": int(batch["attention_mask"].sum()),
        **{f"{k} (MiB)": v / 2**20 for k, v in memory.items()},
        "salvo (MB)": saved / 1e6,
    }
