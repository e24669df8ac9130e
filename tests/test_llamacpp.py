"""llama.cpp no capítulo 7: logs, geração em fluxo, o GGUF por dentro e o script de quantização."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from shared import llamacpp, models, quant, sizing

SCRIPT = Path(__file__).resolve().parents[1] / "chapters" / "07-modelos-llama-e-llama-cpp" / "quantizar.py"


@pytest.fixture(scope="module")
def llm():
    model, sizes = llamacpp.open_model(models.gguf_path(), n_ctx=512)
    yield model, sizes
    model.close()


def test_log_sizes_are_parsed():
    lines = [
        "load_tensors:   CPU_Mapped model buffer size =    92.10 MiB\n",
        "llama_kv_cache: size =   45.00 MiB (  2048 cells,  30 layers,  1/1 seqs), K (f16): 22.50 MiB\n",
        "sched_reserve:        CPU compute buffer size =   99.38 MiB\n",
    ]
    assert llamacpp.log_sizes_mib(lines) == {"pesos": 92.1, "cache KV": 45.0, "buffer de cálculo": 99.38}
    assert llamacpp.log_sizes_mib(["nada aqui"]) == {}


def test_gguf_architecture_matches_the_calculator_row():
    from_file = llamacpp.architecture_from_gguf(models.gguf_path())
    row = sizing.get_architecture("SmolLM2-135M")
    for field in ("layers", "hidden", "heads", "kv_heads", "context"):
        assert getattr(from_file, field) == getattr(row, field), field
    assert from_file.params == pytest.approx(row.params, rel=1e-3)


def test_kv_cache_reported_by_llama_cpp_equals_the_formula(llm):
    _, sizes = llm
    arch = llamacpp.architecture_from_gguf(models.gguf_path())
    assert sizes["cache KV"] * 2**20 == sizing.kv_cache_bytes(arch, 512)
    assert sizes["pesos"] > 0 and sizes["buffer de cálculo"] > 0


def test_tensor_table_counts_and_bits():
    table = llamacpp.tensor_table(models.gguf_path())
    assert table["tipo"].value_counts().to_dict() == quant.gguf_tensor_types(models.gguf_path())
    assert set(table.loc[table["tipo"] == "Q4_1", "bits por peso"]) == {5.0}  # 4 bits + escala e mínimo fp16 / 32
    assert set(table.loc[table["tipo"] == "Q8_0", "bits por peso"]) == {8.5}
    assert table["camada"].dropna().max() == 29
    meta = llamacpp.gguf_metadata(models.gguf_path())
    assert meta["general.architecture"] == "llama" and meta["llama.block_count"] == 30


def test_stream_plain_and_chat(llm):
    model, _ = llm
    plain = llamacpp.stream(model, prompt="The capital of France is", max_tokens=8)
    assert plain.text == "".join(plain.pieces) and plain.generated_tokens == len(plain.pieces) > 0
    assert plain.first_token_seconds > 0 and plain.prompt_tps > 0
    again = llamacpp.stream(model, prompt="The capital of France is", max_tokens=8)
    assert again.text == plain.text  # guloso: sempre igual
    chat = llamacpp.stream(model, messages=[{"role": "user", "content": "Say hi."}], max_tokens=8)
    template = llamacpp.chat_prompt(model, [{"role": "user", "content": "Say hi."}])
    assert template.startswith("<|im_start|>system") and template.endswith("<|im_start|>assistant\n")
    assert chat.prompt_tokens > plain.prompt_tokens and chat.text
    with pytest.raises(ValueError, match="um dos dois"):
        llamacpp.stream(model, max_tokens=4)


def test_open_model_rejects_a_non_gguf(tmp_path):
    fake = tmp_path / "modelo.gguf"
    fake.write_text("não sou um GGUF")
    with pytest.raises(FileNotFoundError, match="não é um GGUF"):
        llamacpp.open_model(fake)


def test_busy_cores_starts_and_stops_processes():
    import psutil

    before = {p.pid for p in psutil.Process().children()}
    with llamacpp.busy_cores(1):
        during = {p.pid for p in psutil.Process().children()} - before
        assert len(during) == 1
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in during)


def run_script(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_script_quantizes_a_good_input(tmp_path):
    done = run_script("--tipos", "Q4_0", "--saida", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "SmolLM2-135M-Instruct.Q4_0.gguf"
    assert quant.is_gguf(out) and "Q4_0" in done.stdout
    assert quant.gguf_tensor_types(out).get("Q4_0", 0) > 0
    assert "F16:" in done.stdout  # a origem é o modelo em F16, escrito antes de quantizar
    assert set(quant.gguf_tensor_types(tmp_path / "SmolLM2-135M-Instruct.F16.gguf")) == {"F16", "F32"}
    assert not list(tmp_path.glob("*.parcial"))


def test_script_errors_leave_nothing_behind(tmp_path):
    missing = run_script(str(tmp_path / "nao-existe.gguf"), "--saida", str(tmp_path / "saida"))
    assert missing.returncode == 2 and "não encontrado" in missing.stderr
    text = tmp_path / "texto.gguf"
    text.write_text("isto não é um modelo")
    wrong = run_script(str(text), "--saida", str(tmp_path / "saida"))
    assert wrong.returncode == 2 and "não é um arquivo GGUF" in wrong.stderr
    unknown = run_script("--tipos", "Q9_9", "--saida", str(tmp_path / "saida"))
    assert unknown.returncode == 2 and "desconhecido" in unknown.stderr
    assert not (tmp_path / "saida").exists() or not any((tmp_path / "saida").iterdir())


def test_quantize_and_measure_table(tmp_path):
    table = llamacpp.quantize_and_measure(models.gguf_path(), ["Q8_0"], tmp_path)
    assert list(table["tipo"]) == ["origem (SmolLM2-135M-Instruct.Q4_1.gguf)", "Q8_0"]
    q8 = table.iloc[1]
    assert q8["bits por peso"] > table.iloc[0]["bits por peso"]
    assert q8["arquivo (MB)"] > table.iloc[0]["arquivo (MB)"]
    assert all(math.isfinite(v) and v > 1 for v in table["perplexidade"])
    assert (table["geração (tok/s)"] > 0).all()


def test_f16_source_has_the_same_tensors_and_values(tmp_path):
    """O GGUF F16 escrito pelo pacote gguf: os mesmos tensores e metadados, os valores desquantizados."""
    import gguf
    import numpy as np

    src = models.gguf_path()
    dst = llamacpp.write_f16_gguf(src, tmp_path / "smol.F16.gguf")
    before, after = llamacpp.tensor_table(src), llamacpp.tensor_table(dst)
    assert list(before["tensor"]) == list(after["tensor"]) and list(before["pesos"]) == list(after["pesos"])
    assert set(after["tipo"]) == {"F16", "F32"} and not list(tmp_path.glob("*.parcial"))
    meta = llamacpp.gguf_metadata(dst)
    assert meta["general.architecture"] == "llama" and meta["llama.block_count"] == 30
    original = {t.name: t for t in gguf.GGUFReader(src).tensors}["blk.0.attn_q.weight"]
    written = {t.name: t for t in gguf.GGUFReader(dst).tensors}["blk.0.attn_q.weight"]
    expected = gguf.quants.dequantize(original.data, original.tensor_type).astype(np.float16)
    assert np.array_equal(np.asarray(written.data).reshape(expected.shape), expected)
    llm, _ = llamacpp.open_model(dst, n_ctx=256, threads=1)  # o llama.cpp abre e gera
    assert llm.create_completion("The capital of France is", max_tokens=4, temperature=0)["choices"][0]["text"]
    llm.close()
