# upslab: the two commands a newcomer needs are `make demo` and `make test`.
# The other targets are the steps of `make test`, runnable alone.

GO          ?= go
GOPATH_BIN  := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOPATH_BIN)/staticcheck
PKGS        ?= ./...

.PHONY: all demo test deps deps-system vet staticcheck cross gotest fuzz build bench clean help

all: help

help:
	@echo "make demo         run the demo on the built-in simulator"
	@echo "make test         install what is missing, then vet, staticcheck, cross-builds, tests, brief fuzzing"
	@echo "steps of make test: deps vet staticcheck cross gotest fuzz   (make -k test runs all despite failures)"
	@echo "make build        build every binary into bin/"
	@echo "make bench        benchmarks: our upsd vs NUT 2.8.0's (same run, ratios) and our hot paths; ~1 min, not part of make test"

# demo runs `upslab demo`. Until that subcommand exists it builds every
# binary and shows what upslab can do so far.
demo: deps-system
	@if $(GO) run ./cmd/upslab help 2>&1 | grep -q '^  demo '; then \
		$(GO) run ./cmd/upslab demo; \
	else \
		echo "upslab demo is not written yet; here is what exists:"; \
		$(MAKE) --no-print-directory build && ls bin/ && echo && bin/upslab help; \
	fi

# The last line printed is fuzz-brief's "fuzz: N passed, N failed".
test: deps vet staticcheck cross gotest fuzz

deps:
	scripts/install-deps all

deps-system:
	@scripts/install-deps system

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(STATICCHECK) $(PKGS)

# Cross-builds without cgo for the platforms NUT servers run on.
cross:
	scripts/cross-build $(PKGS)

# CI=true (set by CI) makes tests that need the reference-NUT kit fail
# instead of skipping when it is missing.
gotest:
	$(GO) test -timeout 3m $(PKGS)

fuzz:
	scripts/fuzz-brief $(PKGS)

build: deps-system
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

# Not part of test: timings, not checks. BENCH_FULL=1 adds 1000 clients.
bench:
	scripts/bench

clean:
	rm -rf bin
