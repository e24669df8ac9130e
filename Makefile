# LLM do zero ao herói — comandos do curso.
#   make test       cria o ambiente (.venv), instala tudo e roda todos os testes, notebooks incluídos (offline)
#   make lab        cria o ambiente e abre o curso no JupyterLab
#   make notebooks  reexecuta todos os notebooks no lugar e regenera as tabelas dos READMEs
#   make lint       ruff no código e nos notebooks
#   make projeto    roda o pipeline do projeto final (capítulo 9), dos dados crus ao modelo avaliado
#   make colab-check  simula o Colab: instala o curso como a 1ª célula faz lá e roda os capítulos 1 e 7

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.instalado
NOTEBOOKS := $(sort $(wildcard chapters/*/*.ipynb))
TEST_RESULTS := $(or $(TMPDIR),/tmp)/llm-zth-results
# O Jupyter recusa rodar como root sem --allow-root (comum em contêineres e no Colab).
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Testes offline: o Hub do Hugging Face não é acessível aqui nem na CI.
OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_EVALUATE_OFFLINE=1 TRANSFORMERS_OFFLINE=1
QUIET := TOKENIZERS_PARALLELISM=false HF_HUB_DISABLE_PROGRESS_BARS=1 PYTHONWARNINGS=ignore::DeprecationWarning

.PHONY: install test unit notebooks-test lab notebooks lint projeto colab-check clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml scripts/install_llama_cpp.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install pip==26.3
	# llama-cpp-python primeiro, com o build portátil (sem -march=native, sem AMX) e fora do cache do pip;
	# depois o requirements.txt o encontra instalado na versão certa e não o recompila.
	bash scripts/install_llama_cpp.sh $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --no-deps -e .
	@touch $@

test: unit notebooks-test

unit: $(STAMP)
	$(OFFLINE) $(QUIET) $(BIN)/python -m pytest tests

notebooks-test: $(STAMP)
	rm -rf $(TEST_RESULTS)
	$(OFFLINE) $(QUIET) LLM_ZTH_RESULTS_DIR=$(TEST_RESULTS) $(BIN)/python -m pytest --nbmake --nbmake-timeout=900 -p no:cacheprovider $(NOTEBOOKS)

lab: $(STAMP)
	$(QUIET) $(BIN)/jupyter lab --ServerApp.root_dir=. $(LAB_FLAGS)

notebooks: $(STAMP)
	rm -rf chapters/09-projeto-final/artefatos  # o notebook do projeto final roda o pipeline do zero
	@for nb in $(NOTEBOOKS); do \
	  echo "executando $$nb"; \
	  $(QUIET) $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=900 "$$nb" || exit 1; \
	done
	$(BIN)/python -m shared.report

projeto: $(STAMP)
	cd chapters/09-projeto-final && $(OFFLINE) $(QUIET) $(CURDIR)/$(BIN)/python -m pipeline

# Um venv novo com as versões da imagem do Colab + google.colab de mentira; a árvore de trabalho faz o papel
# do GitHub. Não usa o .venv (só a biblioteca padrão); veja scripts/colab_check.py.
colab-check:
	$(OFFLINE) $(QUIET) $(PYTHON) scripts/colab_check.py

lint: $(STAMP)
	$(BIN)/ruff check shared tests chapters scripts

clean:
	rm -rf $(VENV) .pytest_cache
