import re

import pytest

from shared import models
from shared.subwords import pieces_per_word, tokenizer_stats, train_wordpiece_pair


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


# --- pieces_per_word: palavras medidas no contexto, pelos offsets dos tokens ---------------------------------

def test_pieces_per_word_counts_each_token_for_its_word():
    text = "muito bom"
    spans = [(0, 2), (2, 5), (5, 9)]  # "mu" "ito" " bom": o token com o espaço antes é da palavra seguinte
    assert pieces_per_word(text, spans) == [2, 1]


def test_pieces_per_word_gives_a_lone_space_token_to_the_next_word():
    # SentencePiece: "▁" sozinho antes de "9" (como no Gemma); BPE em bytes: "Ġ" sozinho antes de "1".
    text = "R$ 99"
    spans = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]  # R, $, ▁, 9, 9
    assert pieces_per_word(text, spans) == [2, 3]  # o "▁" abre "99", não aumenta "R$"


def test_pieces_per_word_with_double_space_and_shared_spans():
    text = "ok  😍"
    spans = [(0, 2), (2, 4), (4, 5), (4, 5)]  # "ok", "  ", e o emoji em dois tokens de bytes
    assert pieces_per_word(text, spans) == [1, 3]


def test_pieces_per_word_word_broken_in_three():
    text = "não inconstitucional"
    spans = [(0, 3), (3, 6), (6, 12), (12, 20)]  # " inc" "onstit" "ucional"
    assert pieces_per_word(text, spans) == [1, 3]


def test_tokenizer_stats_in_context_differs_from_alone():
    # Um tokenizador que separa o espaço como token próprio: sozinha, "bom" é 1 pedaço; no texto, 2.
    def tokenize(text):
        return re.findall(r" |[^ ]+", text)

    def offsets(text):
        return [m.span() for m in re.finditer(r" |[^ ]+", text)]

    alone = tokenizer_stats(tokenize, ["muito bom"])
    in_context = tokenizer_stats(tokenize, ["muito bom"], offsets=offsets)
    assert alone["palavras em 3+ pedaços (%)"] == 0
    assert in_context["palavras em 3+ pedaços (%)"] == 0
    three = tokenizer_stats(lambda t: ["a", "b", "c"], ["xyz"], offsets=lambda t: [(0, 1), (1, 2), (2, 3)])
    assert three["palavras em 3+ pedaços (%)"] == 100


def test_in_context_measure_with_real_byte_level_bpe():
    smol = models.load_tokenizer("smollm2-135m-instruct")
    text = "Chegou rápido"

    def offsets(t):
        return smol(t, return_offsets_mapping=True, add_special_tokens=False)["offset_mapping"]

    counts = pieces_per_word(text, offsets(text))
    assert sum(counts) == len(smol.tokenize(text))  # cada token conta para exatamente uma palavra
    assert counts[1] == len(smol.tokenize(" rápido"))  # no contexto, com o espaço antes (Ġ)


# --- train_wordpiece_pair: o mesmo vocabulário, codificado por fusões (BPE) ou pelo maior prefixo ---------

CORPUS = ["banana bandana banal", "ananás nana", "cabana banana bala"] * 3


def test_wordpiece_pair_shares_the_vocabulary():
    bpe, wordpiece = train_wordpiece_pair(CORPUS, vocab_size=40)
    assert bpe.get_vocab() == wordpiece.get_vocab()
    vocab = wordpiece.get_vocab()
    assert "[UNK]" in vocab and "##a" in vocab and "b" in vocab
    assert not any(chr(0xF0000) <= c for tok in vocab for c in tok)  # nenhum caractere de marcação sobrou


def test_wordpiece_pair_matches_the_library_trainer_without_ties():
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, trainers
    from tokenizers import models as tok_models

    texts = ["aaaa bbb cc d"] + ["aaaa"] * 7 + ["bbb"] * 4 + ["cc"] * 2  # contagens sem empates
    lib = Tokenizer(tok_models.WordPiece(unk_token="[UNK]"))
    lib.normalizer, lib.pre_tokenizer = normalizers.Lowercase(), pre_tokenizers.Whitespace()
    lib.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=12, special_tokens=["[UNK]"],
                                                             show_progress=False))
    _, wordpiece = train_wordpiece_pair(texts, vocab_size=12)
    assert set(wordpiece.get_vocab()) == set(lib.get_vocab())


def test_wordpiece_pair_is_reproducible():
    first = train_wordpiece_pair(CORPUS * 2, vocab_size=30)[1].get_vocab()
    for _ in range(3):
        assert train_wordpiece_pair(CORPUS * 2, vocab_size=30)[1].get_vocab() == first


def test_bpe_and_wordpiece_encode_differently_with_the_same_vocabulary():
    from tokenizers import Tokenizer
    from tokenizers import models as tok_models

    vocab = {"[UNK]": 0, "a": 1, "##b": 2, "##c": 3, "##bc": 4, "ab": 5}
    # BPE aplica as fusões na ordem: (##b, ##c) vem antes de (a, ##b), então "abc" → a + ##bc.
    bpe = Tokenizer(tok_models.BPE(vocab=vocab, merges=[("##b", "##c"), ("a", "##b")], unk_token="[UNK]",
                                   continuing_subword_prefix="##"))
    # WordPiece pega o maior prefixo que está no vocabulário: "ab", depois "##c".
    wp = Tokenizer(tok_models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    assert bpe.encode("abc").tokens == ["a", "##bc"]
    assert wp.encode("abc").tokens == ["ab", "##c"]


def test_wordpiece_pair_unknown_character_and_lowercase():
    _, wordpiece = train_wordpiece_pair(CORPUS, vocab_size=40)
    assert wordpiece.encode("BANANA").tokens == wordpiece.encode("banana").tokens
    assert wordpiece.encode("bxa").tokens == ["[UNK]"]  # WordPiece: a palavra inteira vira [UNK]


def test_wordpiece_pair_refuses_empty_and_private_use_text():
    with pytest.raises(ValueError, match="nenhuma palavra"):
        train_wordpiece_pair(["   "], vocab_size=10)
    with pytest.raises(ValueError, match="uso privado"):
        train_wordpiece_pair(["a\U000f0001b"], vocab_size=10)
