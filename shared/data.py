"""Conjuntos de dados do curso: ``data/avaliacoes`` (local, offline) e o B2W-Reviews01 (Hub, nível GPU).

O ``data/avaliacoes`` tem as mesmas colunas do B2W-Reviews01, então o mesmo código lê os dois.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from shared.paths import data_dir

COLUMNS = [
    "review_id",
    "product_name",
    "product_brand",
    "site_category_lv1",
    "review_title",
    "review_text",
    "overall_rating",
    "recommend_to_a_friend",
]
SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = {"train": 0.70, "validation": 0.15, "test": 0.15}
SPLIT_SEED = 2024
VIEWS = ("all", "binary", "3class")
LABELS_BINARY = {0: "negativo", 1: "positivo"}
LABELS_3CLASS = {0: "negativo", 1: "neutro", 2: "positivo"}
B2W_HUB_ID = "ruanchaves/b2w-reviews01"


class DatasetError(ValueError):
    """O arquivo de dados existe, mas está fora do formato esperado."""


def reviews_dir() -> Path:
    """Pasta ``data/avaliacoes``."""
    return data_dir() / "avaliacoes"


def validate_reviews(df: pd.DataFrame, source: str = "avaliacoes.csv") -> pd.DataFrame:
    """Confere colunas, ids únicos, textos não vazios e notas de 1 a 5; devolve o DataFrame com tipos certos."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DatasetError(
            f"{source}: faltam as colunas {', '.join(missing)}. As colunas esperadas são: {', '.join(COLUMNS)}."
        )
    ratings = pd.to_numeric(df["overall_rating"], errors="coerce")
    bad = df.loc[ratings.isna() | ~ratings.isin([1, 2, 3, 4, 5]), "review_id"].tolist()
    if bad:
        shown = ", ".join(map(str, bad[:5]))
        raise DatasetError(
            f"{source}: overall_rating deve ser um inteiro de 1 a 5; {len(bad)} linha(s) fora disso "
            f"(review_id {shown}). Corrija essas linhas ou baixe de novo o arquivo original."
        )
    dup = df.loc[df["review_id"].duplicated(), "review_id"].tolist()
    if dup:
        raise DatasetError(
            f"{source}: review_id repetido ({', '.join(map(str, dup[:5]))}). Cada id deve ser único."
        )
    empty = df.loc[df["review_text"].fillna("").str.strip() == "", "review_id"].tolist()
    if empty:
        raise DatasetError(f"{source}: review_text vazio em {len(empty)} linha(s) (review_id {empty[:5]}).")
    rec = set(df["recommend_to_a_friend"].dropna().unique()) - {"Yes", "No"}
    if rec:
        raise DatasetError(
            f"{source}: recommend_to_a_friend só pode ser 'Yes' ou 'No' (achei {sorted(rec)})."
        )
    out = df.copy()
    out["overall_rating"] = ratings.astype(int)
    return out


def make_splits(
    df: pd.DataFrame, seed: int = SPLIT_SEED, fractions: dict[str, float] | None = None
) -> pd.Series:
    """Divisão treino/validação/teste estratificada pela nota, reprodutível pela semente.

    Dentro de cada nota, embaralha as avaliações e corta nas frações pedidas (70/15/15 por padrão).
    Devolve uma Series ``split`` indexada como ``df``.
    """
    fractions = fractions or SPLIT_FRACTIONS
    if set(fractions) != set(SPLITS) or abs(sum(fractions.values()) - 1) > 1e-9:
        raise ValueError(f"As frações devem cobrir {SPLITS} e somar 1 (recebi {fractions}).")
    rng = np.random.default_rng(seed)
    split = pd.Series(index=df.index, dtype=object)
    for _, group in df.groupby("overall_rating", sort=True):
        idx = group.index.to_numpy().copy()
        rng.shuffle(idx)
        n = len(idx)
        n_val = int(round(n * fractions["validation"]))
        n_test = int(round(n * fractions["test"]))
        split.loc[idx[:n_test]] = "test"
        split.loc[idx[n_test : n_test + n_val]] = "validation"
        split.loc[idx[n_test + n_val :]] = "train"
    return split


