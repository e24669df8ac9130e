"""Um pipeline de dados e treino em etapas, com artefatos versionados por hashes (capítulo 9).

Cada etapa lê arquivos crus ou os artefatos de etapas anteriores, escreve os seus numa pasta própria e
deixa ali um ``manifesto.json`` com os hashes SHA-256 das entradas, da parte da configuração que usa e
das saídas. Com isso:

- todo resultado aponta para os dados e a configuração exatos que o produziram;
- rodar de novo uma etapa cujas entradas, configuração e código não mudaram não faz nada;
- uma etapa que falha não apaga nada: ela escreve numa pasta temporária, que só substitui a anterior
  quando termina bem.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import json
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from shared.models import sha256_of as file_sha256  # o mesmo hash que confere os modelos

MANIFEST = "manifesto.json"
LOCK_FIELDS = ("entradas", "config_hash", "saidas", "saidas_hash")  # o que o arquivo de trava guarda de cada etapa
PROJECT_ROOT = Path(__file__).resolve().parent.parent
VERSIONED_PACKAGES = ("torch", "transformers", "peft", "datasets")


class PipelineError(RuntimeError):
    """Erro de uma etapa, com o nome da etapa e, quando há, o arquivo envolvido."""

    def __init__(self, step: str, message: str, path: str | Path | None = None):
        self.step, self.path = step, (str(path) if path is not None else None)
        where = f" ({self.path})" if self.path else ""
        super().__init__(f"etapa '{step}'{where}: {message}")


def folder_hashes(folder: Path) -> dict[str, str]:
    """Hash de cada arquivo de uma pasta (caminhos relativos, em ordem), sem contar o manifesto."""
    return {
        p.relative_to(folder).as_posix(): file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def combined_hash(hashes: dict[str, str]) -> str:
    """Um hash só para um conjunto de arquivos (muda se qualquer nome ou conteúdo mudar)."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def config_hash(config: dict, sections: tuple[str, ...]) -> str:
    """Hash das seções da configuração que uma etapa usa (as outras não a fazem rodar de novo)."""
    chosen = {s: config.get(s) for s in sections}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def versions() -> dict[str, str]:
    """Versões do Python e dos pacotes que mudam um resultado de treino."""
    found = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _project_file(obj, roots: tuple[Path, ...] = (PROJECT_ROOT,)) -> Path | None:
    """O arquivo de um módulo, função ou classe do próprio projeto (``None`` para bibliotecas instaladas)."""
    module = obj if isinstance(obj, ModuleType) else inspect.getmodule(obj)
    path = getattr(module, "__file__", None)
    if not path:
        return None
    path = Path(path).resolve()
    if not any(path.is_relative_to(root) for root in roots) or {".venv", "site-packages"} & set(path.parts):
        return None
    return path


def _label(path: Path, roots: tuple[Path, ...]) -> str:
    root = next(r for r in roots if path.is_relative_to(r))
    return path.relative_to(root).as_posix()


def _imported_modules(node: ast.AST, package: str | None) -> list[ModuleType]:
    """Os módulos que os ``import`` dentro de uma função trazem (``from x import y`` traz ``x.y`` ou ``x``)."""
    found = []
    for item in ast.walk(node):
        if isinstance(item, ast.Import):
            found += [importlib.import_module(alias.name) for alias in item.names]
        elif isinstance(item, ast.ImportFrom):
            base = importlib.import_module("." * item.level + (item.module or ""), package if item.level else None)
            for alias in item.names:
                try:
                    found.append(importlib.import_module(f"{base.__name__}.{alias.name}"))
                except ImportError:
                    found.append(base)  # um nome definido no módulo, não um submódulo
    return found


