#!/usr/bin/env bash
# Instala o curso no Google Colab. Chamado pela primeira célula de cada notebook.
# Mantém o torch com CUDA que o Colab já tem; llama-cpp-python (que compila por vários minutos)
# só é instalado quando o capítulo pede: `colab_setup.sh llama`.
set -euo pipefail
cd "$(dirname "$0")/.."
want_llama=0
for extra in "$@"; do
  case "$extra" in
    llama) want_llama=1 ;;
    *) echo "colab_setup.sh: extra desconhecido '$extra' (use: llama)" >&2; exit 2 ;;
  esac
done
grep -vE '^(torch|llama-cpp-python|jupyterlab|nbmake|pytest|pytest-xdist|ruff|nbqa)==' requirements.txt > /tmp/requirements-colab.txt
if [ "$want_llama" = 1 ]; then grep -E '^llama-cpp-python==' requirements.txt >> /tmp/requirements-colab.txt; fi
pip install -q -r /tmp/requirements-colab.txt
pip install -q --no-deps -r requirements-nodeps.txt
pip install -q --no-deps -e .
echo "✅ Curso instalado no Colab."