def add_labels(df: pd.DataFrame, view: str) -> pd.DataFrame:
    """Acrescenta ``label`` e ``label_name`` conforme a visão: ``binary`` (sem as notas 3), ``3class`` ou ``all``."""
    if view not in VIEWS:
        raise ValueError(f"Visão desconhecida: '{view}'. Use uma de: {', '.join(VIEWS)}.")
    rating = df["overall_rating"]
    out = df.copy()
    if view == "binary":
        out = out[rating != 3].copy()
        out["label"] = (out["overall_rating"] >= 4).astype(int)
        out["label_name"] = out["label"].map(LABELS_BINARY)
    elif view == "3class":
        out["label"] = np.select([rating <= 2, rating == 3], [0, 1], default=2)
        out["label_name"] = out["label"].map(LABELS_3CLASS)
    return out


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(
            f"Não achei {what} em {path}. Confira se você está no repositório do curso completo "
            "(git clone) ou passe o caminho certo em `path=`."
        )
    return pd.read_csv(path, dtype={"review_id": str}, keep_default_na=False, na_values=[""])


def load_reviews(
    split: str | None = None,
    view: str = "binary",
    path: str | Path | None = None,
    as_dataset: bool = False,
):
    """Carrega ``data/avaliacoes`` com a divisão fixa e os rótulos da visão pedida.

    - ``split``: ``"train"``, ``"validation"``, ``"test"`` ou ``None`` (todas, com a coluna ``split``).
    - ``view``: ``"binary"`` (1–2 negativo, 4–5 positivo, notas 3 fora), ``"3class"`` (com neutro) ou ``"all"``.
    - ``as_dataset``: devolve um ``datasets.Dataset`` em vez de um DataFrame.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"Divisão desconhecida: '{split}'. Use uma de: {', '.join(SPLITS)} (ou None).")
    folder = Path(path) if path is not None else reviews_dir()
    df = validate_reviews(_read_csv(folder / "avaliacoes.csv", "o arquivo de avaliações"), "avaliacoes.csv")
    splits = _read_csv(folder / "splits.csv", "o arquivo de divisões")
    if list(splits.columns) != ["review_id", "split"]:
        raise DatasetError("splits.csv: as colunas devem ser exatamente review_id, split.")
    unknown = set(splits["split"]) - set(SPLITS)
    if unknown:
        raise DatasetError(f"splits.csv: divisões desconhecidas {sorted(unknown)}; use {', '.join(SPLITS)}.")
    df = df.merge(splits, on="review_id", how="left", validate="one_to_one")
    orphans = df.loc[df["split"].isna(), "review_id"].tolist()
    if orphans:
        raise DatasetError(
            f"splits.csv não cobre {len(orphans)} avaliação(ões) (review_id {orphans[:5]}). "
            "Regere as divisões com `python -m shared.data`."
        )
    return _finish(df, split, view, as_dataset)


TITLE_INSTRUCTION = "Escreva um título curto para esta avaliação de produto."


def review_title_pairs(split: str, n: int | None = None, seed: int = 2024) -> pd.DataFrame:
    """Um conjunto pequeno de instruções em português tirado de ``data/avaliacoes``: pedir um título para a
    avaliação e responder com o título que o próprio cliente escreveu.

    Colunas ``prompt`` e ``answer``; com ``n``, uma amostra fixa de ``n`` linhas.
    """
    df = load_reviews(split, view="all")
    if n is not None:
        if n > len(df):
            raise ValueError(f"A divisão '{split}' tem {len(df)} avaliações; pedi {n}.")
        df = df.sample(n, random_state=seed).reset_index(drop=True)
    prompts = [f"{TITLE_INSTRUCTION}\nAvaliação: {text}" for text in df["review_text"]]
    return pd.DataFrame({"prompt": prompts, "answer": df["review_title"].str.strip(), "review_text": df["review_text"]})


def _finish(df: pd.DataFrame, split: str | None, view: str, as_dataset: bool):
    df = add_labels(df, view)
    if split is not None:
        df = df[df["split"] == split]
    df = df.reset_index(drop=True)
    if as_dataset:
        from datasets import Dataset

        return Dataset.from_pandas(df, preserve_index=False)
    return df


def load_b2w(
    split: str | None = None, view: str = "binary", as_dataset: bool = False, limit: int | None = None
):
    """Carrega o B2W-Reviews01 do Hub (nível GPU/internet) com a mesma divisão e os mesmos rótulos.

    Precisa de internet: no nível CPU use :func:`load_reviews`.
    """
    from shared import env

    if not env.hub_reachable():
        raise ConnectionError(
            f"O B2W-Reviews01 ({B2W_HUB_ID}) vem do Hugging Face Hub, que não está acessível aqui. "
            "Rode esta parte com internet (por exemplo, no Colab) ou use `load_reviews()`, que é local."
        )
    from datasets import load_dataset

    raw = load_dataset(B2W_HUB_ID, split="train").to_pandas()
    raw = raw.reset_index(names="review_id")
    raw["review_id"] = raw["review_id"].astype(str)
    raw = raw.dropna(subset=["review_text", "overall_rating"])
    raw = raw[raw["review_text"].str.strip() != ""]
    if limit is not None:
        raw = raw.sample(n=min(limit, len(raw)), random_state=SPLIT_SEED)
    df = validate_reviews(raw[COLUMNS], B2W_HUB_ID)
    df["split"] = make_splits(df)
    return _finish(df, split, view, as_dataset)


def write_splits(folder: Path | None = None) -> Path:
    """Gera ``splits.csv`` a partir de ``avaliacoes.csv`` com a semente fixa e devolve o caminho."""
    folder = folder or reviews_dir()
    df = validate_reviews(_read_csv(folder / "avaliacoes.csv", "o arquivo de avaliações"))
    out = pd.DataFrame({"review_id": df["review_id"], "split": make_splits(df)})
    path = folder / "splits.csv"
    out.to_csv(path, index=False, lineterminator="\n")
    return path


# Os tipos de "bagunça" de texto real que o capítulo 1 limpa, com o padrão que os detecta.
MESS_PATTERNS: dict[str, str] = {
    "emojis": r"[\U0001F300-\U0001FAFF\u2600-\u27BF]",
    "risadas (kkkk, rsrs)": r"(?i)\b(?:k{3,}|(?:rs){2,}r?|(?:ha){2,}h?|(?:hua){2,})\b",
    "gírias e abreviações (vc, pq, mto)": r"(?i)\b(?:vc|vcs|pq|mto|mt|msm|tbm|blz|dms|dmais|hj|td|mds|trampo|top)\b",
    "sem acento (nao, otimo)": r"(?i)\b(?:nao|voce|otimo|otima|pessimo|rapido|rapida|facil|tambem|horrivel|incrivel|unica|unico|preco|familia)\b",
    "CAIXA ALTA": r"(?:\b[A-ZÁÉÍÓÚÂÊÔÃÕÇ]{2,}\b\W+){2,}\b[A-ZÁÉÍÓÚÂÊÔÃÕÇ]{2,}\b",
    "letras repetidas (muuuito)": r"([^\W\d_])\1{2,}",
    "pontuação repetida (!!!)": r"[!?]{2,}",
    "preços (R$ 1.299,90)": r"R\$\s*\d",
    "datas (12/03)": r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    "URLs": r"(?i)https?://|www\.|\b[\w-]+\.com(?:\.br)?/",
    "e-mails": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "números de pedido/protocolo": r"(?i)(?:pedido|protocolo)\s*(?:n[º°o]\.?\s*|#|número\s*)?\d{5,}|#\d{6,}",
    "entidades HTML (&amp;)": r"&[a-z]+;|&#\d+;",
    "negação (não, nem, nunca)": r"(?i)\b(?:não|nao|nem|nunca)\b",
    "contraste (mas, porém)": r"(?i)\b(?:mas|porém|porem|só que)\b",
}


def word_counts(texts: pd.Series) -> pd.Series:
    """Número de palavras (sequências de letras/dígitos) de cada texto."""
    return texts.str.count(r"\w+")


def mess_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Para cada tipo de bagunça de :data:`MESS_PATTERNS`: quantas avaliações o têm e a fração."""
    rows = []
    for kind, pattern in MESS_PATTERNS.items():
        compiled = re.compile(pattern)
        hits = df["review_text"].map(lambda s, p=compiled: p.search(s) is not None)
        rows.append({"tipo": kind, "avaliações": int(hits.sum()), "fração": round(float(hits.mean()), 4)})
    return pd.DataFrame(rows)


