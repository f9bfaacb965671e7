# make run  — set up .venv and run the bot (needs AUDITBOT_TOKEN, see README)
# make demo — set up .venv and play a scripted audit against the local Bot API double
# make test — set up .venv and run ruff, import-linter and the test suite
# make test-pg — the storage, service and end-to-end tests against a throwaway PostgreSQL cluster

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test test-pg lint lock audit bench clean

# Exact versions from the lock (make lock writes it anew from the ranges in pyproject.toml).
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

LOCK := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links

lock: $(STAMP)
	$(LOCK) --output-file=requirements.lock pyproject.toml
	$(LOCK) --extra=dev --output-file=requirements-dev.lock pyproject.toml

# Known vulnerabilities in the locked versions (needs the vulnerability service to be reachable).
audit: $(STAMP)
	$(BIN)/pip-audit --progress-spinner off --disable-pip --no-deps -r requirements-dev.lock

run: $(STAMP)
	$(BIN)/auditbot run

demo: $(STAMP)
	$(BIN)/auditbot demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/python -m pytest -q || { status=$$?; [ $$status -eq 5 ] && echo "pytest: no tests collected"; [ $$status -eq 5 ]; }

# Tests that touch the database; each gets a fresh database on the cluster tests/pg_cluster.sh starts.
PG_TESTS := tests/test_storage.py tests/test_migrations.py tests/test_db_copy.py \
	tests/test_audit_service.py tests/test_capa_service.py tests/test_reminders.py \
	tests/test_report.py tests/test_export.py tests/test_inbox.py tests/test_review_figures.py \
	tests/test_checklist_service.py tests/test_privacy_retention.py tests/test_privacy_person.py \
	tests/test_e2e_*.py tests/test_capa_e2e.py tests/test_reminders_e2e.py

test-pg: $(STAMP)
	tests/pg_cluster.sh $(BIN)/python -m pytest -q $(PG_TESTS)

bench: $(STAMP)
	$(BIN)/python benchmarks/interview.py
	$(BIN)/python benchmarks/reminders.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/checklists.py
	$(BIN)/python benchmarks/review.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
