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

.PHONY: run test bench chaos lint debs-run debs-test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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

run: debs-run $(BIN)/.installed
	$(BIN)/callcenter run

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

clean:
	rm -rf $(VENV) var/*.db build *.egg-info
