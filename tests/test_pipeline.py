"""shared.pipeline: etapas com manifestos, pular o que está em dia, falhar sem perder nada."""

from __future__ import annotations

import json

import pytest

from shared.pipeline import MANIFEST, Pipeline, PipelineError, Step, combined_hash, config_hash, folder_hashes

CALLS: list[str] = []


def _upper(ctx):
    CALLS.append("maiusculas")
    text = ctx.source(ctx.config["dados"]["arquivo"]).read_text(encoding="utf-8")
    if "ERRO" in text:
        raise ValueError("linha com ERRO")
    (ctx.out / "texto.txt").write_text(text.upper(), encoding="utf-8")
    return {"caracteres": len(text)}


def _count(ctx):
    CALLS.append("contar")
    text = ctx.input("maiusculas", "texto.txt").read_text(encoding="utf-8")
    (ctx.out / "contagem.json").write_text(json.dumps({"n": len(text.split()) * ctx.config["conta"]["peso"]}))


STEPS = [
    Step("maiusculas", _upper, "põe em maiúsculas", sources=("dados.arquivo",), sections=("dados",)),
    Step("contar", _count, "conta palavras", after=("maiusculas",), sections=("conta",)),
]


@pytest.fixture
def setup(tmp_path):
    CALLS.clear()
    (tmp_path / "cru.txt").write_text("um dois três", encoding="utf-8")
    config = {"dados": {"arquivo": "cru.txt"}, "conta": {"peso": 1}}
    return Pipeline(STEPS, config, tmp_path / "artefatos", tmp_path), tmp_path


def test_first_run_writes_artifacts_and_manifests(setup):
    pipe, _ = setup
    outcomes = pipe.run(verbose=False)
    assert [o.ran for o in outcomes] == [True, True]
    assert (pipe.artifacts / "maiusculas" / "texto.txt").read_text(encoding="utf-8") == "UM DOIS TRÊS"
    manifest = pipe.manifest("contar")
    assert manifest["entradas"]["etapa:maiusculas"] == pipe.manifest("maiusculas")["saidas_hash"]
    assert set(manifest["entradas"]) == {"etapa:maiusculas", "codigo:test_pipeline.py"}
    assert manifest["saidas"] == folder_hashes(pipe.artifacts / "contar")
    assert pipe.manifest("maiusculas")["resumo"] == {"caracteres": 12}
    assert "arquivo:cru.txt" in pipe.manifest("maiusculas")["entradas"]


def test_unchanged_steps_are_skipped(setup):
    pipe, _ = setup
    pipe.run(verbose=False)
    CALLS.clear()
    outcomes = pipe.run(verbose=False)
    assert CALLS == [] and [o.ran for o in outcomes] == [False, False]
    assert [pipe.state(n) for n in pipe.order] == [(True, "em dia"), (True, "em dia")]


def test_changed_raw_file_reruns_everything_after_it(setup):
    pipe, base = setup
    pipe.run(verbose=False)
    (base / "cru.txt").write_text("um dois três quatro", encoding="utf-8")
    assert pipe.state("maiusculas") == (False, "entradas mudaram")
    CALLS.clear()
    pipe.run(verbose=False)
    assert CALLS == ["maiusculas", "contar"]


def test_config_change_reruns_only_the_steps_that_use_it(setup):
    pipe, _ = setup
    pipe.run(verbose=False)
    pipe.config["conta"]["peso"] = 2
    CALLS.clear()
    pipe.run(verbose=False)
    assert CALLS == ["contar"]
    assert json.loads((pipe.artifacts / "contar" / "contagem.json").read_text())["n"] == 6


def test_hand_edited_artifact_is_detected(setup):
    pipe, _ = setup
    pipe.run(verbose=False)
    (pipe.artifacts / "maiusculas" / "texto.txt").write_text("mexido", encoding="utf-8")
    assert pipe.state("maiusculas") == (False, "artefatos alterados à mão")


def test_failing_step_names_itself_and_keeps_the_previous_artifact(setup):
    pipe, base = setup
    pipe.run(verbose=False)
    before = folder_hashes(pipe.artifacts / "maiusculas")
    (base / "cru.txt").write_text("um ERRO aqui", encoding="utf-8")
    with pytest.raises(PipelineError, match="etapa 'maiusculas'.*ValueError: linha com ERRO"):
        pipe.run(verbose=False)
    assert folder_hashes(pipe.artifacts / "maiusculas") == before
    assert (pipe.artifacts / "maiusculas" / MANIFEST).exists()
    assert not list(pipe.artifacts.glob(".*.tmp"))


def test_missing_dependency_and_missing_raw_file_are_clear(setup):
    pipe, base = setup
    with pytest.raises(PipelineError, match="etapa 'contar'.*falta o artefato da etapa 'maiusculas'.*python -m pipeline maiusculas"):
        pipe.run(["contar"], verbose=False)
    (base / "cru.txt").unlink()
    with pytest.raises(PipelineError, match="etapa 'maiusculas'.*cru.txt.*não encontrado"):
        pipe.run(verbose=False)
    with pytest.raises(PipelineError, match="etapa desconhecida"):
        pipe.run(["treinar"], verbose=False)


def test_trace_walks_back_to_the_raw_file(setup):
    pipe, _ = setup
    pipe.run(verbose=False)
    trace = pipe.trace("contar")
    assert [row["etapa"] for row in trace] == ["contar", "maiusculas"]
    assert "arquivo:cru.txt" in trace[1]["entradas"]


def test_hashes_depend_on_content_and_chosen_sections():
    assert combined_hash({"a": "1"}) != combined_hash({"a": "2"})
    config = {"x": {"v": 1}, "y": {"v": 1}}
    changed = {"x": {"v": 1}, "y": {"v": 2}}
    assert config_hash(config, ("x",)) == config_hash(changed, ("x",))
    assert config_hash(config, ("y",)) != config_hash(changed, ("y",))
