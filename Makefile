# With Go installed: `make demo` runs the main job, `make test` every test.
# On a fresh machine the README's two commands, ./demo and .ci/run, install Go first.
GO ?= go

.PHONY: demo dev test test-short fuzz build image bench lint

demo:
	$(GO) run ./cmd/syncctl demo

dev:
	$(GO) run ./cmd/syncctl dev

# Every test: unit, workflow, in-process end-to-end, and integration_test/
# (testcontainers: builds the FROM-scratch image and runs the sandbox in Docker),
# then every fuzz target briefly (.ci/fuzz).
# The chaos suite's table (integration_test) is printed after the tests:
# go test hides a passing package's output.
test:
	@rm -f .chaos-report.md
	CGO_ENABLED=0 TESTCONTAINERS_RYUK_DISABLED=true SYNCCTL_CHAOS_REPORT=$(CURDIR)/.chaos-report.md $(GO) test -count=1 -timeout 30m ./...; \
	  status=$$?; if [ -f .chaos-report.md ]; then cat .chaos-report.md; fi; exit $$status
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

# Every fuzz target, one at a time, for FUZZTIME each (default 2s; make fuzz
# FUZZTIME=10m digs longer). A failing input lands in testdata/fuzz/: fix the
# bug before committing it.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

test-short:
	$(GO) test -short -count=1 ./...

# staticcheck, a tool of the module (go.mod's tool line): nothing to install.
lint:
	$(GO) tool staticcheck ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/syncctl ./cmd/syncctl

image: build
	cp bin/syncctl syncctl && docker build -t syncctl:dev . ; rm -f syncctl

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./store/... ./connectors/... ./mapping/...
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench StartStop -benchtime 3x ./devserver
	$(GO) test -run '^$$' -bench PushQuotaUse -benchtime 1x ./stack/
	$(GO) test -run '^$$' -bench LiveStreamBurst -benchtime 1x -timeout 30m ./stack/
# The README's performance table: one run of every scenario (about 5 minutes).
	CGO_ENABLED=0 $(GO) run ./cmd/syncctl bench
