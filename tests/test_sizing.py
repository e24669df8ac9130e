import pytest

from shared import sizing


def test_kv_cache_formula_by_hand():
    llama = sizing.get_architecture("LLaMA 7B")
    # 2 (K e V) × 32 camadas × 32 cabeças × 128 dimensões × 2048 posições × 2 bytes = 1 GiB
    assert sizing.kv_cache_bytes(llama, 2048) == 2**30
    assert sizing.kv_cache_bytes(llama, 2048, batch=4) == 4 * 2**30
    # GQA e MQA encolhem o cache na proporção das cabeças KV
    llama2_70 = sizing.get_architecture("Llama 2 70B")
    assert sizing.kv_cache_bytes(llama2_70, 4096) == 2 * 80 * 8 * 128 * 4096 * 2
    falcon = sizing.get_architecture("Falcon 7B")
    assert falcon.head_dim == 64 and sizing.kv_cache_bytes(falcon, 2048) == 2 * 32 * 1 * 64 * 2048 * 2


def test_weights_and_total():
    smol = sizing.get_architecture("SmolLM2-135M")
    assert sizing.weight_bytes(smol, "fp16") == pytest.approx(2 * 134.5e6)
    assert sizing.weight_bytes(smol, "4 bits (Q4_0)") == pytest.approx(134.5e6 * 4.5 / 8)
    total = sizing.inference_bytes(smol, "fp16", context=1024, overhead=0.0)
    assert total == sizing.weight_bytes(smol, "fp16") + sizing.kv_cache_bytes(smol, 1024)
    assert sizing.inference_bytes(smol, "fp16", 1024, overhead=0.5) == pytest.approx(1.5 * total)


def test_memory_table_marks_what_fits():
    table = sizing.memory_table(context=2048).set_index(["modelo", "formato"])
    assert len(table) == len(sizing.ARCHITECTURES) * 3
    assert table.loc[("LLaMA 7B", "4 bits (Q4_0)"), "laptop (16 GB de RAM)"]
    assert not table.loc[("LLaMA 65B", "fp16"), "A100 (80 GB)"]
    assert table.loc[("LLaMA 65B", "4 bits (Q4_0)"), "A100 (80 GB)"]
    assert not table.loc[("BLOOM 176B", "4 bits (Q4_0)"), "A100 (80 GB)"]
    assert table["total (GB)"].gt(table["pesos (GB)"]).all()


def test_every_architecture_is_consistent_and_cited():
    for arch in sizing.ARCHITECTURES:
        assert arch.hidden % arch.heads == 0, arch.name
        assert arch.heads % arch.kv_heads == 0, arch.name
        assert arch.source, arch.name


def test_clear_errors():
    with pytest.raises(KeyError, match="Opções"):
        sizing.get_architecture("GPT-5")
    with pytest.raises(KeyError, match="Opções"):
        sizing.weight_bytes(sizing.ARCHITECTURES[0], "fp8")
    with pytest.raises(ValueError, match="pelo menos 1"):
        sizing.kv_cache_bytes(sizing.ARCHITECTURES[0], 0)
