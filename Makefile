PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKBOOK := data/demo.duckdb

REPORTS := reports
# where the demo plants its win-rate collapse (salesanalysis demo prints every pattern)
COLLAPSE_REP := R009
COLLAPSE_QUARTER := 2025-Q2
RUN := $(BIN)/salesanalysis run --workbook $(WORKBOOK) --out $(REPORTS) --html --quiet

.PHONY: demo test bench lab clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p data
	$(BIN)/salesanalysis demo --workbook $(WORKBOOK)
	$(BIN)/salesanalysis info --workbook $(WORKBOOK)
	rm -rf $(REPORTS)
	$(RUN) rep_review --each rep
	$(RUN) gap_analysis --each rep
	$(RUN) gap_analysis --each rep --reps $(COLLAPSE_REP) --period $(COLLAPSE_QUARTER) -p metric win_rate
	$(RUN) team_trends
	$(RUN) team_trends -p metric complaints
	$(RUN) pipeline_health
	$(RUN) data_quality
	$(RUN) explorer
	@echo "reports: $(abspath $(REPORTS))/index.html"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/kpi.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/explorer.py
	$(BIN)/python bench/rca.py

clean:
	rm -rf $(VENV) data reports
