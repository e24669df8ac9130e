"""Vetores de frases guardados no cache do curso (para não codificar as mesmas avaliações de novo).

Fica fora de ``shared.models`` de propósito: o pipeline do capítulo 9 guarda o hash do código de cada
etapa, e as etapas importam ``shared.models``; um ajudante que elas não usam não deve desatualizar a trava.
"""

from __future__ import annotations

import hashlib

import numpy as np

from shared.models import get_spec, load_sentence_encoder
from shared.paths import cache_dir


def sentence_vectors(texts, name: str = "multilingual-e5-small", kind: str = "query") -> np.ndarray:
    """Vetores do codificador de frases ``name`` para ``texts``, guardados no cache do curso.

    Codificar mil avaliações com o e5 leva dezenas de segundos em 2 núcleos; a segunda vez lê o arquivo.
    A chave é o sha256 do modelo, do tipo (``"query"`` ou ``"passage"``) e dos textos: qualquer mudança
    calcula de novo. Um arquivo de cache ilegível é apagado e refeito, com um aviso.
    """
    import numpy as np

    if kind not in ("query", "passage"):
        raise ValueError(f"Tipo desconhecido: '{kind}'. Use 'query' ou 'passage' (os prefixos do e5).")
    texts = [str(t) for t in texts]
    key = hashlib.sha256("\n".join([get_spec(name).sha256, kind, *texts]).encode("utf-8")).hexdigest()[:20]
    path = cache_dir() / "vetores" / f"{name}-{kind}-{key}.npy"
    if path.exists():
        try:
            return np.load(path)
        except (OSError, ValueError):
            print(f"⚠️ cache de vetores ilegível ({path.name}): calculando de novo.")
            path.unlink(missing_ok=True)
    encoder = load_sentence_encoder(name)
    vectors = np.asarray(encoder.query(texts) if kind == "query" else encoder.passage(texts), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.rename(path)  # só aparece completo
    return vectors
