"""Busca no glossário para o RAG do projeto final: o verbete mais parecido com a pergunta.

TF-IDF de n-gramas de caracteres (``scikit-learn``) sobre o termo e o nome em inglês de cada verbete:
n-gramas de caracteres toleram acentos, plural e siglas ("quantização" × "quantizar"). A pergunta perde o
molde "O que é …?" antes da busca, para que só o termo conte.
"""

from __future__ import annotations

import re

from shared.prompts import normalize

QUESTION_FRAME = re.compile(r"^\s*o que (?:é|e|são|sao)\s+(?:(?:o|a|os|as|um|uma)\s+)?(?P<termo>.+?)\s*\??\s*$", re.I)
CONTEXT_PROMPT = "Trecho do glossário do curso:\n{trecho}\n\n{pergunta}"


def term_of(question: str) -> str:
    """O termo de uma pergunta "O que é X?"; outra pergunta qualquer volta inteira."""
    match = QUESTION_FRAME.match(question)
    return match.group("termo") if match else question


class GlossarySearch:
    """Índice dos verbetes (pelos campos ``fields``); :meth:`top` devolve os ``k`` mais parecidos com uma pergunta."""

    def __init__(self, entries: list[dict], fields: tuple[str, ...] = ("termo", "ingles")):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not entries:
            raise ValueError("O índice da busca precisa de pelo menos um verbete.")
        self.entries = entries
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([normalize(" ".join(e[f] for f in fields)) for e in entries])

    def top(self, question: str, k: int = 1) -> list[dict]:
        """Os ``k`` verbetes de maior similaridade de cosseno com o termo da pergunta, do mais parecido ao menos."""
        query = self.vectorizer.transform([normalize(term_of(question))])
        similarity = (self.matrix @ query.T).toarray().ravel()
        return [self.entries[i] for i in similarity.argsort()[::-1][:k]]


def with_context(question: str, passage: str) -> str:
    """A pergunta com um trecho do glossário antes dela: o prompt do RAG."""
    return CONTEXT_PROMPT.format(trecho=passage, pergunta=question)
