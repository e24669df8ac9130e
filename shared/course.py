"""O endereço do repositório do curso: o único lugar de onde saem selos do Colab e a célula de instalação."""

from __future__ import annotations

GITHUB_OWNER = "llm-zero-to-hero"
GITHUB_REPO = "LLM-zero-to-hero"
BRANCH = "main"

REPO_URL = f"https://github.com/{GITHUB_OWNER}/{GITHUB_REPO}"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def colab_url(notebook_path: str) -> str:
    """Endereço que abre no Colab o notebook em ``notebook_path`` (relativo à raiz do repositório)."""
    path = notebook_path.replace("\\", "/").removeprefix("./")
    return f"https://colab.research.google.com/github/{GITHUB_OWNER}/{GITHUB_REPO}/blob/{BRANCH}/{path}"


def colab_badge(notebook_path: str) -> str:
    """Selo em Markdown "Abrir no Colab" que aponta para o notebook dado."""
    return f"[![Abrir no Colab]({COLAB_BADGE_IMAGE})]({colab_url(notebook_path)})"
