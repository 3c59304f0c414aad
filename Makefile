# Two commands do all set-up:  `make lab` opens the course, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch is pinned to the CPU build in pyproject.toml; an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# JupyterLab refuses to run as root (containers, CI) unless told it may.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/dglab doctor
	$(BIN)/jupyter lab $(ROOTFLAG) labs/

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval --nbval-cell-timeout=120 --nbval-current-env \
		tests labs solutions

build: $(STAMP)
	$(BIN)/dglab build

# The course site: every lab executed once and rendered with its outputs into site/_build/html
# (Sphinx + myst-nb; works offline). `make site LABS="01 02"` renders only those labs.
.PHONY: site
site: $(STAMP)
	$(BIN)/dglab site $(LABS)

clean:
	rm -rf $(VENV)
