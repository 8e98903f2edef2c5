# The two commands a new machine needs: `make run` (the service on its embedded defaults)
# and `make test` (everything the suite needs, then the whole suite). Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: speech (espeak-ng, sox), the real PostgreSQL for the suite, Chromium for
# the browser tests.
RUN_DEBS := espeak-ng libespeak-ng1 sox
TEST_DEBS := $(RUN_DEBS) postgresql chromium fonts-noto-cjk

.PHONY: run test bench chaos lint catalogues debs-run debs-test clean

# Two stamps: running needs the package and its runtime dependencies only (.run-installed);
# the suite, the benchmarks and the linters add the `test` extra (.installed).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BIN)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(BIN)/.run-installed

# The demo's options: make run SPEED=60 CALLS_PER_HOUR=600 (also SEED, SCENARIO=FILE.toml,
# DURATION=SECONDS, VERBOSE=1).
RUN_ARGS := $(if $(SPEED),--speed $(SPEED)) $(if $(CALLS_PER_HOUR),--calls-per-hour $(CALLS_PER_HOUR)) \
	$(if $(SEED),--seed $(SEED)) $(if $(SCENARIO),--scenario $(SCENARIO)) \
	$(if $(DURATION),--duration $(DURATION)) $(if $(VERBOSE),--verbose)

define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

debs-run:
	$(call install_debs,$(RUN_DEBS))

debs-test:
	$(call install_debs,$(TEST_DEBS))

run: debs-run $(BIN)/.run-installed
	$(BIN)/callcenter run $(strip $(RUN_ARGS))

test: debs-test $(BIN)/.installed
	CALLCENTER_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: debs-test $(BIN)/.installed
	$(BIN)/python -m bench

# Faults injected into a running service (database down, disk full, SQLite locked, kill -9); one
# JSON line per fault, results in bench/results/chaos.json. Mounts a tmpfs: run as root. ~15 min.
chaos: debs-test $(BIN)/.installed
	$(BIN)/python -m tests.chaos.run $(CHAOS_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check callcenter tests bench
	$(BIN)/mypy --strict callcenter

# The words of every surface (callcenter/words/locale/<lang>/LC_MESSAGES/messages.po, read at start-up):
# after a new key in the code or the templates, this refreshes messages.pot and adds the key, empty,
# to each language; translate the empty msgstr entries (a new language: pybabel init -l xx).
catalogues: $(BIN)/.installed
	$(BIN)/python -m callcenter.words.template
	$(BIN)/pybabel update -i callcenter/words/messages.pot -d callcenter/words/locale --no-fuzzy-matching

clean:
	rm -rf $(VENV) var/*.db build *.egg-info
