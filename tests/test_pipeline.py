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
    assert set(manifest["entradas"]) == {"etapa:maiusculas", "codigo:tests/test_pipeline.py::_count"}
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


def test_optional_sources_are_hashed_when_the_config_has_them(tmp_path):
    (tmp_path / "cru.txt").write_text("um dois", encoding="utf-8")
    (tmp_path / "extra.txt").write_text("a", encoding="utf-8")
    steps = [Step("maiusculas", _upper, "x", sources=("dados.arquivo",), optional_sources=("dados.extra", "dados.outro"))]
    with_extra = Pipeline(steps, {"dados": {"arquivo": "cru.txt", "extra": "extra.txt"}}, tmp_path / "a", tmp_path)
    without = Pipeline(steps, {"dados": {"arquivo": "cru.txt"}}, tmp_path / "b", tmp_path)
    with_extra.run(verbose=False)
    without.run(verbose=False)
    assert "arquivo:extra.txt" in with_extra.manifest("maiusculas")["entradas"]
    assert "arquivo:extra.txt" not in without.manifest("maiusculas")["entradas"]
    (tmp_path / "extra.txt").write_text("b", encoding="utf-8")  # só quem lê o arquivo fica desatualizado
    assert with_extra.state("maiusculas") == (False, "entradas mudaram")
    assert without.state("maiusculas")[0]


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


ETAPAS = """
import json

from . import metricas

SUFFIX = "!"


def _shout(text):
    return text.upper()


def first(ctx):
    (ctx.out / "a.txt").write_text(_shout(ctx.source("cru.txt").read_text(encoding="utf-8")), encoding="utf-8")


def second(ctx):
    (ctx.out / "b.txt").write_text(ctx.input("primeira", "a.txt").read_text(encoding="utf-8") + SUFFIX, encoding="utf-8")


def third(ctx):
    text = ctx.input("segunda", "b.txt").read_text(encoding="utf-8")
    (ctx.out / "m.json").write_text(json.dumps(metricas.score(text)), encoding="utf-8")
"""
METRICAS = "def score(text):\n    return {'n': len(text)}\n"


@pytest.fixture
def package(tmp_path, monkeypatch):
    """Um pacote de etapas de verdade (etapas.py + metricas.py) numa pasta temporária, como o do capítulo 9."""
    import importlib
    import sys

    root = tmp_path / "codigo"
    (root / "etapas_teste").mkdir(parents=True)
    (root / "etapas_teste" / "__init__.py").write_text("", encoding="utf-8")
    (root / "etapas_teste" / "etapas.py").write_text(ETAPAS, encoding="utf-8")
    (root / "etapas_teste" / "metricas.py").write_text(METRICAS, encoding="utf-8")
    (tmp_path / "cru.txt").write_text("um dois", encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))

    def build():
        """Recarrega os módulos (como um processo novo faria) e monta o pipeline."""
        for name in ("etapas_teste.metricas", "etapas_teste.etapas"):
            if name in sys.modules:
                importlib.reload(sys.modules[name])
        etapas = importlib.import_module("etapas_teste.etapas")
        steps = [Step("primeira", etapas.first, "1"), Step("segunda", etapas.second, "2", after=("primeira",)),
                 Step("terceira", etapas.third, "3", after=("segunda",))]
        return Pipeline(steps, {}, tmp_path / "artefatos", tmp_path, code_roots=(root,))

    def edit(name, old, new):
        path = root / "etapas_teste" / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    yield build, edit
    for name in [m for m in sys.modules if m.startswith("etapas_teste")]:
        del sys.modules[name]


def _ran(pipe):
    return [o.step for o in pipe.run(verbose=False) if o.ran]


def test_editing_the_metrics_module_reruns_only_the_step_that_uses_it(package):
    build, edit = package
    assert _ran(build()) == ["primeira", "segunda", "terceira"]
    assert _ran(build()) == []
    edit("metricas.py", "len(text)", "len(text) * 2")
    pipe = build()
    assert pipe.state("terceira") == (False, "entradas mudaram")
    assert _ran(pipe) == ["terceira"]
    assert json.loads((pipe.artifacts / "terceira" / "m.json").read_text()) == {"n": 16}


def test_editing_one_step_reruns_it_and_its_dependants_only(package):
    build, edit = package
    build().run(verbose=False)
    edit("etapas.py", 'SUFFIX = "!"', 'SUFFIX = "?"')  # uma constante que só a segunda usa
    assert _ran(build()) == ["segunda", "terceira"]
    edit("etapas.py", "return text.upper()", "return text.upper().strip()")  # um auxiliar da primeira
    assert _ran(build()) == ["primeira"]  # a saída não mudou: as seguintes continuam em dia
    edit("etapas.py", "return text.upper().strip()", "return text.title()")
    assert _ran(build()) == ["primeira", "segunda", "terceira"]
    edit("etapas.py", "json.dumps(metricas.score(text))", "json.dumps(metricas.score(text), indent=1)")
    assert _ran(build()) == ["terceira"]


def test_code_hashes_skip_installed_libraries_and_follow_imports_inside_functions():
    from shared.pipeline import code_hashes

    def step(ctx):
        import pandas  # noqa: F401  (biblioteca instalada: fica de fora)

        from shared import fmt  # noqa: F401  (do projeto: o arquivo inteiro entra)

    keys = set(code_hashes(step))
    assert keys == {"codigo:tests/test_pipeline.py::test_code_hashes_skip_installed_libraries_and_follow_imports_inside_functions.<locals>.step",
                    "codigo:shared/fmt.py"}
