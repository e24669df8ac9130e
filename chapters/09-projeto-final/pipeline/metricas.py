"""Métricas do projeto final: quanto a resposta se parece com a do glossário e se acerta os fatos.

- ``rouge_l``: F1 da maior subsequência comum de palavras entre a **definição** da resposta e a do
  glossário (pacote ``rouge-score``, com um tokenizador que mantém os acentos). Só a definição: o molde
  "termo (em inglês, X): … Veja o capítulo N (nome)." é igual em toda resposta e inflaria a nota;
- ``formato``: segue o molde acima;
- ``ingles`` e ``capitulo``: o nome em inglês e o capítulo **nos campos do molde** batem com os do
  glossário (os fatos, não o estilo; o nome que só aparece repetido da pergunta não conta);
- ``palavras_chave``: fração das palavras de conteúdo da definição de referência presentes na definição
  da resposta;
- ``portugues``: a resposta, sem a pergunta repetida, está em português para um identificador de língua.

Para um CSV de pares quaisquer (formato ``perguntas``), :func:`score_free` mede só o que não depende do
molde: ROUGE-L e palavras-chave contra a resposta inteira, e a língua.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from shared.prompts import identify_language, normalize
from shared.stats import mean_ci
from shared.text import stopwords_pt

FORMAT = re.compile(
    r"^(?P<termo>.+?) \(em inglês, (?P<ingles>.+?)\): (?P<definicao>.+) Veja o capítulo (?P<cap>\d+) \(.+\)\.$", re.S
)
METRICS = ("rouge_l", "formato", "ingles", "capitulo", "palavras_chave", "portugues")
FREE_METRICS = ("rouge_l", "palavras_chave", "portugues")  # para pares pergunta/resposta quaisquer (modelo/)


class _Words:
    """Tokenizador para o ROUGE: palavras em minúsculas, acentos mantidos (o padrão do pacote os apaga)."""

    def tokenize(self, text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=_Words())


def rouge_l(reference: str, answer: str) -> float:
    """ROUGE-L F1 entre a resposta e a referência (0 a 1)."""
    return _scorer().score(reference, answer)["rougeL"].fmeasure


def definition_of(answer: str) -> str:
    """A definição de uma resposta no molde do glossário; fora do molde, a resposta inteira."""
    match = FORMAT.match(answer.strip())
    return match.group("definicao") if match else answer


def keyword_recall(definition: str, answer: str) -> float:
    """Fração das palavras de conteúdo (sem stopwords, sem acento) da definição que aparecem na resposta."""
    stop = stopwords_pt(with_unaccented=True)
    wanted = {w for w in re.findall(r"\w+", normalize(definition)) if w not in stop and len(w) > 2}
    if not wanted:
        return 0.0
    return len(wanted & set(re.findall(r"\w+", normalize(answer)))) / len(wanted)


def in_portuguese(answer: str, question: str = "") -> bool:
    """A resposta está em português? Tira antes cada cópia da pergunta: repetir a pergunta não é responder."""
    rest = answer.replace(question, " ") if question else answer
    return bool(re.search(r"\w{3,}", rest)) and identify_language(rest) == "pt"


def score(reference: dict, answer: str) -> dict[str, float]:
    """Todas as métricas de uma resposta, dada a linha de referência (``definicao``, ``ingles``, ``capitulo``…)."""
    match = FORMAT.match(answer.strip())
    definition = match.group("definicao") if match else answer
    return {
        "rouge_l": rouge_l(reference["definicao"], definition),
        "formato": float(bool(match)),
        "ingles": float(bool(match) and normalize(match.group("ingles")).strip() == normalize(reference["ingles"]).strip()),
        "capitulo": float(bool(match) and int(match.group("cap")) == int(reference["capitulo"])),
        "palavras_chave": keyword_recall(reference["definicao"], definition),
        "portugues": float(in_portuguese(answer, reference.get("pergunta", ""))),
    }


def score_free(reference: dict, answer: str) -> dict[str, float]:
    """As métricas que não dependem do molde do glossário: ROUGE-L e palavras-chave contra a resposta de
    referência inteira, e a língua. São as do formato ``perguntas`` (um CSV de pares quaisquer)."""
    return {
        "rouge_l": rouge_l(reference["resposta"], answer),
        "palavras_chave": keyword_recall(reference["resposta"], answer),
        "portugues": float(in_portuguese(answer, reference.get("pergunta", ""))),
    }


def summarize(predictions: pd.DataFrame, metrics: tuple[str, ...] = METRICS) -> pd.DataFrame:
    """Média de cada métrica por sistema, na ordem em que os sistemas aparecem."""
    order = list(dict.fromkeys(predictions["sistema"]))
    table = predictions.groupby("sistema", sort=False)[list(metrics)].mean().reindex(order).reset_index()
    table.insert(1, "perguntas", predictions.groupby("sistema", sort=False).size().reindex(order).to_numpy())
    return table.round(3)


def intervals(predictions: pd.DataFrame, n_boot: int = 2000, seed: int = 2026,
              metrics: tuple[str, ...] = METRICS) -> pd.DataFrame:  # fmt: skip
    """Média e intervalo de 95% de cada métrica de cada sistema, uma linha por par. O bootstrap sorteia as
    perguntas ou, se houver a coluna ``familia``, famílias de termos inteiras ("quantização" e "quantização
    por canal" não são duas amostras independentes)."""
    rows = []
    for system, group in predictions.groupby("sistema", sort=False):
        groups = group["familia"].to_numpy() if "familia" in group else None
        for metric in metrics:
            mean, low, high = mean_ci(group[metric].to_numpy(), n_boot=n_boot, seed=seed, groups=groups)
            rows.append({"sistema": system, "metrica": metric, "media": mean, "inferior": low, "superior": high})
    return pd.DataFrame(rows).round(3)
