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
    assert smol.params == 134_515_008  # os pesos do GGUF do curso, somados
    assert sizing.weight_bytes(smol, "fp16") == 2 * smol.params
    assert sizing.weight_bytes(smol, "4 bits (Q4_0)") == pytest.approx(smol.params * 4.5 / 8)
    total = sizing.inference_bytes(smol, "fp16", context=1024)
    parts = sizing.weight_bytes(smol, "fp16") + sizing.kv_cache_bytes(smol, 1024) + sizing.compute_buffer_bytes(smol, 1024)
    assert total == parts


def test_parameter_counts_from_published_configs():
    """As contas que decidem "cabe ou não cabe": os artigos arredondam, a configuração não."""
    counts = {a.name: a.params for a in sizing.ARCHITECTURES}
    assert counts["LLaMA 7B"] == counts["Llama 2 7B"] == 6_738_415_616  # o mesmo tamanho: só o contexto muda
    assert round(counts["Llama 2 70B"] / 1e9, 2) == 68.98
    assert round(counts["Falcon 7B"] / 1e9, 2) == 6.92 and round(counts["BLOOM 176B"] / 1e9, 2) == 176.25
    assert sizing.get_architecture("Falcon 40B").kv_heads == 8 and sizing.get_architecture("Falcon 7B").kv_heads == 1


@pytest.mark.parametrize("name", ["SmolLM2-135M", "Llama 2 70B", "Falcon 7B", "Falcon 40B", "BLOOM 176B"])
def test_parameter_formula_equals_transformers_on_meta(name):
    arch = sizing.get_architecture(name)
    assert sizing.param_count(arch) == sizing.transformers_param_count(arch)


def test_compute_buffer_grows_with_context_only_without_flash_attention():
    llama = sizing.get_architecture("LLaMA 7B")
    # sem flash attention: 512 tokens × 32.768 posições × (32 cabeças + máscara) × 4 bytes ≈ 2,2 GB
    assert sizing.compute_buffer_bytes(llama, 32768) == 4 * 512 * 32768 * 33
    assert sizing.compute_buffer_bytes(llama, 32768, flash_attention=True) == 4 * 512 * 32000  # só os logits
    smol = sizing.get_architecture("SmolLM2-135M")
    assert sizing.compute_buffer_bytes(smol, 512) == 4 * 512 * 49152  # contexto curto: os logits mandam


def test_decode_ceiling():
    llama = sizing.get_architecture("LLaMA 7B")
    t4 = sizing.get_device("Colab T4 (16 GB)")
    ceiling = sizing.decode_ceiling_tps(llama, "4 bits (Q4_0)", t4.bandwidth, context=2048)
    assert ceiling == pytest.approx(320e9 / (llama.params * 4.5 / 8 + sizing.kv_cache_bytes(llama, 2048)))
    assert sizing.decode_ceiling_tps(llama, "fp16", t4.bandwidth) < ceiling


def test_memory_table_marks_what_fits():
    table = sizing.memory_table(context=2048).set_index(["modelo", "formato"])
    assert len(table) == len(sizing.ARCHITECTURES) * 3
    assert table.loc[("LLaMA 7B", "4 bits (Q4_0)"), "laptop (16 GB de RAM)"]
    assert not table.loc[("LLaMA 65B", "fp16"), "A100 (80 GB)"]
    assert table.loc[("LLaMA 65B", "4 bits (Q4_0)"), "A100 (80 GB)"]
    assert not table.loc[("BLOOM 176B", "4 bits (Q4_0)"), "A100 (80 GB)"]
    assert table["total (GB)"].gt(table["pesos (GB)"]).all()
    at_4k = sizing.memory_table([sizing.get_architecture("Llama 2 7B")], ["fp16"], context=4096).iloc[0]
    assert not at_4k["Colab T4 (16 GB)"]  # 15,9 GB não cabem nos 15 GB livres da T4


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
    with pytest.raises(KeyError, match="Opções"):
        sizing.get_device("Mac de 1 TB")
    with pytest.raises(ValueError, match="pelo menos 1"):
        sizing.kv_cache_bytes(sizing.ARCHITECTURES[0], 0)
