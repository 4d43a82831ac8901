# The README's two commands. Options: make demo DB=amazon_demo PORT=8069
PYTHON ?= python3
DB ?= amazon_demo
PORT ?= 8069

.PHONY: test demo
test:
	$(PYTHON) setup/run_tests.py

demo:
	$(PYTHON) setup/demo.py --db $(DB) --port $(PORT)
