# The two commands a newcomer needs: `make run` and `make test`. Both set up on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := node_modules/.installed

.PHONY: run test test-kafka test-random bench chaos lint format typecheck clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=75'
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The test tools from npm (axe-core for the console's accessibility checks), as locked.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE)

## Run the whole system on embedded PostgreSQL and the embedded Kafka-protocol broker.
run: $(STAMP)
	$(BIN)/desk run

## Run the whole test suite against a real PostgreSQL and a real broker (started by the tests),
## the fault suite and the Kafka security tests on three Apache Kafka brokers among them; then
## every end-to-end module again on three Apache Kafka brokers.
test: $(STAMP) $(NODE)
	$(BIN)/python -m pytest -q
	$(BIN)/python -m tests.kafka.e2e

## The end-to-end tests again on three Apache Kafka brokers (from Maven Central; needs a JDK
## and Maven, which the polyglot machine has). `make test-kafka TESTS=tests/e2e/test_lifecycle.py`
## runs a part.
test-kafka: $(STAMP) $(NODE)
	$(BIN)/python -m tests.kafka.e2e $(TESTS)
	$(if $(TESTS),,$(BIN)/python -m pytest -q tests/kafka "tests/chaos/test_chaos.py::test_the_short_profile_loses_nothing_and_doubles_nothing[three Apache Kafka brokers]")

## The same suite in a random order (pytest-randomly; repeat one with RANDOM_SEED=<its seed>).
# pytest -q does not print the plugin's header, so the seed is chosen and printed here.
test-random: $(STAMP) $(NODE)
	@seed=$${RANDOM_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "random order, seed $$seed (repeat with RANDOM_SEED=$$seed)"; \
	$(BIN)/python -m pytest -q -p randomly --randomly-seed=$$seed

## Benchmarks: figures and ratios against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench.append
	$(BIN)/python -m bench.sla_timers
	$(BIN)/python -m bench.notify_deliveries
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.visibility

## Fault injection, the short profile: a workload under faults, then the checks and the report.
chaos: $(STAMP)
	$(BIN)/python -m tests.chaos --profile short

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy complaint_desk bench

clean:
	rm -rf $(VENV) .data .pytest_cache node_modules
