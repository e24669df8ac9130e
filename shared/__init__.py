"""Funções auxiliares do curso LLM do zero ao herói.

Cada módulo tem um só trabalho:

- ``env``: onde estou (CPU, CUDA, Colab, CI), sementes, threads, relatório do ambiente e guardas de células.
- ``models``: registro dos modelos do curso, verificação de integridade e carregadores.
- ``data``: conjuntos de dados de ``data/`` e suas divisões fixas.
- ``text``: NLP clássico (normalização, limpeza, tokenização simples, stopwords, n-gramas).
- ``bench``: medições de tempo e memória e gravação de resultados com metadados.
- ``report``: tabelas dos READMEs geradas a partir de ``results/``.
- ``plots``: um estilo de figura pequeno e consistente.
- ``notebooks``: convenções dos notebooks (selo do Colab, célula de configuração, verificações de higiene).

Importar o pacote não tem efeitos colaterais: nada é baixado e nenhuma variável de ambiente muda.
"""

from shared.paths import repo_root

__all__ = ["repo_root"]
