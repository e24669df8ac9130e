"""NLP clássico em português: normalização, limpeza, tokenização simples, stopwords e n-gramas.

O capítulo 1 constrói cada peça à mão e mostra o que ela faz; aqui fica a versão testada que os outros
capítulos (2, 5, 9) reutilizam.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

# Marcadores que substituem entidades. Têm a forma <nome> e a tokenização os mantém inteiros.
URL, EMAIL, PRICE, DATE, NUMBER, LAUGH = "<url>", "<email>", "<preco>", "<data>", "<num>", "<riso>"

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s]+?(?=[.,!?;:)\]]*(?:\s|$))"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|gov|edu)(?:\.br)?\b(?:/[^\s]*?(?=[.,!?;:)\]]*(?:\s|$)))?",
    re.IGNORECASE,
)
PRICE_RE = re.compile(
    r"R\$\s*\d+(?:\.\d{3})*(?:,\d{1,2})?(?:\s*(?:mil|reais))?"
    r"|\b\d+(?:\.\d{3})*(?:,\d{2})?\s*(?:reais|pila|conto)\b",
    re.IGNORECASE,
)
DATE_RE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")
NUMBER_RE = re.compile(r"\b\d+(?:[.,]\d+)*(?:º|ª)?")
LAUGH_RE = re.compile(
    r"\b(?:k{3,}|(?:rs){2,}r?|(?:ha){2,}h?|(?:he){2,}h?|(?:hua){2,}|(?:ks){2,}k?)\b", re.IGNORECASE
)
REPEATED_LETTER_RE = re.compile(r"([^\W\d_])\1{2,}")
REPEATED_PUNCT_RE = re.compile(r"([!?.,;:])\1+")
TOKEN_RE = re.compile(r"<[a-z_]+>|\w+|[^\w\s]")
SPACES_RE = re.compile(r"\s+")


def normalize_unicode(text: str, form: str = "NFC") -> str:
    """Normaliza o Unicode (``NFC`` junta letra + acento num caractere; ``NFD`` separa)."""
    if form not in {"NFC", "NFD", "NFKC", "NFKD"}:
        raise ValueError(f"Forma Unicode desconhecida: '{form}'. Use NFC, NFD, NFKC ou NFKD.")
    return unicodedata.normalize(form, text)


def strip_accents(text: str) -> str:
    """Remove acentos e cedilha: decompõe (NFD), descarta as marcas combinantes e recompõe (NFC)."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept)


def unescape_html(text: str) -> str:
    """Troca entidades HTML (``&amp;``, ``&quot;``, ``&#39;``) pelos caracteres que representam."""
    return html.unescape(text)


def replace_emails(text: str, token: str = EMAIL) -> str:
    """Troca endereços de e-mail por um marcador."""
    return EMAIL_RE.sub(token, text)


def replace_urls(text: str, token: str = URL) -> str:
    """Troca endereços web (``https://...``, ``www...``, ``loja.com.br``) por um marcador."""
    return URL_RE.sub(token, text)


def replace_prices(text: str, token: str = PRICE) -> str:
    """Troca preços (``R$ 1.299,90``, ``R$50``, ``200 reais``) por um marcador."""
    return PRICE_RE.sub(token, text)


def replace_dates(text: str, token: str = DATE) -> str:
    """Troca datas no formato brasileiro (``12/03``, ``12/03/2024``) por um marcador."""
    return DATE_RE.sub(token, text)


def replace_numbers(text: str, token: str = NUMBER) -> str:
    """Troca os números que sobraram (quantidades, pedidos, modelos) por um marcador."""
    return NUMBER_RE.sub(token, text)


def replace_laughter(text: str, token: str = LAUGH) -> str:
    """Troca risadas escritas (``kkkk``, ``rsrs``, ``hahaha``) por um marcador."""
    return LAUGH_RE.sub(token, text)


