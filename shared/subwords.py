"""Subpalavras: métricas para comparar tokenizadores e um WordPiece treinado de forma reprodutível.

Um tokenizador aqui é só uma função ``texto -> lista de tokens`` (e, opcionalmente, ``texto -> offsets``);
assim o mesmo código mede espaços, NLTK, tokenizadores treinados com a biblioteca ``tokenizers`` e os
tokenizadores de modelos pré-treinados.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable

# Primeiro código do plano 15 de uso privado do Unicode: nenhum texto do curso usa esses caracteres.
_PRIVATE_USE_START = 0xF0000
_PRIVATE_USE_SIZE = 0xFFFE


def pieces_per_word(text: str, spans: Iterable[tuple[int, int]]) -> list[int]:
    """Quantos tokens caem em cada palavra (pedaço entre espaços) de ``text``, dados os offsets dos tokens.

    Cada token conta para a palavra do seu primeiro caractere que não é espaço; um token feito só de espaço
    (o ``▁`` solto do SentencePiece, o ``Ġ`` solto do BPE em bytes) conta para a palavra seguinte, que é a
    que ele abre.
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = [start for start, _ in words]
    counts = [0] * len(words)
    for start, end in spans:
        pos = next((i for i in range(start, end) if not text[i].isspace()), end)
        k = bisect.bisect_right(starts, pos) - 1
        if k < 0 or pos >= words[k][1]:  # no espaço entre duas palavras: abre a seguinte
            k += 1
        if 0 <= k < len(words):
            counts[k] += 1
    return counts


def tokenizer_stats(
    tokenize: Callable[[str], list[str]],
    texts: Iterable[str],
    unk_token: str | None = None,
    roundtrip: Callable[[str], str] | None = None,
    offsets: Callable[[str], list[tuple[int, int]]] | None = None,
) -> dict[str, float]:
    """Mede um tokenizador num conjunto de textos.

    - ``fertilidade``: tokens por palavra (palavras = pedaços separados por espaço);
    - ``desconhecidos (%)``: tokens iguais a ``unk_token``;
    - ``palavras em 3+ pedaços (%)``: com ``offsets`` (texto → intervalos de caracteres de cada token), cada
      palavra é contada **no contexto** do texto, com o espaço que a precede; sem ``offsets``, cada palavra
      é tokenizada sozinha (o que, num BPE em bytes, a mede sem o espaço e a quebra mais do que no texto);
    - ``ida e volta exata (%)``: textos que ``roundtrip`` (codificar e decodificar) devolve idênticos.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("Passe pelo menos um texto para medir o tokenizador.")
    words = [w for t in texts for w in t.split()]
    if not words:
        raise ValueError("Os textos não têm nenhuma palavra.")
    tokens = [tok for t in texts for tok in tokenize(t)]
    if offsets is not None:
        pieces = [p for t in texts for p in pieces_per_word(t, offsets(t))]
    else:
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


def train_wordpiece_pair(texts: Iterable[str], vocab_size: int, unk_token: str = "[UNK]", prefix: str = "##"):
    """Treina o que o ``WordPieceTrainer`` treina e devolve ``(bpe, wordpiece)``: o mesmo vocabulário, dois modelos.

    O ``WordPieceTrainer`` da biblioteca ``tokenizers`` é um ``BpeTrainer`` com o prefixo ``##`` (fusões por
    frequência); o vocabulário resultante vira um modelo WordPiece. Só que a biblioteca numera os símbolos
    ``##x`` na ordem de um dicionário com hash aleatório, e essa numeração desempata as fusões: o vocabulário
    muda um pouco de uma execução para outra (issue huggingface/tokenizers#1794). Aqui cada caractere de
    continuação vira um caractere de uso privado do Unicode antes do treino (um símbolo à parte, como o
    ``##x``), os símbolos ganham uma ordem fixa e o resultado é sempre o mesmo. Depois os tokens voltam para a
    forma com ``##``.

    - ``bpe``: BPE com prefixo ``##`` que codifica aplicando as fusões na ordem aprendida;
    - ``wordpiece``: WordPiece com o mesmo vocabulário, que codifica pelo maior prefixo do vocabulário.
    Os dois passam o texto para minúsculas e pré-tokenizam com ``Whitespace`` (``\\w+|[^\\w\\s]+``).
    """
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, trainers
    from tokenizers import models as tok_models

    normalizer, pre_tokenizer = normalizers.Lowercase(), pre_tokenizers.Whitespace()
    words = [w for t in texts for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(t))]
    alphabet = sorted({c for w in words for c in w})
    if not alphabet:
        raise ValueError("Os textos não têm nenhuma palavra para treinar o tokenizador.")
    if len(alphabet) > _PRIVATE_USE_SIZE or any(ord(c) >= _PRIVATE_USE_START for c in alphabet):
        raise ValueError("Os textos usam caracteres de uso privado do Unicode (U+F0000 em diante); limpe-os antes.")
    mark = {c: chr(_PRIVATE_USE_START + i) for i, c in enumerate(alphabet)}
    unmark_char = {m: c for c, m in mark.items()}
    marked_words = [w[0] + "".join(mark[c] for c in w[1:]) for w in words]

    raw = Tokenizer(tok_models.BPE(unk_token=unk_token))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[unk_token], initial_alphabet=alphabet, show_progress=False
    )
    raw.train_from_iterator(marked_words, trainer)

    def unmark(token: str) -> str:
        if token == unk_token:
            return token
        if token[0] in unmark_char:  # começa no meio da palavra
            return prefix + "".join(unmark_char[c] for c in token)
        return token[0] + "".join(unmark_char[c] for c in token[1:])

    model = json.loads(raw.to_str())["model"]
    vocab = {unmark(tok): i for tok, i in model["vocab"].items()}
    merges = [(unmark(a), unmark(b)) for a, b in model["merges"]]

    bpe = Tokenizer(tok_models.BPE(vocab=vocab, merges=merges, unk_token=unk_token, continuing_subword_prefix=prefix))
    wordpiece = Tokenizer(tok_models.WordPiece(vocab=vocab, unk_token=unk_token, continuing_subword_prefix=prefix))
    for tok in (bpe, wordpiece):
        tok.normalizer = normalizers.Lowercase()
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.decoder = decoders.WordPiece(prefix=prefix)
    return bpe, wordpiece
