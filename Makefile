# Two commands do all set-up:  `make lab` opens the course, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch is pinned to the CPU build in pyproject.toml; an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# JupyterLab refuses to run as root (containers, CI) unless told it may.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# Students edit copies in work/ (git-ignored), so `git pull` never meets their edits.
lab: $(STAMP)
	$(BIN)/dglab doctor
	$(BIN)/dglab workspace
	$(BIN)/jupyter lab $(ROOTFLAG) work/

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval --nbval-cell-timeout=120 --nbval-current-env \
		tests labs solutions

# The inner loop: dglab's own tests, no notebook kernel, no browser (under a minute).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not notebooks and not browser" tests

build: $(STAMP)
	$(BIN)/dglab build

clean:
	rm -rf $(VENV)
