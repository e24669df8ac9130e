"""O llama-cpp-python do curso é o build portátil: sem AVX-512, sem AMX, sem -march=native."""

import platform
import subprocess
from pathlib import Path

from shared import llamacpp

ROOT = Path(__file__).resolve().parents[1]

# Saídas reais de llama_print_system_info(): o build portátil do curso e um build nativo num Xeon com AMX.
PORTABLE = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
NATIVE_AMX = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
    "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_system_info_is_parsed():
    features = llamacpp.compiled_cpu_features(PORTABLE)
    assert features["AVX2"] == "1" and features["REPACK"] == "1" and "AVX512" not in features
    assert llamacpp.compiled_cpu_features_text(PORTABLE).startswith("SSE3 SSSE3 AVX AVX2")


def test_portable_build_passes_and_native_builds_fail():
    assert llamacpp.portability_problems(llamacpp.compiled_cpu_features(PORTABLE), "x86_64") == []
    native = llamacpp.portability_problems(llamacpp.compiled_cpu_features(NATIVE_AMX), "x86_64")
    assert any("AMX_INT8" in p for p in native) and any(p.startswith("AVX512 ") for p in native)
    # um quase-acerto: só AVX-512 a mais (o -march=native numa AMD EPYC sem AMX) também reprova
    only_avx512 = PORTABLE.replace("BMI2 = 1 |", "BMI2 = 1 | AVX512 = 1 |")
    assert llamacpp.portability_problems(llamacpp.compiled_cpu_features(only_avx512), "x86_64")
    # e um build sem AVX2 (genérico demais, lento) também
    no_avx2 = PORTABLE.replace("AVX2 = 1", "AVX2 = 0")
    assert llamacpp.portability_problems(llamacpp.compiled_cpu_features(no_avx2), "x86_64") == ["falta AVX2 (o build portátil o usa)"]
    # em ARM, o build é o padrão da própria máquina: nada a conferir
    assert llamacpp.portability_problems(llamacpp.compiled_cpu_features(NATIVE_AMX), "arm64") == []


def test_installed_llama_cpp_is_the_portable_build():
    problems = llamacpp.portability_problems(llamacpp.compiled_cpu_features(), platform.machine())
    assert problems == [], (
        "O llama-cpp-python instalado não é o build portátil do curso: " + "; ".join(problems)
        + ". Reinstale com `bash scripts/install_llama_cpp.sh .venv/bin/python`."
    )


STUB = """#!{python}
# Um "python" de mentira para o script de instalação: anota cada chamada ao pip e finge compilar.
import json, os, subprocess, sys
args = sys.argv[1:]
if args[:1] == ["-c"]:
    sys.exit(subprocess.run([{python!r}, *args]).returncode)
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "cmake_args": os.environ.get("CMAKE_ARGS")}}) + "\\n")
if args[:3] == ["-m", "pip", "wheel"]:
    out = args[args.index("-w") + 1]
    open(os.path.join(out, "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"), "w").write("wheel")
"""


def run_install(tmp_path, cmake_args=None):
    """Roda scripts/install_llama_cpp.sh com o python de mentira; devolve (código de saída, chamadas ao pip)."""
    import json
    import os
    import sys

    stub = tmp_path / "python-de-mentira"
    stub.write_text(STUB.format(python=sys.executable))
    stub.chmod(0o755)
    log = tmp_path / "pip.log"
    log.write_text("")
    env = {**os.environ, "STUB_LOG": str(log), "LLM_ZTH_WHEELS": str(tmp_path / "wheels")}
    env.pop("CMAKE_ARGS", None)
    if cmake_args:
        env["CMAKE_ARGS"] = cmake_args
    done = subprocess.run(["bash", str(ROOT / "scripts" / "install_llama_cpp.sh"), str(stub)], env=env,
                          capture_output=True, text=True)  # fmt: skip
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return done, calls


def test_install_script_builds_portable_once_outside_the_pip_cache(tmp_path):
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return  # as opções portáteis são só de x86-64; em ARM o build é o padrão
    done, calls = run_install(tmp_path)
    assert done.returncode == 0, done.stderr
    build = [c for c in calls if c["args"][:3] == ["-m", "pip", "wheel"]]
    assert len(build) == 1 and "--no-cache-dir" in build[0]["args"] and "--no-binary" in build[0]["args"]
    assert "-DGGML_NATIVE=OFF" in build[0]["cmake_args"] and "-DGGML_AMX_INT8=OFF" in build[0]["cmake_args"]
    installs = [c["args"] for c in calls if c["args"][:3] == ["-m", "pip", "install"]]
    wheel = installs[0][-1]
    assert "--force-reinstall" in installs[0] and wheel.startswith(str(tmp_path / "wheels"))  # por caminho
    assert "GGML_NATIVE=OFF" in (Path(wheel).parent / "BUILD.txt").read_text(encoding="utf-8")
    # de novo: o wheel da pasta própria é reaproveitado, sem compilar
    done, calls = run_install(tmp_path)
    assert done.returncode == 0 and not [c for c in calls if c["args"][:3] == ["-m", "pip", "wheel"]]
    # outras opções (uma GPU, por exemplo) são outra chave: outro wheel, compilado à parte
    done, calls = run_install(tmp_path, "-DGGML_CUDA=on")
    assert [c["cmake_args"] for c in calls if c["args"][:3] == ["-m", "pip", "wheel"]][0].endswith("-DGGML_CUDA=on")
    assert len(list((tmp_path / "wheels").glob("llama-cpp-python-*"))) == 2


def test_install_script_refuses_options_that_undo_portability(tmp_path):
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return
    for bad in ("-DGGML_NATIVE=ON", "-DGGML_AVX512=on", "-DGGML_AVX512_BF16=ON", "-DGGML_AMX_INT8=ON"):
        done, calls = run_install(tmp_path, bad)
        assert done.returncode == 2 and "derrubam o llama.cpp" in done.stderr and calls == [], bad


def test_installed_wheel_came_from_the_course_build():
    # As instruções compiladas não denunciam um -march=native numa CPU sem AVX-512 (ficam iguais às do build
    # portátil); a origem do wheel denuncia: ele tem de vir da pasta do script, com GGML_NATIVE=OFF.
    import json
    from importlib.metadata import distribution
    from urllib.parse import unquote, urlparse

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return
    origin = distribution("llama-cpp-python").read_text("direct_url.json")
    assert origin, "llama-cpp-python sem direct_url.json: não foi instalado por scripts/install_llama_cpp.sh"
    wheel = Path(unquote(urlparse(json.loads(origin)["url"]).path))
    build = wheel.parent / "BUILD.txt"
    assert build.exists(), f"{wheel} não veio de scripts/install_llama_cpp.sh (falta {build})"
    assert "-DGGML_NATIVE=OFF" in build.read_text(encoding="utf-8")
