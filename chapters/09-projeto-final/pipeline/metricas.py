"""Métricas do projeto final: quanto a resposta se parece com a do glossário e se acerta os fatos.

- ``rouge_l``: F1 da maior subsequência comum de palavras com a resposta de referência (pacote
  ``rouge-score``, com um tokenizador que mantém os acentos);
- ``formato``: segue o modelo "termo (em inglês, X): definição. Veja o capítulo N (nome).";
- ``ingles`` e ``capitulo``: acertou o nome em inglês e o capítulo (os fatos, não o estilo);
- ``palavras_chave``: fração das palavras de conteúdo da definição de referência que aparecem na resposta;
- ``portugues``: a resposta está em português.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from shared.prompts import guess_language, normalize
from shared.text import stopwords_pt

FORMAT = re.compile(r"^(?P<termo>.+?) \(em inglês, (?P<ingles>.+?)\): .+ Veja o capítulo (?P<cap>\d+) \(.+\)\.$", re.S)
METRICS = ("rouge_l", "formato", "ingles", "capitulo", "palavras_chave", "portugues")


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


def keyword_recall(definition: str, answer: str) -> float:
    """Fração das palavras de conteúdo (sem stopwords, sem acento) da definição que aparecem na resposta."""
    stop = stopwords_pt(with_unaccented=True)
    wanted = {w for w in re.findall(r"\w+", normalize(definition)) if w not in stop and len(w) > 2}
    if not wanted:
        return 0.0
    return len(wanted & set(re.findall(r"\w+", normalize(answer)))) / len(wanted)


def score(reference: dict, answer: str) -> dict[str, float]:
    """Todas as métricas de uma resposta, dada a linha de referência (``resposta``, ``ingles``, ``capitulo``…)."""
    match = FORMAT.match(answer.strip())
    return {
        "rouge_l": rouge_l(reference["resposta"], answer),
        "formato": float(bool(match)),
        "ingles": float(normalize(reference["ingles"]) in normalize(answer)),
        "capitulo": float(bool(match) and int(match.group("cap")) == int(reference["capitulo"])),
        "palavras_chave": keyword_recall(reference["definicao"], answer),
        "portugues": float(guess_language(answer) == "pt"),
    }


def summarize(predictions: pd.DataFrame) -> pd.DataFrame:
    """Média de cada métrica por sistema, na ordem em que os sistemas aparecem."""
    order = list(dict.fromkeys(predictions["sistema"]))
    table = predictions.groupby("sistema", sort=False)[list(METRICS)].mean().reindex(order).reset_index()
    table.insert(1, "perguntas", predictions.groupby("sistema", sort=False).size().reindex(order).to_numpy())
    return table.round(3)
