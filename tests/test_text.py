import pytest

from shared import text


def test_unicode_nfc_vs_nfd():
    composed = "ação"
    decomposed = text.normalize_unicode(composed, "NFD")
    assert composed != decomposed and len(decomposed) == len(composed) + 2
    assert text.normalize_unicode(decomposed, "NFC") == composed
    with pytest.raises(ValueError, match="NFC"):
        text.normalize_unicode("x", "XYZ")


def test_strip_accents_keeps_letters():
    assert text.strip_accents("Ação, pé, órgão, coração, ÇÃO") == "Acao, pe, orgao, coracao, CAO"


def test_html_entities():
    assert text.unescape_html("Custo &amp; benefício &quot;top&quot;") == 'Custo & benefício "top"'


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("veja https://loja.com.br/x?id=3.", "veja <url>."),
        ("site www.exemplo.com.br, ok", "site <url>, ok"),
        ("em loja.com.br/ajuda!", "em <url>!"),
    ],
)
def test_replace_urls(raw, expected):
    assert text.replace_urls(raw) == expected


def test_replace_emails_before_urls():
    assert (
        text.replace_urls(text.replace_emails("mande para sac@loja.com.br hoje")) == "mande para <email> hoje"
    )


@pytest.mark.parametrize(
    "raw",
    ["R$ 1.299,90", "R$50", "R$ 7.999,00", "200 reais", "R$ 2 mil"],
)
def test_replace_prices(raw):
    assert text.replace_prices(f"paguei {raw} nele") == "paguei <preco> nele"


def test_dates_then_numbers():
    s = text.replace_numbers(text.replace_dates("pedido 48213377 feito em 02/03/2024, chegou 10/03"))
    assert s == "pedido <num> feito em <data>, chegou <data>"


@pytest.mark.parametrize("laugh", ["kkkk", "KKKKKK", "rsrs", "rsrsrs", "hahaha", "huahuahua"])
def test_laughter(laugh):
    assert text.replace_laughter(f"muito bom {laugh} recomendo") == "muito bom <riso> recomendo"


def test_laughter_keeps_real_words():
    assert text.replace_laughter("kg de arroz e rs no carro") == "kg de arroz e rs no carro"


def test_squeeze_repeats_letters_and_punctuation():
    assert text.squeeze_repeats("muuuuito booom!!!! carro ok???") == "muito bom! carro ok?"


def test_emojis_to_named_tokens_and_removal():
    assert text.emojis_to_text("amei 👍") == "amei <polegar_para_cima>"
    assert text.remove_emojis("top 🔥🔥 demais") == "top demais"


def test_simple_tokenize_keeps_markers_whole():
    assert text.simple_tokenize("paguei <preco>, amei!") == ["paguei", "<preco>", ",", "amei", "!"]


def test_stopwords_and_keep():
    sw = text.stopwords_pt()
    assert {"de", "que", "o", "não", "nao"} <= sw  # a lista ISO já mistura formas com e sem acento
    kept = text.stopwords_pt(keep={"não"})
    assert "não" not in kept and "nao" not in kept
    assert "so" not in sw and "so" in text.stopwords_pt(with_unaccented=True)


def test_ngrams():
    assert text.ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert text.ngrams(["a"], 2) == []
    with pytest.raises(ValueError):
        text.ngrams(["a"], 0)


def test_vocabulary_counts():
    vocab = text.vocabulary([["a", "b"], ["a"]])
    assert vocab["a"] == 2 and len(vocab) == 2


def test_full_cleaning_pipeline():
    raw = "MUUUITO BOM!!! Paguei R$ 1.299,90 em 12/03 &amp; chegou kkkk 😍 sac@x.com.br"
    cleaned = text.clean(raw)
    assert (
        cleaned
        == "muito bom! paguei <preco> em <data> & chegou <riso> <rosto_sorridente_com_olhos_de_coracao> <email>"
    )
    assert text.clean(raw, upto="minúsculas").startswith("muuuito bom!!!")
    with pytest.raises(ValueError, match="Passos"):
        text.clean(raw, upto="inexistente")
