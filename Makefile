# Two commands set up a fresh machine: `make run` and `make test` (both install as needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_TOOLS := $(VENV)/.bench-tools
POSTGRES := $(VENV)/.postgres
HOST ?= 127.0.0.1
PORT ?= 8000
DATA_DIR ?= data

.PHONY: install run run-cluster test generate check-generated fuzz soak lint bench clean dist docs

install: $(STAMP)

$(STAMP): pyproject.toml sdk/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/python -m pip install --quiet -e ./sdk -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pinakes-server serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# PostgreSQL, SeaweedFS and two instances with data dirs of their own; a device on each sees
# the other's changes.
run-cluster: $(STAMP) $(POSTGRES)
	$(BIN)/python -m tests.cluster

# The whole suite twice at once: on SQLite, and with every live server on a throw-away
# PostgreSQL (tests/postgres.py); the second pass's output follows the first's.
test: $(STAMP) $(POSTGRES)
	@mkdir -p reports
	@PINAKES_TEST_DATABASE=postgresql $(BIN)/pytest -p no:cacheprovider --durations=15 \
		> reports/pytest-postgresql.log 2>&1 & postgres=$$!; \
	$(BIN)/pytest -p no:cacheprovider --durations=15; sqlite=$$?; \
	wait $$postgres; on_postgres=$$?; \
	echo "== the same suite on PostgreSQL (reports/pytest-postgresql.log) =="; \
	tail -n 80 reports/pytest-postgresql.log; \
	test $$sqlite -eq 0 -a $$on_postgres -eq 0

# PostgreSQL's server binaries, from Debian (the tests start their own cluster).
$(POSTGRES):
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update -q && apt-get install -y -q postgresql)
	mkdir -p $(VENV) && touch $@

generate: $(STAMP)
	$(BIN)/python codegen/generate.py

check-generated: $(STAMP)
	$(BIN)/openapi-spec-validator openapi/openapi.json
	$(BIN)/python codegen/generate.py --check

# The long contract fuzz run (CI runs a short fixed-seed one inside `make test`).
fuzz: $(STAMP)
	PINAKES_FUZZ_EXAMPLES=$${PINAKES_FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/test_fuzz.py -v

# The long soak: devices syncing random edits (CI runs an 8-second one inside `make test`).
soak: $(STAMP)
	PINAKES_SOAK_SECONDS=$${PINAKES_SOAK_SECONDS:-300} PINAKES_SOAK_DEVICES=$${PINAKES_SOAK_DEVICES:-40} \
		$(BIN)/pytest tests/test_soak.py -v -s

lint: $(STAMP)
	$(BIN)/ruff check server codegen tests bench sdk/pinakes sdk/pinakes_sync sdk/contract_page.py
	$(BIN)/ruff format --check server codegen tests bench sdk/pinakes sdk/pinakes_sync sdk/contract_page.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache dist site

# The SDK's documentation site (sdk/docs, mkdocs-material + mkdocstrings) into site/; warnings
# are errors. Its Python examples run in the tests (tests/test_docs.py).
docs: $(STAMP)
	cd sdk && NO_MKDOCS_2_WARNING=1 ../$(BIN)/mkdocs build --strict --quiet

# Releasable packages: wheel and sdist of the server and of the SDK (its version is the
# contract's info.version), checked by twine.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist . > /dev/null
	$(BIN)/python -m build --outdir dist sdk > /dev/null
	$(BIN)/twine check --strict dist/*

# Benchmarks (not tests): each figure beside its reference, ratios in bench/results.json.
bench: $(STAMP) $(BENCH_TOOLS)
	$(BIN)/python -m bench.run $(FIGURES)

$(BENCH_TOOLS):
	command -v wrk >/dev/null && command -v nginx >/dev/null && command -v curl >/dev/null || \
		(apt-get update -q && apt-get install -y -q wrk nginx curl)
	mkdir -p $(VENV) && touch $@
