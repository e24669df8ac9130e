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


def test_install_script_never_uses_the_pip_wheel_cache():
    # O script compila com --no-cache-dir (não lê nem grava o cache de wheels do pip) e instala o wheel
    # por caminho, da pasta própria cuja chave inclui as opções de compilação.
    script = (ROOT / "scripts" / "install_llama_cpp.sh").read_text(encoding="utf-8")
    build = next(line for line in script.splitlines() if "pip wheel" in line)
    assert "--no-cache-dir" in build and "--no-binary llama-cpp-python" in build
    assert "-DGGML_NATIVE=OFF" in script and "-DGGML_AMX_INT8=OFF" in script
    done = subprocess.run(["bash", "-n", str(ROOT / "scripts" / "install_llama_cpp.sh")], capture_output=True)
    assert done.returncode == 0, done.stderr
