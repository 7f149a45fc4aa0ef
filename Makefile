# histocount — see README.md. `make demo` and `make test` are the quick start.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
TAGS := matprofile
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEMO_OUT ?= results

.PHONY: all deps build demo test test-race lint eval bench fuzz image image-test clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/histocount ./cmd/histocount
	$(GO) build -trimpath -o bin/histocount-synth ./cmd/histocount-synth

# Installs what is missing, builds, and runs histocount on the bundled samples.
demo: build
	@rm -rf $(DEMO_OUT)/trypan $(DEMO_OUT)/nuclei $(DEMO_OUT)/colonies $(DEMO_OUT)/sections $(DEMO_OUT)/cohort-images
	./bin/histocount cells --stain trypan --pixel-size 0.8 --depth 100 --sample-by dir \
	    --save-labels --out $(DEMO_OUT)/trypan testdata/samples/trypan
	./bin/histocount cells --stain fluorescence --save-labels --out $(DEMO_OUT)/nuclei testdata/samples/nuclei
	@echo; echo "== $(DEMO_OUT)/trypan/samples.csv"; cat $(DEMO_OUT)/trypan/samples.csv
	@echo; echo "== $(DEMO_OUT)/nuclei/images.csv"; cut -d, -f1-8 $(DEMO_OUT)/nuclei/images.csv
	./bin/histocount colonies --plate-map testdata/samples/colonies/platemap.csv \
	    --pixel-size 40 --min-cells 50 --cell-area 2000 --save-labels \
	    --out $(DEMO_OUT)/colonies testdata/samples/colonies
	@echo; echo "== $(DEMO_OUT)/colonies/samples.csv (CFE per donor)"; cat $(DEMO_OUT)/colonies/samples.csv
	@# Skin sections: a synthetic cohort with known thickness (+62.5 % dermis at 12 months)
	./bin/histocount-synth sections --subjects 3 --months 0,3,12 --out $(DEMO_OUT)/cohort-images
	./bin/histocount dermis --save-labels --out $(DEMO_OUT)/sections $(DEMO_OUT)/cohort-images
	./bin/histocount study --sheet $(DEMO_OUT)/cohort-images/sheet.csv --results $(DEMO_OUT)/sections
	@echo; echo "== $(DEMO_OUT)/sections/study_timepoints.csv"; cat $(DEMO_OUT)/sections/study_timepoints.csv
	@echo; echo "Overlays: $(DEMO_OUT)/*/overlays/; figure: $(DEMO_OUT)/sections/study_change.png"

# The full test suite: formatting, vet, staticcheck, every test with the Mat
# leak check, the concurrent packages under the race detector, and the fuzz
# targets' seed corpora. CI runs exactly this.
test: deps
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -count=1 ./...
	$(GO) test -tags $(TAGS) -race -count=1 ./pipeline/ ./report/ ./cmd/...

lint: deps
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...
	$(GO) run golang.org/x/vuln/cmd/govulncheck@latest ./... || echo "govulncheck could not run (needs vuln.go.dev)"

# Accuracy on ../shared/data, one block per data set.
eval: deps
	$(GO) run -tags $(TAGS) ./cmd/histocount-eval

# Throughput, scaling and memory; prints ratios against the 1-worker
# baseline measured in the same run.
bench: build
	@bash scripts/bench.sh

# Longer fuzzing of the decoders and parsers (the seeds run in `make test`).
fuzz: deps
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./imageio/
	$(GO) test -run '^$$' -fuzz FuzzSampleSheet -fuzztime 30s ./cmd/histocount/
	$(GO) test -run '^$$' -fuzz FuzzManifest -fuzztime 60s ./cmd/histocount/
	$(GO) test -run '^$$' -fuzz FuzzDistanceToBackground -fuzztime 30s ./analysis/internal/morph/
	$(GO) test -run '^$$' -fuzz FuzzTemplate -fuzztime 30s ./dilution/

image:
	bash scripts/image.sh

image-test:
	bash scripts/image-test.sh

clean:
	rm -rf bin $(DEMO_OUT)
