# Winnow — `make run` then `make test` on a fresh Debian/Ubuntu machine with Swift.
SWIFT ?= swift
DEB_PACKAGES := libsqlite3-dev zlib1g-dev libzstd-dev libssl-dev libisal-dev libsnappy-dev libopenblas-dev pkg-config python3 python3-numpy python3-jsonschema python3-venv ca-certificates
# The Python tools `make test` reads Winnow's Parquet output with (scripts/check-parquet.sh), pinned, in .build/pyenv.
PYENV := .build/pyenv
PY_PACKAGES := pyarrow==26.0.1 datasets==5.2.0
BIN := .build/release/winnow
# Debug builds (tests, schema) are optimised: the trainer's SIMD kernels and the text hot paths run ~50× slower
# unoptimised, which made the suite minutes long. Checks (overflow, preconditions, @testable) stay on.
DEBUG_FLAGS := -Xswiftc -O

.PHONY: setup packages pyenv build run test crash-loop asan tsan bench schema clean

## setup: install the Debian packages Winnow links against (as root), or print the command to do it; then
## place the pinned models in models/ (scripts/fetch-models.py checks their SHA-256) and build .build/pyenv
setup: packages pyenv
	python3 scripts/fetch-models.py

## pyenv: a virtual environment with pyarrow and datasets (from the Python package index) for scripts/check-parquet.sh
pyenv:
	@if ! $(PYENV)/bin/python -c "import pyarrow, datasets" 2>/dev/null; then \
	  echo "building $(PYENV): $(PY_PACKAGES)"; \
	  python3 -m venv $(PYENV) && $(PYENV)/bin/pip install -q --disable-pip-version-check $(PY_PACKAGES); \
	fi

packages:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | tr '\n' ' '); \
	if [ -n "$$(echo $$missing)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages: $$missing"; \
	    echo "install them with: sudo apt-get install -y --no-install-recommends $$missing"; \
	    exit 1; \
	  fi; \
	fi

## build: release build of the winnow command
build: setup
	$(SWIFT) build -c release --product winnow

## run: build, then run pipelines/quickstart.json on the bundled sample data and write its report
run: build
	$(BIN) run pipelines/quickstart.json
	$(BIN) report --spec pipelines/quickstart.json -o out/quickstart-report.html
	@echo "the quickstart run's report: out/quickstart-report.html (open it in a browser; after winnow train out/quickstart"
	@echo "and winnow sample out/quickstart/model.ckpt --sweep, the same command adds the loss curves and the decoding chart)"

## test: the whole test suite (debug build), then token shards read back as llm.c and Megatron read them
test: setup
	$(SWIFT) build --build-tests $(DEBUG_FLAGS)
	$(SWIFT) test --skip-build --disable-swift-testing
	scripts/check-token-shards.sh
	scripts/check-parquet.sh
	$(MAKE) --no-print-directory crash-loop

## crash-loop: the short crash loop (bench/crash-loop.sh 10 over two corpora of ../shared/corpora, with the binary
## the tests built): 10 SIGKILLs each of a run, a training, stage tasks and an incremental second night, every result
## equal to an unkilled one's
crash-loop:
	@if [ -d ../shared/corpora ]; then \
	  CRASH_SOURCES="nltk_abc_news nltk_mac_morpho_pt_detok" WINNOW_BIN=.build/debug/winnow CRASH_OUT=.build/crash-loop \
	    CRASH_RESULTS=.build/crash-loop/results.jsonl bench/crash-loop.sh 10 all; \
	else echo "crash-loop: skipped, ../shared/corpora is absent (../shared is not beside the checkout)"; fi

## asan, tsan: the test suite under AddressSanitizer or ThreadSanitizer (own build folders, so the normal build stays)
asan: setup
	$(SWIFT) build --build-tests $(DEBUG_FLAGS) --sanitize=address --scratch-path .build/asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/sanitizers/lsan.supp WINNOW_BIN=$(CURDIR)/.build/asan/debug/winnow \
	  $(SWIFT) test --skip-build --disable-swift-testing --sanitize=address --scratch-path .build/asan
tsan: setup
	$(SWIFT) build --build-tests $(DEBUG_FLAGS) --sanitize=thread --scratch-path .build/tsan
	@# ThreadSanitizer's runtime cannot start under a file-size limit (`ulimit -f 64 && winnow --version` dies with
	@# SIGBUS before any Winnow code runs), so the ulimit -f test is left to `make test` and `make asan`.
	WINNOW_BIN=$(CURDIR)/.build/tsan/debug/winnow $(SWIFT) test --skip-build --disable-swift-testing --sanitize=thread \
	  --scratch-path .build/tsan --skip ResourceFaultTests.testFileSizeLimitNamesTheFileAndTheRunRecovers

## bench: the benchmarks in bench/ (see bench/README.md; needs ../shared/bench)
bench: build
	bench/run.sh

## schema: regenerate schemas/ from the code
schema:
	$(SWIFT) build --build-tests $(DEBUG_FLAGS)
	.build/debug/winnow schema > schemas/pipeline.schema.json
	.build/debug/winnow schema --lineage > schemas/lineage.sql
	scripts/update-readme.sh

clean:
	rm -rf .build out