def code_hashes(func: Callable, roots: tuple[str | Path, ...] = (PROJECT_ROOT,)) -> dict[str, str]:
    """Hash de todo o código do projeto que uma função de etapa roda.

    - a própria função e as funções, classes e constantes do **mesmo módulo** que ela usa (seguidas
      recursivamente): mudar outra etapa do mesmo arquivo não refaz esta;
    - o **arquivo inteiro** de cada outro módulo do projeto que ela usa (``shared`` incluído), importado no
      topo do arquivo ou dentro da função, e os módulos do projeto que esse arquivo importa.

    Bibliotecas instaladas (``torch``, ``pandas``...) ficam de fora: as versões delas vão para o manifesto;
    este módulo (o executor) também. ``roots`` são as pastas cujo código conta como do projeto (a raiz do curso, por padrão).
    """
    roots = tuple(Path(r).resolve() for r in roots)
    hashes: dict[str, str] = {}
    home = inspect.getmodule(func)
    pending_funcs, pending_modules, seen = [func], [], set()

    def add_module(module: ModuleType) -> None:
        if module is sys.modules[__name__]:
            return  # o próprio executor (Context, PipelineError) não muda o resultado de uma etapa
        path = _project_file(module, roots)
        if path is not None and path != _project_file(home, roots) and f"codigo:{_label(path, roots)}" not in hashes:
            hashes[f"codigo:{_label(path, roots)}"] = file_sha256(path)
            pending_modules.append(module)

    def add_object(value) -> None:
        if isinstance(value, ModuleType):
            add_module(value)
        elif isinstance(value, (FunctionType, type)) and _project_file(value, roots) is not None:
            if inspect.getmodule(value) is home:
                pending_funcs.append(value)
            else:
                add_module(inspect.getmodule(value))

    while pending_funcs or pending_modules:
        if pending_modules:
            module = pending_modules.pop()
            for value in vars(module).values():
                if isinstance(value, ModuleType) or (isinstance(value, (FunctionType, type)) and inspect.getmodule(value) is not module):
                    add_object(value)
            continue
        obj = pending_funcs.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        source = inspect.getsource(obj)
        hashes[f"codigo:{_label(_project_file(obj, roots), roots)}::{obj.__qualname__}"] = hashlib.sha256(source.encode()).hexdigest()
        tree = ast.parse(inspect.cleandoc("\n" + source) if source[:1].isspace() else source)
        definition = tree.body[0]
        body = definition.body if hasattr(definition, "body") else [definition]
        for statement in body:
            for module in _imported_modules(statement, home.__package__ or home.__name__):
                add_module(module)
            for item in ast.walk(statement):
                if isinstance(item, ast.Name) and item.id in vars(home):
                    value = vars(home)[item.id]
                    if isinstance(value, (str, int, float, bool, bytes, tuple, frozenset, type(None))):
                        hashes[f"codigo:{_label(_project_file(obj, roots), roots)}::{item.id}"] = hashlib.sha256(repr(value).encode()).hexdigest()
                    else:
                        add_object(value)
    return dict(sorted(hashes.items()))


@dataclass
class Context:
    """O que uma etapa recebe: a configuração, onde escrever e onde achar as entradas."""

    step: str
    config: dict
    out: Path
    artifacts: Path
    base_dir: Path
    messages: list[str] = field(default_factory=list)

    def input(self, step: str, name: str) -> Path:
        """Caminho de um artefato de outra etapa; erro claro se ele não existe."""
        path = self.artifacts / step / name
        if not path.exists():
            raise PipelineError(
                self.step, f"falta o artefato da etapa '{step}'. Rode antes: python -m pipeline {step}", path
            )
        return path

    def source(self, relative: str) -> Path:
        """Caminho de um arquivo cru (relativo à raiz dos dados); erro claro se ele não existe."""
        path = self.base_dir / relative
        if not path.is_file():
            raise PipelineError(self.step, "arquivo cru não encontrado; confira o caminho na configuração", path)
        return path

    def log(self, message: str) -> None:
        """Guarda uma linha de registro (vai para o manifesto) e a mostra."""
        self.messages.append(message)
        print(f"  [{self.step}] {message}")


