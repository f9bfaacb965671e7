# make run  — set up .venv and run the bot (needs AUDITBOT_TOKEN, see README)
# make demo — set up .venv and play a scripted audit against the local Bot API double
# make test — set up .venv and run ruff and the test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/auditbot run

demo: $(STAMP)
	$(BIN)/auditbot demo

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -q || { status=$$?; [ $$status -eq 5 ] && echo "pytest: no tests collected"; [ $$status -eq 5 ]; }

bench: $(STAMP)
	$(BIN)/python benchmarks/interview.py
	$(BIN)/python benchmarks/reminders.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/review.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
