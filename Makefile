# libglam build, demo and test entry points. Every target installs what it needs from Debian.

DEBIAN_PACKAGES := libopenblas-dev libonnx-dev libprotobuf-dev libonnx-testdata libpng-dev libdnnl-dev gcc make
# The checkpoint exporter's tests: Debian's CPU build of PyTorch 1.13.1 and onnx 1.12, which install
# for Debian's /usr/bin/python3 (see Docs/exporter.md for the install time).
EXPORT_PACKAGES := python3-torch python3-onnx python3-numpy python3-pytest
EXPORT_PYTHON := /usr/bin/python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT_RELEASE := -c release
GLAM := .build/release/glam
DEMO_MODEL := models/glam-demo
NYU := Tests/Fixtures/mammograms/nyu

.PHONY: deps export-deps build lib demo demo-model test allocation-check c-checks conformance leak-check fuzz fuzz-build fuzz-loader \
  fuzz-plan fuzz-abi-convert fuzz-abi-pipeline clean

# Installs the Debian packages once; later runs only check that they are present.
deps:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y $(DEBIAN_PACKAGES))

# Installs PyTorch and onnx for the exporter once, without recommended packages.
export-deps:
	@dpkg -s $(EXPORT_PACKAGES) >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(EXPORT_PACKAGES))

build: deps
	swift build $(SWIFT_RELEASE)

# libglam.so with the Swift runtime linked in statically, so a C host needs only this file and
# Debian's libopenblas, libdnnl, libonnx and libprotobuf. Built in its own scratch folder because
# -static-stdlib changes every module's compile flags.
lib: deps
	swift build -c release --scratch-path .build/shared --product GlamC \
	  -Xswiftc -static-stdlib -Xlinker -rpath='$$ORIGIN'
	mkdir -p dist/lib dist/include
	cp .build/shared/release/libGlamC.so dist/lib/libglam.so
	cp Include/glam.h dist/include/glam.h

# The main job: the embedded demo bundle (GLAM geometry, untrained weights) on the real NYU
# left CC + MLO pair, through GLAM's preprocessing, the encoder and the alignment head. Writes
# demo-output/overlay.png, the embeddings and maps as .npy files, and a report.
demo: build
	$(GLAM) demo --bundle $(DEMO_MODEL) --output-dir demo-output

# Regenerates the embedded demo bundle with the exporter: seeded random weights (DEMO_SEED), the
# kept NYU test input, outputs recomputed by PyTorch eager. Same torch and seed give the same bytes.
DEMO_SEED ?= 0
demo-model: lib export-deps
	rm -rf .build/glam-demo-new
	cd bindings/python && LIBGLAM_PATH=$(CURDIR)/dist/lib/libglam.so $(EXPORT_PYTHON) -m libglam.export.demo \
	  $(CURDIR)/.build/glam-demo-new --test-input $(CURDIR)/$(DEMO_MODEL)/encoder/test_data_set_0/input_0.pb --seed $(DEMO_SEED)
	rm -rf $(DEMO_MODEL) && mv .build/glam-demo-new $(DEMO_MODEL)

# Unit, fixture and conformance tests, in release mode because debug Swift is too slow for the
# 518×518 fixtures; then the CLI on every fixture.
test: deps export-deps
	swift build $(SWIFT_RELEASE)
	swift test $(SWIFT_RELEASE) -Xswiftc -enable-testing --disable-swift-testing
	$(GLAM) conformance
	sh Tests/cli-check.sh $(GLAM)
	$(MAKE) allocation-check
	$(MAKE) c-checks
	@if [ -f Tests/bindings-check.sh ]; then EXPORT_PYTHON=$(EXPORT_PYTHON) sh Tests/bindings-check.sh; fi

# Plan runs after the first must not allocate: glam bench under an LD_PRELOAD malloc counter.
allocation-check:
	$(CC) -O2 -shared -fPIC -Wall -Wextra -Werror -o .build/malloc_counter.so Tests/c/malloc_counter.c -ldl
	sh Tests/allocation-check.sh $(GLAM) .build/malloc_counter.so $(DEMO_MODEL)/encoder.onnx --shape image=2x3x518x518
	sh Tests/allocation-check.sh $(GLAM) .build/malloc_counter.so $(DEMO_MODEL)/align.onnx \
	  --shape cc_patch_tokens=1x1369x96 --shape mlo_patch_tokens=1x1369x96

# libglam.so from C: the example host and the API-misuse program.
c-checks: lib
	$(MAKE) -C Examples/c
	Examples/c/encode_pair $(DEMO_MODEL) $(NYU)/L-CC.png $(NYU)/L-MLO.png L
	$(CC) -O1 -g -Wall -Wextra -Werror -std=c11 -Idist/include -o .build/abi_misuse Tests/c/abi_misuse.c \
	  -Ldist/lib -lglam -lpng16 -lm -lpthread -Wl,-rpath,'$$ORIGIN/../dist/lib'
	.build/abi_misuse $(DEMO_MODEL) $(NYU)/L-CC.png $(NYU)/L-MLO.png