@dataclass
class Step:
    """Uma etapa: função que escreve em ``ctx.out`` e devolve um resumo (dicionário) ou ``None``.

    ``sources`` são chaves da configuração cujo valor é um arquivo cru ou uma lista deles (por exemplo
    ``"dados.fontes"``); ``optional_sources``, chaves que uma configuração pode não ter (uma etapa que lê
    formatos diferentes de dados crus): as que existem entram no hash como as outras. ``after`` são as
    etapas cujos artefatos ela lê; ``sections`` são as seções da configuração que mudam o seu resultado.
    """

    name: str
    run: Callable[[Context], dict | None]
    description: str
    after: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    optional_sources: tuple[str, ...] = ()


@dataclass
class Outcome:
    """O que aconteceu com uma etapa numa rodada."""

    step: str
    ran: bool
    reason: str
    seconds: float
    summary: dict = field(default_factory=dict)


def _has(config: dict, dotted: str) -> bool:
    try:
        _lookup(config, dotted)
    except (KeyError, TypeError):
        return False
    return True


def _lookup(config: dict, dotted: str):
    value = config
    for part in dotted.split("."):
        value = value[part]
    return value


class Pipeline:
    """Etapas em ordem, a configuração e a pasta de artefatos (uma subpasta por etapa)."""

    def __init__(self, steps: list[Step], config: dict, artifacts: str | Path, base_dir: str | Path,
                 code_roots: tuple[str | Path, ...] = (PROJECT_ROOT,)):  # fmt: skip
        self.code_roots = tuple(code_roots)
        self.steps = {s.name: s for s in steps}
        self.order = [s.name for s in steps]
        self.config = config
        self.artifacts = Path(artifacts)
        self.base_dir = Path(base_dir)

    def step(self, name: str) -> Step:
        if name not in self.steps:
            raise PipelineError(name, f"etapa desconhecida. As etapas são: {', '.join(self.order)}")
        return self.steps[name]

    def manifest(self, name: str) -> dict | None:
        """O manifesto salvo da etapa, ou ``None`` se ela nunca rodou."""
        path = self.artifacts / name / MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def _inputs(self, step: Step) -> dict[str, str]:
        hashes = code_hashes(step.run, self.code_roots)  # mudar o código que a etapa roda também a refaz
        present = [key for key in step.optional_sources if _has(self.config, key)]
        for key in (*step.sources, *present):
            files = _lookup(self.config, key)
            for relative in [files] if isinstance(files, str) else files:
                path = self.base_dir / relative
                if not path.is_file():
                    raise PipelineError(step.name, "arquivo cru não encontrado; confira a configuração", path)
                hashes[f"arquivo:{relative}"] = file_sha256(path)
        for before in step.after:
            manifest = self.manifest(before)
            if manifest is None:
                raise PipelineError(
                    step.name,
                    f"falta o artefato da etapa '{before}'. Rode antes: python -m pipeline {before}",
                    self.artifacts / before,
                )
            hashes[f"etapa:{before}"] = manifest["saidas_hash"]
        return hashes

    def state(self, name: str) -> tuple[bool, str]:
        """``(em_dia, motivo)``: se a etapa pode ser pulada e por quê."""
        step = self.step(name)
        manifest = self.manifest(name)
        if manifest is None:
            return False, "nunca rodou"
        if manifest["entradas"] != self._inputs(step):
            return False, "entradas mudaram"
        if manifest["config_hash"] != config_hash(self.config, step.sections):
            return False, "configuração mudou"
        if manifest["saidas_hash"] != combined_hash(folder_hashes(self.artifacts / name)):
            return False, "artefatos alterados à mão"
        return True, "em dia"

    def run_step(self, name: str, force: bool = False) -> Outcome:
        """Roda uma etapa se ela não está em dia (ou se ``force``); troca o artefato só se terminar bem."""
        step = self.step(name)
        fresh, reason = self.state(name)
        if fresh and not force:
            return Outcome(name, False, reason, 0.0, self.manifest(name).get("resumo", {}))
        inputs = self._inputs(step)
        target = self.artifacts / name
        tmp = self.artifacts / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        ctx = Context(name, self.config, tmp, self.artifacts, self.base_dir)
        start = time.perf_counter()
        try:
            summary = step.run(ctx) or {}
        except PipelineError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except Exception as error:
            shutil.rmtree(tmp, ignore_errors=True)
            raise PipelineError(name, f"{type(error).__name__}: {error}") from error
        seconds = time.perf_counter() - start
        outputs = folder_hashes(tmp)
        manifest = {
            "etapa": name,
            "descricao": step.description,
            "quando": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "segundos": round(seconds, 2),
            "entradas": inputs,
            "config": {s: self.config.get(s) for s in step.sections},
            "config_hash": config_hash(self.config, step.sections),
            "saidas": outputs,
            "saidas_hash": combined_hash(outputs),
            "resumo": summary,
            "registro": ctx.messages,
            "versoes": versions(),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        old = self.artifacts / f".{name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return Outcome(name, True, reason if not force else "forçada", seconds, summary)

    def run(self, names: list[str] | None = None, force: bool = False, verbose: bool = True) -> list[Outcome]:
        """Roda as etapas pedidas (todas, em ordem, se ``names`` é ``None``) e devolve o que aconteceu."""
        chosen = self.order if not names else [self.step(n).name for n in names]
        outcomes = []
        for name in self.order:
            if name not in chosen:
                continue
            outcome = self.run_step(name, force=force)
            if verbose:
                what = f"rodou em {outcome.seconds:.1f} s ({outcome.reason})" if outcome.ran else "em dia, pulada"
                print(f"{name:>10}: {what}")
            outcomes.append(outcome)
        return outcomes

    def lock(self) -> dict:
        """O conteúdo do arquivo de trava (como o ``dvc.lock``): por etapa que já rodou, os hashes das
        entradas (arquivos crus, código, etapas anteriores), da configuração e de cada saída.

        Fica de fora o que muda a cada rodada sem mudar o resultado (data, duração, versões)."""
        steps = {}
        for name in self.order:
            manifest = self.manifest(name)
            if manifest is not None:
                steps[name] = {key: manifest[key] for key in LOCK_FIELDS}
        return {"etapas": steps}

    def write_lock(self, path: str | Path) -> Path:
        """Grava o arquivo de trava (JSON em ordem estável, para o ``git diff`` mostrar só o que mudou)."""
        path = Path(path)
        path.write_text(json.dumps(self.lock(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def compare_lock(self, path: str | Path, names: list[str] | None = None) -> list[dict[str, str]]:
        """Compara os manifestos atuais com um arquivo de trava: uma linha por etapa e campo, com o veredito."""
        path = Path(path)
        if not path.is_file():
            raise PipelineError("trava", "arquivo de trava não encontrado; rode o pipeline inteiro para criá-lo", path)
        try:
            locked = json.loads(path.read_text(encoding="utf-8"))["etapas"]
        except (json.JSONDecodeError, KeyError) as error:
            raise PipelineError("trava", f"arquivo de trava ilegível ({error}); apague-o e rode o pipeline", path) from error
        current = self.lock()["etapas"]
        rows = []
        for name in names or self.order:
            for key in LOCK_FIELDS:
                if name not in locked or name not in current:
                    verdict = "falta na trava" if name not in locked else "etapa não rodou"
                else:
                    verdict = "igual" if locked[name][key] == current[name][key] else "diferente"
                rows.append({"etapa": name, "campo": key, "situação": verdict})
        return rows

    def trace(self, name: str) -> list[dict[str, Any]]:
        """A cadeia de manifestos de uma etapa até os arquivos crus: de onde veio cada resultado."""
        rows, pending, seen = [], [name], set()
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            manifest = self.manifest(current) or {}
            rows.append({
                "etapa": current,
                "quando": manifest.get("quando"),
                "config_hash": (manifest.get("config_hash") or "")[:12],
                "saidas_hash": (manifest.get("saidas_hash") or "")[:12],
                "entradas": ", ".join(f"{k} {v[:12]}" for k, v in manifest.get("entradas", {}).items()),
            })  # fmt: skip
            pending.extend(self.step(current).after)
        return rows
