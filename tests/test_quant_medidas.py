"""As medidas novas do capítulo 4: NLL por token, divergência KL, o relógio do C e o reempacotamento."""

import math

import numpy as np
import pytest

from shared import llamacpp, quant


def test_token_nll_matches_perplexity_and_checks_sizes():
    rng = np.random.default_rng(0)
    logits, ids = rng.normal(size=(6, 11)), [3, 1, 4, 1, 5, 9]
    nll = quant.token_nll(logits, ids)
    assert nll.shape == (5,) and (nll > 0).all()
    assert quant.perplexity(logits, ids) == pytest.approx(math.exp(nll.mean()))
    # a posição i prevê o token i + 1 (não o próprio token i)
    assert nll[0] == pytest.approx(-quant.log_softmax(logits[0])[1])
    with pytest.raises(ValueError):
        quant.token_nll(logits[:5], ids)


def test_kl_is_zero_for_equal_positive_otherwise_and_matches_a_hand_value():
    p = quant.log_softmax(np.array([[0.0, 0.0], [2.0, -1.0]]))
    assert np.allclose(quant.kl_per_token(p, p), 0.0)
    q = np.log(np.array([[0.9, 0.1], [0.5, 0.5]]))
    kl = quant.kl_per_token(np.log(np.array([[0.5, 0.5], [0.5, 0.5]])), q)
    assert kl[0] == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1))
    assert kl[1] == pytest.approx(0.0)
    # KL não é simétrica: a referência vem primeiro
    assert quant.kl_per_token(q, p[:1].repeat(2, 0))[0] != pytest.approx(kl[0])
    with pytest.raises(ValueError, match="mesma forma"):
        quant.kl_per_token(p, p[:, :1])


def test_benchmark_keeps_nll_and_logprobs_when_asked():
    from tests.test_quant import tiny_llama

    engine = quant.HFEngine(name="mini", model=tiny_llama(), load_seconds=0.0)
    text = list(range(1, 20))
    result = quant.benchmark(engine, [[1, 2], [3, 4], [5, 6]], text, n_new=4, keep_logprobs=True)
    assert result.token_nll.shape == (len(text) - 1,)
    assert result.perplexity == pytest.approx(math.exp(result.token_nll.mean()))
    assert result.logprobs.shape == (len(text) - 1, 1024)
    assert np.allclose(np.exp(result.logprobs).sum(axis=1), 1.0, atol=1e-4)
    assert len(result.runs_gen_tps) == len(result.runs_prompt_tps) == 3 and result.runs_c_gen_tps == []
    assert quant.benchmark(engine, [[1, 2], [3, 4], [5, 6]], text, n_new=4).logprobs is None


def test_llama_cpp_engine_reads_the_c_clock_for_each_run():
    engine = quant.load_gguf_variant("Q4_1", threads=1, n_ctx=128)
    try:
        text = [1, 504, 3458, 282, 4649, 314, 253, 1345, 30]
        result = quant.benchmark(engine, [[1, 504, 3458], [1, 504], [1, 3458]], text, n_new=8)
        assert len(result.runs_c_gen_tps) == 3  # o aquecimento não entra
        # o C mede só a decodificação: nunca mais devagar que o relógio do Python, que inclui o wrapper
        for py, c in zip(result.runs_gen_tps, result.runs_c_gen_tps):
            assert 0.8 * py < c < 3 * py
    finally:
        engine.close()


@pytest.mark.parametrize("repack", [True, False])
def test_repack_flag_reaches_llama_cpp(repack):
    with llamacpp.captured_logs() as lines:
        engine = quant.load_gguf_variant("Q4_0", threads=1, n_ctx=64, repack=repack)
    engine.close()
    assert ("CPU_REPACK model buffer" in "".join(lines)) is repack


def test_model_gguf_names_and_shipped_types():
    assert quant.model_gguf("Q4_1") == quant.smollm2_gguf()
    assert quant.model_gguf("q4_k_m", "gemma3-270m").name == "gemma-3-270m-q4_k_m.gguf"
    f16 = quant.model_gguf("F16")
    assert f16.name == "SmolLM2-135M-Instruct.F16.gguf"
    assert set(quant.gguf_tensor_types(f16)) == {"F16", "F32"}


def test_gguf_header_reader_matches_the_gguf_package():
    import gguf

    path = quant.smollm2_gguf()
    ours = quant.gguf_tensor_infos(path)
    reference = gguf.GGUFReader(str(path)).tensors
    assert [t["tensor"] for t in ours] == [t.name for t in reference]
    assert [t["tipo"] for t in ours] == [t.tensor_type.name for t in reference]
    assert [t["bytes"] for t in ours] == [int(t.n_bytes) for t in reference]
    assert [t["pesos"] for t in ours] == [int(t.n_elements) for t in reference]
    assert [t["forma"] for t in ours] == [tuple(int(x) for x in t.shape) for t in reference]


def test_gguf_header_reader_rejects_other_files(tmp_path):
    fake = tmp_path / "x.gguf"
    fake.write_bytes(b"NOPE" + bytes(40))
    with pytest.raises(quant.QuantizationError, match="não é um arquivo GGUF"):
        quant.gguf_tensor_infos(fake)
