import pytest

from shared import models
from shared.subwords import tokenizer_stats


def test_stats_of_a_toy_tokenizer():
    def chars(s):
        return [c for c in s if c != " "]

    stats = tokenizer_stats(chars, ["ab cde", "f"], unk_token="e", roundtrip=lambda s: "".join(chars(s)))
    assert stats["palavras"] == 3 and stats["tokens"] == 6
    assert stats["fertilidade"] == 2.0
    assert stats["desconhecidos (%)"] == pytest.approx(100 / 6)
    assert stats["palavras em 3+ pedaços (%)"] == pytest.approx(100 / 3)
    assert stats["ida e volta exata (%)"] == 50.0


def test_whitespace_tokenizer_has_fertility_one():
    stats = tokenizer_stats(str.split, ["muito bom", "chegou rápido hoje"])
    assert stats["fertilidade"] == 1.0 and "ida e volta exata (%)" not in stats


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="pelo menos um texto"):
        tokenizer_stats(str.split, [])
    with pytest.raises(ValueError, match="nenhuma palavra"):
        tokenizer_stats(str.split, ["   "])


def test_pretrained_tokenizers_load():
    smol = models.load_tokenizer("smollm2-135m-instruct")
    assert len(smol) > 49_000
    text = "Não é ruim, é ótimo!"
    assert smol.decode(smol.encode(text, add_special_tokens=False)) == text
    minilm = models.load_tokenizer("all-minilm-l6-v2")
    assert minilm.tokenize("está") == ["est", "##a"]  # sem caixa e sem acentos
