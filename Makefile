# histocount — see README.md. `make demo` and `make test` are the quick start.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
# Go 1.26.8 (the machines' Go) has standard-library vulnerabilities that the
# binaries reach (net/http, html/template, crypto/x509: govulncheck, 2026-12);
# go1.27.3 fixes them. The go command fetches it from the module proxy once
# (~80 MB) and runs it in place of the local Go.
export GOTOOLCHAIN := go1.27.3
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
TAGS := matprofile
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEMO_OUT ?= results

.PHONY: all deps build demo test test-short test-race lint vulncheck eval bench bench-compare fuzz image image-test cluster-test clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/histocount ./cmd/histocount
	$(GO) build -trimpath -o bin/histocount-synth ./cmd/histocount-synth
	$(GO) build -trimpath -o bin/histocount-physgen ./cmd/histocount-physgen

# Installs what is missing, builds, and runs histocount on the bundled samples.
demo: build
	@rm -rf $(DEMO_OUT)/trypan $(DEMO_OUT)/nuclei $(DEMO_OUT)/colonies $(DEMO_OUT)/sections $(DEMO_OUT)/cohort-images \
	    $(DEMO_OUT)/passports $(DEMO_OUT)/dilution $(DEMO_OUT)/ki67-fields $(DEMO_OUT)/ki67 $(DEMO_OUT)/skin-passports
	./bin/histocount cells --stain trypan --pixel-size 0.8 --depth 100 --sample-by dir \
	    --save-labels --report --out $(DEMO_OUT)/trypan testdata/samples/trypan
	./bin/histocount cells --stain fluorescence --save-labels --out $(DEMO_OUT)/nuclei testdata/samples/nuclei
	@echo; echo "== $(DEMO_OUT)/nuclei/images.csv"; cut -d, -f1-8 $(DEMO_OUT)/nuclei/images.csv
	./bin/histocount colonies --plate-map testdata/samples/colonies/platemap.csv \
	    --pixel-size 40 --min-cells 50 --cell-area 2000 --save-labels --report \
	    --out $(DEMO_OUT)/colonies testdata/samples/colonies
	@# Dose passports for the two trypan batches (B-2026-018 is not released: exit 3, reasons shown)
	-./bin/histocount passport dose --sheet testdata/samples/batches.csv --results $(DEMO_OUT)/trypan \
	    --out $(DEMO_OUT)/passports
	@# Skin Passport: proliferating fraction on two generated DAPI + EdU/Ki-67 fields (exact truth:
	@# 173 of 558 nuclei positive, 31.0 %), CFE from the dishes, viability, growth from a passage sheet.
	@# D02 has no proliferation fields: its passport flags that and the step exits 3 on purpose.
	@# -mitotic 0: the fields the figures above were taken on (no staged mitoses, no apoptotic cells).
	./bin/histocount-physgen -kind twochannel -mitotic 0 -n 2 -seed 5 -out $(DEMO_OUT)/ki67-fields
	mv $(DEMO_OUT)/ki67-fields/images $(DEMO_OUT)/ki67-fields/D01
	./bin/histocount cells --marker-image _dapi=_marker --sample-by dir --out $(DEMO_OUT)/ki67 $(DEMO_OUT)/ki67-fields/D01
	-./bin/histocount passport skin --donors testdata/samples/donors.csv --colonies $(DEMO_OUT)/colonies \
	    --proliferation $(DEMO_OUT)/ki67 --viability $(DEMO_OUT)/trypan --growth testdata/samples/passages.csv \
	    --out $(DEMO_OUT)/skin-passports
	@# ISO 20391-2 counting-method performance on NIST COMET's example 1
	./bin/histocount dilution --out $(DEMO_OUT)/dilution dilution/testdata/comet/Full_Template_Example_1_COMET.csv
	@# Skin sections: a synthetic cohort with known thickness (+62.5 % dermis at 12 months)
	./bin/histocount-synth sections --subjects 3 --months 0,3,12 --out $(DEMO_OUT)/cohort-images
	./bin/histocount dermis --save-labels --report --out $(DEMO_OUT)/sections $(DEMO_OUT)/cohort-images
	./bin/histocount study --sheet $(DEMO_OUT)/cohort-images/sheet.csv --results $(DEMO_OUT)/sections --report
	@echo; echo "Reports: $(DEMO_OUT)/*/report.html; passports: $(DEMO_OUT)/passports/*/passport.{pdf,html,json},"
	@echo "  $(DEMO_OUT)/skin-passports/*/skin_passport.{pdf,html,json};"
	@echo "overlays: $(DEMO_OUT)/*/overlays/; figures: $(DEMO_OUT)/sections/study_change.png, $(DEMO_OUT)/dilution/dilution.png"

