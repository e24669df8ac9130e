"""Testes de data/avaliacoes: formato, divisões, variedade, quase-duplicatas e erros do carregador."""

import itertools
import re
from collections import Counter

import pandas as pd
import pytest

from shared import data

FLOORS = {  # fração mínima de avaliações com cada tipo de bagunça (medido: ver DATASHEET.md)
    "emojis": 0.015,
    "risadas (kkkk, rsrs)": 0.02,
    "gírias e abreviações (vc, pq, mto)": 0.02,
    "sem acento (nao, otimo)": 0.02,
    "CAIXA ALTA": 0.01,
    "letras repetidas (muuuito)": 0.03,
    "pontuação repetida (!!!)": 0.015,
    "preços (R$ 1.299,90)": 0.02,
    "datas (12/03)": 0.01,
    "URLs": 0.008,
    "e-mails": 0.005,
    "números de pedido/protocolo": 0.008,
    "entidades HTML (&amp;)": 0.008,
    "negação (não, nem, nunca)": 0.15,
    "contraste (mas, porém)": 0.10,
}


@pytest.fixture(scope="module")
def reviews():
    return data.load_reviews(view="all")


def test_schema_and_types(reviews):
    assert list(reviews.columns[: len(data.COLUMNS)]) == data.COLUMNS
    assert len(reviews) >= 1200
    assert reviews["review_id"].is_unique
    assert reviews["overall_rating"].dtype.kind == "i"
    assert reviews["overall_rating"].between(1, 5).all()
    assert set(reviews["recommend_to_a_friend"]) == {"Yes", "No"}
    for col in ["product_name", "product_brand", "site_category_lv1", "review_title", "review_text"]:
        assert (reviews[col].str.strip() != "").all(), col


def test_rating_distribution_is_skewed_positive(reviews):
    shares = reviews["overall_rating"].value_counts(normalize=True)
    assert shares.idxmax() == 5
    assert shares[[4, 5]].sum() > 0.5
    assert shares[1] > shares[2]  # o "J" das lojas on-line: mais notas 1 que 2
    assert all(shares[r] >= 0.05 for r in range(1, 6))


def test_split_proportions_and_every_rating_in_every_split(reviews):
    shares = reviews["split"].value_counts(normalize=True)
    for split, expected in data.SPLIT_FRACTIONS.items():
        assert abs(shares[split] - expected) < 0.02, split
    table = pd.crosstab(reviews["split"], reviews["overall_rating"])
    assert (table > 0).all().all()


def test_splits_file_is_reproducible(reviews):
    raw = data.validate_reviews(pd.read_csv(data.reviews_dir() / "avaliacoes.csv", dtype={"review_id": str}))
    expected = data.make_splits(raw)
    published = reviews.set_index("review_id")["split"]
    assert (published.loc[raw["review_id"]].to_numpy() == expected.to_numpy()).all()


def test_make_splits_depends_on_seed(reviews):
    assert not data.make_splits(reviews, seed=1).equals(data.make_splits(reviews, seed=2))
    with pytest.raises(ValueError, match="somar 1"):
        data.make_splits(reviews, fractions={"train": 0.8, "validation": 0.1, "test": 0.2})


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_no_near_duplicates(reviews):
    grams = [set(zip(w, w[1:], w[2:], strict=False)) for w in map(_words, reviews["review_text"])]
    worst = (0.0, None)
    for i, j in itertools.combinations(range(len(grams)), 2):
        a, b = grams[i], grams[j]
        if a and b:
            jac = len(a & b) / len(a | b)
            if jac > worst[0]:
                worst = (jac, (reviews["review_id"][i], reviews["review_id"][j]))
    assert worst[0] <= 0.5, f"quase-duplicata: {worst}"


def test_no_opening_shared_by_more_than_2_percent(reviews):
    openings = Counter(" ".join(_words(t)[:4]) for t in reviews["review_text"])
    opening, count = openings.most_common(1)[0]
    assert count <= 0.02 * len(reviews), (opening, count)


def test_variety_floors(reviews):
    assert reviews["site_category_lv1"].nunique() >= 8
    assert reviews["product_brand"].nunique() >= 30
    assert reviews["product_name"].nunique() >= 200
    words = data.word_counts(reviews["review_text"])
    assert words.min() >= 2 and words.max() >= 100 and words.median() >= 12
    assert (words >= 60).sum() >= 5
    shares = data.mess_shares(reviews).set_index("tipo")["fração"]
    for kind, floor in FLOORS.items():
        assert shares[kind] >= floor, f"{kind}: {shares[kind]:.3f} < {floor}"


def test_neutral_and_disagreeing_reviews_exist(reviews):
    assert (reviews["overall_rating"] == 3).mean() >= 0.08
    n = len(data.rating_disagreements(reviews))
    assert 3 <= n <= 0.05 * len(reviews)


