#!/usr/bin/env bash
# Instala o curso no Google Colab. Chamado pela primeira célula de cada notebook:
#
#   bash scripts/colab_setup.sh [llama]     # PYTHON=... escolhe o python (padrão: python3, o do kernel)
#
# - Mantém o que o Colab já traz: o torch com CUDA nunca é trocado (fica preso na versão instalada) e os
#   pacotes da imagem do Colab (numpy, pandas, transformers...) entram com piso (>=), não com versão exata;
#   só o que falta é instalado, na versão testada. A lista sai de `python -m shared.colab requirements`
#   (veja as regras em shared/colab.py), calculada antes de instalar qualquer coisa.
# - Ferramentas de desenvolvimento (JupyterLab, pytest, ruff...) ficam de fora.
# - O extra `llama` instala o llama-cpp-python com scripts/install_llama_cpp.sh (build portátil; a 1ª
#   compilação leva ~11 min). `python -m shared.notebooks --sync` põe o extra nos notebooks que precisam.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
want_llama=0
for extra in "$@"; do
  case "$extra" in
    llama) want_llama=1 ;;
    *) echo "colab_setup.sh: extra desconhecido '$extra' (use: llama)" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" -m shared.colab requirements requirements.txt > "$work/requirements-colab.txt"
"$PY" -m shared.colab constraints > "$work/constraints-colab.txt"
"$PY" -m pip install -q -r "$work/requirements-colab.txt" -c "$work/constraints-colab.txt"
"$PY" -m pip install -q --no-deps -r requirements-nodeps.txt
"$PY" -m pip install -q --no-deps -e .
if [ "$want_llama" = 1 ]; then bash scripts/install_llama_cpp.sh "$PY"; fi
echo "✅ Curso instalado no Colab."
