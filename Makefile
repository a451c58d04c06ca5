PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKBOOK := data/demo.duckdb

REPORTS := reports
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
	$(RUN) team_trends
	$(RUN) pipeline_health
	$(RUN) data_quality
	@echo "reports: $(abspath $(REPORTS))/index.html"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/kpi.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/rca.py

clean:
	rm -rf $(VENV) data reports