def test_views_and_labels():
    binary = data.load_reviews("train")
    assert 3 not in set(binary["overall_rating"])
    assert (binary["label"] == (binary["overall_rating"] >= 4)).all()
    three = data.load_reviews("test", view="3class")
    assert set(three["label"]) == {0, 1, 2}
    assert (three.loc[three["overall_rating"] == 3, "label_name"] == "neutro").all()
    assert set(data.load_reviews("validation", view="all")["split"]) == {"validation"}


def test_as_dataset():
    ds = data.load_reviews("validation", as_dataset=True)
    assert {"review_text", "label", "split"} <= set(ds.column_names)
    assert len(ds) == len(data.load_reviews("validation"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="Divisão desconhecida"):
        data.load_reviews("treino")
    with pytest.raises(ValueError, match="Visão desconhecida"):
        data.load_reviews(view="5class")


# --- O carregador diante de cópias estragadas do arquivo ---------------------------------------


def _edit(folder, fn):
    path = folder / "avaliacoes.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df).to_csv(path, index=False)


def test_missing_file(reviews_copy):
    (reviews_copy / "avaliacoes.csv").unlink()
    with pytest.raises(FileNotFoundError, match="Não achei o arquivo de avaliações"):
        data.load_reviews(path=reviews_copy)


def test_missing_column(reviews_copy):
    _edit(reviews_copy, lambda df: df.drop(columns=["overall_rating"]))
    with pytest.raises(data.DatasetError, match="faltam as colunas overall_rating"):
        data.load_reviews(path=reviews_copy)


def _set_cell(folder, row: int, column: str, value: str) -> None:
    _edit(folder, lambda df: df.assign(**{column: df[column].where(df.index != row, value)}))


@pytest.mark.parametrize("bad", ["6", "0", "abc", "4.5", ""])
def test_rating_out_of_range(reviews_copy, bad):
    _set_cell(reviews_copy, 3, "overall_rating", bad)
    with pytest.raises(data.DatasetError, match="inteiro de 1 a 5.*AV"):
        data.load_reviews(path=reviews_copy)


def test_duplicate_ids(reviews_copy):
    _set_cell(reviews_copy, 5, "review_id", "AV0005")
    with pytest.raises(data.DatasetError, match="review_id repetido"):
        data.load_reviews(path=reviews_copy)


def test_bad_recommendation_value(reviews_copy):
    _set_cell(reviews_copy, 0, "recommend_to_a_friend", "Sim")
    with pytest.raises(data.DatasetError, match="'Yes' ou 'No'"):
        data.load_reviews(path=reviews_copy)


def test_incomplete_splits(reviews_copy):
    splits = pd.read_csv(reviews_copy / "splits.csv").iloc[:-3]
    splits.to_csv(reviews_copy / "splits.csv", index=False)
    with pytest.raises(data.DatasetError, match="não cobre 3"):
        data.load_reviews(path=reviews_copy)


def test_unknown_split_name(reviews_copy):
    splits = pd.read_csv(reviews_copy / "splits.csv")
    splits.loc[0, "split"] = "dev"
    splits.to_csv(reviews_copy / "splits.csv", index=False)
    with pytest.raises(data.DatasetError, match="divisões desconhecidas"):
        data.load_reviews(path=reviews_copy)


def test_b2w_loader_needs_internet(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConnectionError, match="load_reviews"):
        data.load_b2w()


def test_english_reviews_file():
    df = pd.read_csv(data.data_dir() / "reviews_en" / "reviews_en.csv")
    assert list(df.columns) == ["review_id", "overall_rating", "review_text"]
    assert len(df) >= 60 and df["review_id"].is_unique
    assert df["overall_rating"].between(1, 5).all() and df["overall_rating"].nunique() == 5
    grams = [set(zip(w, w[1:], w[2:])) for w in map(_words, df["review_text"])]
    for a, b in itertools.combinations([g for g in grams if g], 2):
        assert len(a & b) / len(a | b) <= 0.5


def test_review_title_pairs_use_the_customers_own_titles():
    pairs = data.review_title_pairs("validation", n=5)
    again = data.review_title_pairs("validation", n=5)
    assert list(pairs.columns) == ["prompt", "answer", "review_text"] and len(pairs) == 5
    assert pairs.equals(again)  # amostra fixa
    reviews = data.load_reviews("validation", view="all").set_index("review_text")
    for _, row in pairs.iterrows():
        assert row["prompt"].startswith(data.TITLE_INSTRUCTION) and row["review_text"] in row["prompt"]
        assert row["answer"] == reviews.loc[row["review_text"], "review_title"].strip()
    with pytest.raises(ValueError, match="avaliações"):
        data.review_title_pairs("test", n=10_000)
