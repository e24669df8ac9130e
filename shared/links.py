"""Links relativos nos arquivos Markdown: cada um deve apontar para um arquivo ou pasta que existe."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from shared.paths import repo_root
from shared.report import markdown_files

LINK_RE = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXTERNAL = ("http://", "https://", "mailto:", "#")


def relative_links(text: str) -> list[str]:
    """Os destinos dos links relativos de um texto Markdown (sem âncoras nem endereços web)."""
    targets = []
    for target in LINK_RE.findall(text):
        if target.startswith(EXTERNAL):
            continue
        targets.append(unquote(target.split("#", 1)[0]))
    return [t for t in targets if t]


def broken_links(root: Path | None = None) -> list[str]:
    """Links relativos quebrados em todos os Markdown: ``["README.md → chapters/x.ipynb", ...]``."""
    root = Path(root) if root is not None else repo_root()
    broken = []
    for path in markdown_files(root):
        for target in relative_links(path.read_text("utf-8")):
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(root)} → {target}")
    return broken