# The full test suite: formatting, vet, staticcheck, every test with the Mat
# leak check, the concurrent packages under the race detector, and the fuzz
# targets' seed corpora. CI runs exactly this.
test: deps
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -count=1 -timeout 60m ./...
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 20m ./pipeline/ ./report/ ./cmd/...

# Quick feedback while developing: vet, then every test with -short, which
# skips the slow synthetic-series, report (Chromium) and dev-set tests and
# keeps the rest, Mat leak check included. Not a substitute for `make test`.
test-short: deps
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -short -tags $(TAGS) ./...

lint: deps
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...
	$(MAKE) vulncheck

# Known vulnerabilities in the code paths the binaries reach, against an
# offline database built from golang.org/x/vulndb (vuln.go.dev is not
# reachable from the lab's machines; scripts/vulndb.sh caches it).
vulncheck:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db file://$$(bash scripts/vulndb.sh) ./...

# Accuracy on ../shared/data, one block per data set.
# The independent generator's sets (internal/physgen) are rendered once
# into GEN_DATA (seed 1) and evaluated beside the dev sets; -mitotic 0
# keeps the sets the README figures were measured on (no staged mitoses or
# apoptotic cells; render those with the default -mitotic 0.08).
GEN_DATA ?= $(abspath ../gen-data)
eval: deps
	@test -f $(GEN_DATA)/chamber/truth.csv || $(GO) run ./cmd/histocount-physgen -kind all -mitotic 0 -out $(GEN_DATA)
	HISTOCOUNT_CHAMBER_DATA=$(GEN_DATA)/chamber HISTOCOUNT_GEN_PLATES=$(GEN_DATA)/plates \
	HISTOCOUNT_GEN_DAPI=$(GEN_DATA)/dapi HISTOCOUNT_GEN_SECTIONS=$(GEN_DATA)/sections \
	    $(GO) run -tags $(TAGS) ./cmd/histocount-eval

# Throughput, scaling and memory; prints ratios against the 1-worker
# baseline measured in the same run.
bench: build
	@bash scripts/bench.sh

# histocount against ImageJ's stock macro and a scikit-image pipeline on the
# DSB2018 nuclei batch, same run: wall time, images/s, ratios, F1. Installs
# the peers with apt-get (imagej, python3-skimage, xvfb) when missing.
bench-compare: build
	@bash scripts/bench-compare.sh

# Longer fuzzing of the decoders and parsers (the seeds run in `make test`).
fuzz: deps
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./imageio/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz FuzzDecodeTIFF -fuzztime 60s ./analysis/cvdecode/
	$(GO) test -run '^$$' -fuzz FuzzSampleSheet -fuzztime 30s ./cmd/histocount/
	$(GO) test -run '^$$' -fuzz FuzzManifest -fuzztime 60s ./cmd/histocount/
	$(GO) test -run '^$$' -fuzz FuzzStudySheet -fuzztime 30s ./study/
	$(GO) test -run '^$$' -fuzz FuzzPlateMap -fuzztime 30s ./cmd/histocount/
	$(GO) test -run '^$$' -fuzz FuzzDistanceToBackground -fuzztime 30s ./analysis/internal/morph/
	$(GO) test -run '^$$' -fuzz FuzzTemplate -fuzztime 30s ./dilution/

image:
	bash scripts/image.sh

image-test:
	bash scripts/image-test.sh

# A real single-node Slurm cluster (munged, slurmctld, slurmd on loopback):
# submits deploy/slurm-array.sh's shards and merge, compares with an
# unsharded run, kills a task and resubmits it. Needs root; see the script.
cluster-test:
	bash scripts/cluster-test.sh

clean:
	rm -rf bin $(DEMO_OUT)
