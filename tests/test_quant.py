import math
import os

import numpy as np
import pytest
import torch

from shared import quant


def tiny_llama(tie: bool = True):
    """Um Llama minúsculo com pesos aleatórios, construído da configuração (sem baixar nada)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=1024, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=tie,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


# --- GGUF ------------------------------------------------------------------------------------------


def test_requantize_missing_input(tmp_path):
    with pytest.raises(quant.QuantizationError, match="não encontrado"):
        quant.requantize_gguf(tmp_path / "nada.gguf", tmp_path / "out.gguf", "Q4_0")
    assert list(tmp_path.iterdir()) == []


def test_requantize_rejects_non_gguf_and_leaves_nothing(tmp_path):
    fake = tmp_path / "modelo.gguf"
    fake.write_text("isto não é um modelo")
    with pytest.raises(quant.QuantizationError, match="não é um arquivo GGUF"):
        quant.requantize_gguf(fake, tmp_path / "out.gguf", "Q4_0")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modelo.gguf"]


def test_requantize_unknown_type_and_same_path(tmp_path):
    src = quant.smollm2_gguf("Q4_1")
    with pytest.raises(quant.QuantizationError, match="desconhecido"):
        quant.requantize_gguf(src, tmp_path / "out.gguf", "Q3_X")
    with pytest.raises(quant.QuantizationError, match="próprio arquivo"):
        quant.requantize_gguf(src, src, "Q8_0")


def test_requantize_to_q8_0(tmp_path):
    out = quant.requantize_gguf(quant.smollm2_gguf("Q4_1"), tmp_path / "q8.gguf", "Q8_0")
    assert quant.is_gguf(out)
    types = quant.gguf_tensor_types(out)
    assert types.get("Q8_0", 0) > 200 and "Q4_1" not in types
    assert not (tmp_path / "q8.gguf.parcial").exists()
    # 8,5 bits por peso contra 5 do Q4_1: o arquivo cresce
    assert quant.gguf_tensor_bytes(out) > 1.3 * quant.gguf_tensor_bytes(quant.smollm2_gguf("Q4_1"))


def test_shipped_gguf_is_q4_1_with_q8_0_embeddings():
    types = quant.gguf_tensor_types(quant.smollm2_gguf())
    assert types["Q4_1"] == 210 and types["Q8_0"] == 1


def test_silence_c_output_hides_fd_writes(capfd):
    with quant.silence_c_output():
        os.write(2, b"ruido do C\n")
        os.write(1, b"mais ruido\n")
    os.write(1, b"depois\n")
    out, err = capfd.readouterr()
    assert "ruido" not in out + err and "depois" in out


# --- contas ----------------------------------------------------------------------------------------


def test_perplexity_of_uniform_and_certain_predictions():
    ids = [1, 2, 3, 0]
    assert quant.perplexity(np.zeros((4, 10)), ids) == pytest.approx(10.0)
    certain = np.full((4, 10), -30.0)
    for i, nxt in enumerate(ids[1:]):
        certain[i, nxt] = 30.0
    assert quant.perplexity(certain, ids) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError):
        quant.perplexity(np.zeros((3, 10)), ids)


def test_log_softmax_is_stable():
    out = quant.log_softmax(np.array([[1000.0, 1000.0]]))
    assert np.allclose(out, math.log(0.5))


def test_agreement():
    assert quant.agreement([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    with pytest.raises(ValueError):
        quant.agreement([1, 2], [1, 2, 3])


def test_ceiling_and_bandwidth():
    assert quant.ceiling_tokens_per_second(20.0, 500_000_000) == pytest.approx(40.0)
    with pytest.raises(ValueError):
        quant.ceiling_tokens_per_second(20.0, 0)
    with pytest.raises(ValueError, match="64 MB"):
        quant.memory_bandwidth(size_mb=8)
    assert 0.5 < quant.memory_bandwidth(size_mb=64, repeat=3) < 2000


def test_bytes_read_per_token_counts_tied_output_once():
    tied, untied = tiny_llama(tie=True), tiny_llama(tie=False)
    emb = 1024 * 32 * 4
    overhead = 16_000  # o formato do torch.save acrescenta alguns KB de cabeçalho por arquivo
    params_tied = sum(p.numel() for p in tied.parameters()) * 4
    # amarrado: a tabela é lida inteira pela saída, então só a cópia de entrada some (e ela é a mesma)
    assert abs(quant.bytes_read_per_token(tied) - params_tied) < overhead
    assert abs(quant.weight_bytes(tied) - params_tied) < overhead
    # separado: a tabela de entrada sai da conta, a de saída fica
    assert abs(quant.weight_bytes(untied) - quant.bytes_read_per_token(untied) - emb) < overhead / 4


# --- motores e medição ------------------------------------------------------------------------------


def test_benchmark_with_tiny_hf_model():
    engine = quant.HFEngine(name="mini", model=tiny_llama(), load_seconds=0.0)
    prompts = [[1, 2, 3], [4, 5, 6, 7], [8, 9]]
    text = list(range(1, 30))
    result = quant.benchmark(engine, prompts, text, n_new=5)
    assert [len(g) for g in result.generations] == [5, 5, 5]
    assert result.gen_tps > 0 and result.prompt_tps > 0
    assert 1.0 < result.perplexity < 5000  # modelo aleatório: perto do tamanho do vocabulário (1024)
    assert result.text_argmax.shape == (len(text) - 1,)
    # gulosa é determinística: a mesma variante concorda 100% consigo mesma
    again = quant.benchmark(engine, prompts, text, n_new=5)
    assert again.generations == result.generations
    assert quant.agreement(again.text_argmax, result.text_argmax) == 1.0


def test_benchmark_needs_three_prompts():
    engine = quant.HFEngine(name="mini", model=tiny_llama(), load_seconds=0.0)
    with pytest.raises(ValueError, match="3 prompts"):
        quant.benchmark(engine, [[1, 2]], [1, 2, 3])


def test_llama_cpp_engine_matches_its_own_greedy_tokens():
    engine = quant.load_gguf_variant("Q4_1", threads=1, n_ctx=128)
    try:
        prompts = [[1, 504, 3458, 282], [1, 504, 3458], [1, 504]]
        text = [1, 504, 3458, 282, 4649, 314, 253, 1345, 30]
        result = quant.benchmark(engine, prompts, text, n_new=4)
        assert [len(g) for g in result.generations] == [4, 4, 4]
        assert 1.0 < result.perplexity < 50_000
        # a geração gulosa e o argmax dos logits do texto concordam no 1º token depois do prompt
        first = engine.logits(prompts[0])[-1].argmax()
        assert result.generations[0][0] == first
    finally:
        engine.close()


def test_load_hf_variant_rejects_unknown_and_cpu_fp16():
    with pytest.raises(ValueError, match="desconhecida"):
        quant.load_hf_variant("int3")
    with pytest.raises(ValueError, match="GPU"):
        quant.load_hf_variant("fp16")


def test_llama_cpp_generation_never_ends_early():
    """Como o min_new_tokens do transformers: o fim de texto é proibido, a rodada tem sempre n tokens."""
    from shared import generation, models

    tokenizer = models.load_tokenizer("smollm2-135m-instruct")
    ids = generation.chat_ids(tokenizer, "Reply with one word: yes or no?")[0].tolist()
    engine = quant.load_gguf_variant("Q4_1", threads=1, n_ctx=256)
    try:
        free = engine.llm.create_completion(ids, max_tokens=40, temperature=0.0)
        assert free["choices"][0]["finish_reason"] == "stop"  # sozinho, o modelo para cedo
        tokens, times = engine.generate(ids, 40)
        assert len(tokens) == len(times) == 40
        assert engine.llm.token_eos() not in tokens
    finally:
        engine.close()