def rating_disagreements(df: pd.DataFrame) -> pd.DataFrame:
    """Avaliações cuja nota contradiz a recomendação (nota 4–5 sem recomendar, ou 1–2 recomendando)."""
    high_no = (df["overall_rating"] >= 4) & (df["recommend_to_a_friend"] == "No")
    low_yes = (df["overall_rating"] <= 2) & (df["recommend_to_a_friend"] == "Yes")
    return df[high_no | low_yes]


def describe_reviews(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """As tabelas da ficha técnica (DATASHEET.md): notas, divisões, categorias, comprimento e bagunça."""
    n = len(df)
    ratings = df["overall_rating"].value_counts().sort_index()
    notas = pd.DataFrame(
        {"nota": ratings.index, "avaliações": ratings.values, "fração": (ratings.values / n).round(3)}
    )
    splits = pd.crosstab(df["split"], df["overall_rating"]).reindex(list(SPLITS))
    splits.columns = [f"nota {c}" for c in splits.columns]
    splits.insert(0, "total", splits.sum(axis=1))
    splits.insert(1, "fração", (splits["total"] / n).round(3))
    splits = splits.reset_index().rename(columns={"split": "divisão"})
    cats = df.groupby("site_category_lv1").agg(
        avaliações=("review_id", "size"),
        produtos=("product_name", "nunique"),
        marcas=("product_brand", "nunique"),
        nota_média=("overall_rating", "mean"),
    )
    cats = cats.sort_values("avaliações", ascending=False).reset_index()
    cats = cats.rename(columns={"site_category_lv1": "categoria", "nota_média": "nota média"})
    cats["nota média"] = cats["nota média"].round(2)
    words = word_counts(df["review_text"])
    tokens = df["review_text"].str.lower().str.findall(r"\w+")
    vocab = {w for ws in tokens for w in ws}
    resumo = pd.DataFrame(
        [
            ("avaliações", n),
            ("categorias", df["site_category_lv1"].nunique()),
            ("produtos", df["product_name"].nunique()),
            ("marcas (fictícias)", df["product_brand"].nunique()),
            ("palavras no total", int(words.sum())),
            ("vocabulário (palavras distintas, minúsculas)", len(vocab)),
            ("palavras por avaliação: mínimo", int(words.min())),
            ("palavras por avaliação: mediana", float(words.median())),
            ("palavras por avaliação: média", round(float(words.mean()), 1)),
            ("palavras por avaliação: máximo", int(words.max())),
            ("avaliações com nota 4 ou 5", f"{(df['overall_rating'] >= 4).mean():.1%}"),
            ("recomendação que contradiz a nota", len(rating_disagreements(df))),
        ],
        columns=["medida", "valor"],
    )
    resumo["valor"] = resumo["valor"].astype(str)
    return {
        "avaliacoes-resumo": resumo,
        "avaliacoes-notas": notas,
        "avaliacoes-divisoes": splits,
        "avaliacoes-categorias": cats,
        "avaliacoes-bagunca": mess_shares(df),
    }


def write_statistics() -> list[Path]:
    """Grava as tabelas de :func:`describe_reviews` em ``results/`` e atualiza as tabelas dos Markdown."""
    from shared import bench, report

    df = load_reviews(view="all")
    paths = [
        bench.write_results(table, name, "Estatísticas de data/avaliacoes (ficha técnica)")
        for name, table in describe_reviews(df).items()
    ]
    report.update_all()
    return paths


def main(argv: list[str] | None = None) -> int:
    """Linha de comando: ``splits`` regera splits.csv; ``stats`` regera as tabelas da ficha técnica."""
    import argparse

    parser = argparse.ArgumentParser(description="Ferramentas de data/avaliacoes.")
    parser.add_argument("command", choices=["splits", "stats"])
    args = parser.parse_args(argv)
    if args.command == "splits":
        print(f"gravado: {write_splits()}")
    else:
        for path in write_statistics():
            print(f"gravado: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
