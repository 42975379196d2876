# Retroscope: two commands do all set-up on a fresh machine with Python >= 3.11 and make.
#   make run    build the demo warehouse (data/demo.duckdb) if missing, serve the dashboard on http://localhost:8501
#   make test   install what the tests need (venv, packages, Chromium when possible), run the suite
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# the demo's own file; real data goes to data/retroscope.duckdb (the CLI's default), never here
DEMO_DB := data/demo.duckdb
DB      ?= $(DEMO_DB)
PORT    ?= 8501
STAMP   := $(VENV)/.installed

.PHONY: run test demo serve install system-deps bench lint clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Retroscope needs Python >= 3.11 (found %s); set PY=python3.11" % sys.version.split()[0])'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

install: $(STAMP)

# the demo is built only into the demo's own file: `make run DB=data/retroscope.duckdb` serves
# your warehouse as it is (not there yet: the dashboard says how to load it)
run: install
ifeq ($(DB),$(DEMO_DB))
	@test -f $(DB) || $(BIN)/retroscope --db $(DB) demo
endif
	$(BIN)/retroscope --db $(DB) serve --port $(PORT)

demo: install
	$(BIN)/retroscope --db $(DB) demo

# System packages for the real-browser and slide tests: Chromium (+ driver), LibreOffice
# Impress and poppler (pptx -> pdf -> png). Installed when we may (root + apt-get);
# otherwise those tests skip and say why.
system-deps:
	@bash scripts/system-deps.sh

# one pytest worker per core (pytest-xdist), tests handed out as workers free up
test: install system-deps
	$(BIN)/python -m pytest -n auto --dist worksteal

bench: install
	$(BIN)/python -m benchmarks.queries

lint: install
	$(BIN)/ruff check connectors queries dashboard tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