def squeeze_repeats(text: str) -> str:
    """Encurta letras repetidas 3+ vezes (``muuuito`` → ``muito``) e pontuação repetida (``!!!`` → ``!``)."""
    text = REPEATED_LETTER_RE.sub(r"\1", text)
    return REPEATED_PUNCT_RE.sub(r"\1", text)


def emojis_to_text(text: str, language: str = "pt") -> str:
    """Troca cada emoji por um marcador com seu nome (👍 → ``<polegar_para_cima>``)."""
    import emoji

    def name(chars: str, data: dict) -> str:
        label = emoji.demojize(chars, language=language)
        if label == chars:  # sem nome nesse idioma
            label = data.get("en", ":emoji:")
        label = unicodedata.normalize("NFC", label.strip(":")).lower()
        label = re.sub(r"\W+", "_", strip_accents(label)).strip("_")
        return f" <{label}> "

    return SPACES_RE.sub(" ", emoji.replace_emoji(text, replace=name)).strip()


def remove_emojis(text: str) -> str:
    """Remove os emojis do texto."""
    import emoji

    return SPACES_RE.sub(" ", emoji.replace_emoji(text, replace=" ")).strip()


def normalize_spaces(text: str) -> str:
    """Junta espaços, tabulações e quebras de linha em um só espaço."""
    return SPACES_RE.sub(" ", text).strip()


def simple_tokenize(text: str) -> list[str]:
    """Tokeniza em palavras, sinais de pontuação e marcadores ``<...>`` (sem nada a baixar)."""
    return TOKEN_RE.findall(text)


def stopwords_pt(keep: Iterable[str] = (), with_unaccented: bool = False) -> set[str]:
    """Stopwords do português (lista ISO do pacote ``stopwordsiso``).

    ``keep``: palavras a tirar da lista (com e sem acento: manter "não" também mantém "nao").
    ``with_unaccented``: acrescenta a forma sem acentos de cada palavra, para texto já sem acentos.
    """
    try:
        import stopwordsiso
    except ImportError as err:
        raise ImportError(
            "A lista de stopwords vem do pacote 'stopwordsiso'. Instale com `pip install stopwordsiso` "
            "ou rode `make lab` na raiz do curso."
        ) from err
    words = set(stopwordsiso.stopwords("pt"))
    if with_unaccented:
        words |= {strip_accents(w) for w in words}
    keep = set(keep)
    return words - keep - {strip_accents(w) for w in keep}


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """Os n-gramas (sequências de ``n`` tokens vizinhos) de uma lista de tokens."""
    if n < 1:
        raise ValueError(f"n deve ser pelo menos 1, não {n}.")
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def vocabulary(token_lists: Iterable[list[str]]) -> Counter:
    """Contagem de cada token distinto num conjunto de textos já tokenizados."""
    counts: Counter = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    return counts


# A limpeza do curso, passo a passo e em ordem. Cada passo recebe e devolve texto.
CLEANING_STEPS: list[tuple[str, Callable[[str], str]]] = [
    ("entidades HTML", unescape_html),
    ("Unicode NFC", normalize_unicode),
    ("minúsculas", str.lower),
    ("e-mails e URLs", lambda t: replace_urls(replace_emails(t))),
    ("preços, datas e números", lambda t: replace_numbers(replace_dates(replace_prices(t)))),
    ("emojis", emojis_to_text),
    ("risadas e repetições", lambda t: squeeze_repeats(replace_laughter(t))),
    ("sem acentos", strip_accents),
    ("espaços", normalize_spaces),
]


def clean(text: str, upto: str | None = None) -> str:
    """Aplica os passos de :data:`CLEANING_STEPS` em ordem (até o passo ``upto``, inclusive)."""
    names = [name for name, _ in CLEANING_STEPS]
    if upto is not None and upto not in names:
        raise ValueError(f"Passo desconhecido: '{upto}'. Passos: {', '.join(names)}.")
    for name, step in CLEANING_STEPS:
        text = step(text)
        if name == upto:
            break
    return text
