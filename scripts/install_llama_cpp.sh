#!/usr/bin/env bash
# Instala o llama-cpp-python do curso com um build PORTÁTIL (roda em qualquer x86-64 de Haswell em diante).
#
#   bash scripts/install_llama_cpp.sh [PYTHON]      # PYTHON: o python do ambiente (padrão: python3)
#
# Por quê: o llama-cpp-python não tem wheel binário no PyPI e compila na instalação. Por padrão o llama.cpp
# compila com -march=native: o wheel só roda em CPUs iguais à que o compilou (num Xeon com AMX, as
# instruções de "tile" do AMX derrubam o processo com "Illegal instruction"). E o pip guarda no seu cache o
# wheel compilado, sem lembrar com quais opções: numa máquina diferente, ele volta e quebra.
#
# O que este script faz:
#   - em x86-64, compila com GGML_NATIVE=OFF e só AVX/AVX2/FMA/F16C/BMI2 (sem AVX-512, sem AMX);
#   - em outras arquiteturas (Apple Silicon, ARM), usa o build padrão do llama.cpp (Metal no macOS), feito
#     para esta máquina; por isso a chave do cache inclui o nome da máquina e o wheel não vai para outra;
#   - nunca lê nem grava o cache de wheels do pip (--no-cache-dir): o wheel fica numa pasta própria cuja
#     chave é a versão + as opções de compilação + a arquitetura + o Python. Um wheel nativo que uma
#     instalação antiga deixou no cache do pip não volta;
#   - instala o wheel por caminho (--force-reinstall), substituindo qualquer llama-cpp-python anterior.
# A versão vem de requirements.txt (linha llama-cpp-python==...). A 1ª compilação leva ~11 min em 2 núcleos.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${1:-python3}"
VERSION=$(sed -nE 's/^llama-cpp-python==([^ #]+).*/\1/p' requirements.txt)
[ -n "$VERSION" ] || { echo "install_llama_cpp.sh: não achei 'llama-cpp-python==' em requirements.txt" >&2; exit 2; }

ARCH=$(uname -m)
case "$ARCH" in
  x86_64|amd64)
    ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    ARGS="$ARGS -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
    ARGS="$ARGS -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
    WHERE="portable"
    ;;
  *)
    ARGS=""
    # build padrão (nativo): só serve numa CPU igual a esta, então a chave leva o modelo da CPU
    CPU=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || grep -m1 -E '^(model name|CPU part|Hardware)' /proc/cpuinfo 2>/dev/null || echo desconhecida)
    WHERE="nativo ($CPU)"
    ;;
esac
# Um CMAKE_ARGS do usuário (por exemplo -DGGML_CUDA=on no Colab) soma-se às opções acima e entra na chave;
# em x86-64, um que religue o build nativo, o AVX-512 ou o AMX desfaria a portabilidade: recusado.
if [ "$WHERE" = portable ] && printf '%s' "${CMAKE_ARGS:-}" | grep -qiE 'GGML_NATIVE=(ON|1|TRUE)|GGML_AVX512[A-Z0-9_]*=(ON|1|TRUE)|GGML_AMX[A-Z0-9_]*=(ON|1|TRUE)|march=native'; then
  echo "install_llama_cpp.sh: CMAKE_ARGS='$CMAKE_ARGS' liga o build nativo, AVX-512 ou AMX, que derrubam o llama.cpp" >&2
  echo "  em outras CPUs. Tire essas opções (ou rode 'unset CMAKE_ARGS') e instale de novo." >&2
  exit 2
fi
ARGS="$ARGS ${CMAKE_ARGS:-}"

PYTAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY=$(printf '%s|%s|%s|%s|%s' "$VERSION" "$ARGS" "$ARCH" "$PYTAG" "$WHERE" | "$PY" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])')
CACHE="${LLM_ZTH_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-zero-to-hero/wheels}/llama-cpp-python-$VERSION-$KEY"

wheel=$(ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "llama-cpp-python $VERSION: compilando ($WHERE; ~11 min em 2 núcleos, só na primeira vez)"
  echo "  opções: $ARGS"
  # compila numa pasta ao lado do cache (o mesmo disco) e só renomeia no fim: uma compilação
  # interrompida nunca deixa um wheel pela metade no lugar de onde ele é reaproveitado
  mkdir -p "$(dirname "$CACHE")"
  tmp=$(mktemp -d "$CACHE.parcial.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
    "$PY" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python -w "$tmp" "llama-cpp-python==$VERSION"
  printf 'versão: %s\nopções: %s\narquitetura: %s\npython: %s\nonde: %s\n' "$VERSION" "$ARGS" "$ARCH" "$PYTAG" "$WHERE" > "$tmp/BUILD.txt"
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
  trap - EXIT
  wheel=$(ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl | head -n 1)
else
  echo "llama-cpp-python $VERSION: usando o wheel $WHERE já compilado em $CACHE"
fi
"$PY" -m pip install --force-reinstall --no-deps "$wheel"
"$PY" -m pip install "$wheel"  # só as dependências dele que faltarem (diskcache...); o resto fica
