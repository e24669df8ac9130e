"""Métricas para comparar tokenizadores: fertilidade, tokens desconhecidos, palavras muito quebradas e ida e volta.

Um tokenizador aqui é só uma função ``texto -> lista de tokens``; assim o mesmo código mede espaços, NLTK,
tokenizadores treinados com a biblioteca ``tokenizers`` e os tokenizadores de modelos pré-treinados.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def tokenizer_stats(
    tokenize: Callable[[str], list[str]],
    texts: Iterable[str],
    unk_token: str | None = None,
    roundtrip: Callable[[str], str] | None = None,
) -> dict[str, float]:
    """Mede um tokenizador num conjunto de textos.

    - ``fertilidade``: tokens por palavra (palavras = pedaços separados por espaço);
    - ``desconhecidos (%)``: tokens iguais a ``unk_token``;
    - ``palavras em 3+ pedaços (%)``: cada palavra tokenizada sozinha;
    - ``ida e volta exata (%)``: textos que ``roundtrip`` (codificar e decodificar) devolve idênticos.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("Passe pelo menos um texto para medir o tokenizador.")
    words = [w for t in texts for w in t.split()]
    if not words:
        raise ValueError("Os textos não têm nenhuma palavra.")
    tokens = [tok for t in texts for tok in tokenize(t)]
    pieces = [len(tokenize(w)) for w in words]
    stats = {
        "palavras": len(words),
        "tokens": len(tokens),
        "fertilidade": len(tokens) / len(words),
        "desconhecidos (%)": 100 * sum(tok == unk_token for tok in tokens) / max(len(tokens), 1),
        "palavras em 3+ pedaços (%)": 100 * sum(p >= 3 for p in pieces) / len(words),
    }
    if roundtrip is not None:
        stats["ida e volta exata (%)"] = 100 * sum(roundtrip(t) == t for t in texts) / len(texts)
    return stats
