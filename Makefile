# Two commands do all set-up:  `make lab` opens the course, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast test-gpu build clean

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
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --nbval --nbval-cell-timeout=120 --nbval-current-env \
		tests labs solutions

# The inner loop: dglab's own tests, no notebook kernel, no browser (under a minute).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not notebooks and not browser" tests

# The GPU tier, on a machine with CUDA: dglab's CUDA paths, NCCL via torchrun, and every notebook
# (their GPU-only cells run there instead of explaining themselves). Any skip is a failure.
test-gpu: $(STAMP)
	@$(BIN)/python -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'make test-gpu needs a CUDA GPU and torch with CUDA; this machine has none (make test covers the CPU paths).')"
	$(BIN)/python -m pytest --fail-on-skip -m gpu tests/test_gpu.py
	$(BIN)/python -m pytest --nbval --nbval-cell-timeout=300 --nbval-current-env labs solutions

build: $(STAMP)
	$(BIN)/dglab build

# The course site: every lab executed once and rendered with its outputs into site/_build/html
# (Sphinx + myst-nb; works offline). `make site LABS="01 02"` renders only those labs.
.PHONY: site
site: $(STAMP)
	$(BIN)/dglab site $(LABS)

clean:
	rm -rf $(VENV)