# Opens, encodes, aligns and closes the demo bundle CYCLES times from a C host built with
# LeakSanitizer; any unreachable block at exit fails the run (Docs/robustness.md).
CYCLES ?= 1000
leak-check: lib
	$(CC) -O1 -g -fsanitize=leak -Wall -Wextra -Werror -std=c11 -Idist/include -o .build/leak_cycles Tests/c/leak_cycles.c \
	  -Ldist/lib -lglam -lpng16 -lm -Wl,-rpath,'$$ORIGIN/../dist/lib'
	LSAN_OPTIONS=exitcode=23 .build/leak_cycles $(DEMO_MODEL) $(NYU)/L-CC.png $(NYU)/L-MLO.png $(CYCLES)

# libFuzzer + AddressSanitizer targets (Docs/robustness.md). `make fuzz SECONDS=N` runs each for
# N seconds in turn; FUZZ_ARGS passes more libFuzzer options (-runs=N, -jobs=2 -workers=2, ...).
# Crash inputs land in .build/fuzz-artifacts; corpora grow in .build/fuzz-corpus.
SECONDS ?= 60
FUZZ_ARGS ?=
FUZZ_BUILD := swift build -c release --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer,address
FUZZ_RUN := SWIFT_BACKTRACE=enable=no
FUZZ_OPTIONS = -max_total_time=$(SECONDS) -timeout=10 -rss_limit_mb=4096 -artifact_prefix=.build/fuzz-artifacts/ $(FUZZ_ARGS)
# LeakSanitizer cannot follow references stored in Swift enums with several payload cases, so it
# reports the models that the plan and ABI targets keep open for the whole run as leaked; those
# targets run without leak detection, and `make leak-check` covers leaks of the C ABI.
FUZZ_NO_LEAKS := ASAN_OPTIONS=detect_leaks=0
FUZZ_MODELS := $(subst $(eval) ,:,$(wildcard Tests/Fixtures/glam-tiny-opset1*/*.onnx)):$(DEMO_MODEL)/align.onnx
FUZZ_BUNDLE := Tests/Fixtures/glam-tiny-opset17
NODE_SEEDS := add matmul_2d reshape_negative_dim slice gemm_all_attributes conv_with_strides_padding split_variable_parts_1d

fuzz: fuzz-loader fuzz-plan fuzz-abi-convert fuzz-abi-pipeline

fuzz-build: deps
	$(FUZZ_BUILD) --product GlamFuzzLoader
	$(FUZZ_BUILD) --product GlamFuzzPlan
	$(FUZZ_BUILD) --product GlamFuzzABI
	mkdir -p .build/fuzz-artifacts .build/fuzz-corpus/loader .build/fuzz-corpus/plan .build/fuzz-corpus/abi

fuzz-loader: fuzz-build
	cp Tests/Fixtures/glam-tiny-opset17/*.onnx Tests/Fixtures/malformed/*.onnx Tests/Fixtures/fuzz-regressions/loader/*.onnx \
	  .build/fuzz-corpus/loader/
	for test in $(NODE_SEEDS); do \
	  cp /usr/share/libonnx-testdata/data/node/test_$$test/model.onnx .build/fuzz-corpus/loader/$$test.onnx; done
	rm -rf .build/fuzz-external && mkdir -p .build/fuzz-external
	cp Tests/Fixtures/malformed/weights.bin .build/fuzz-external/
	ln -s /etc/hostname .build/fuzz-external/outside.bin
	$(FUZZ_RUN) GLAM_FUZZ_EXTERNAL_DIR=.build/fuzz-external .build/fuzz/release/GlamFuzzLoader .build/fuzz-corpus/loader \
	  -max_len=200000 $(FUZZ_OPTIONS)

fuzz-plan: fuzz-build
	$(FUZZ_RUN) $(FUZZ_NO_LEAKS) GLAM_FUZZ_MODELS=$(FUZZ_MODELS) .build/fuzz/release/GlamFuzzPlan .build/fuzz-corpus/plan \
	  $(FUZZ_OPTIONS)

fuzz-abi-convert: fuzz-build
	cp Tests/Fixtures/fuzz-seeds/abi/* .build/fuzz-corpus/abi/
	$(FUZZ_RUN) $(FUZZ_NO_LEAKS) GLAM_FUZZ_MODE=convert GLAM_FUZZ_BUNDLE=$(FUZZ_BUNDLE) .build/fuzz/release/GlamFuzzABI \
	  .build/fuzz-corpus/abi Tests/Fixtures/fuzz-regressions/abi $(FUZZ_OPTIONS)

fuzz-abi-pipeline: fuzz-build
	cp Tests/Fixtures/fuzz-seeds/abi/* .build/fuzz-corpus/abi/
	$(FUZZ_RUN) $(FUZZ_NO_LEAKS) GLAM_FUZZ_MODE=pipeline GLAM_FUZZ_BUNDLE=$(FUZZ_BUNDLE) .build/fuzz/release/GlamFuzzABI \
	  .build/fuzz-corpus/abi Tests/Fixtures/fuzz-regressions/abi $(FUZZ_OPTIONS)

conformance: build
	$(GLAM) conformance --verbose 1

clean:
	rm -rf .build
