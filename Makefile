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

.PHONY: deps export-deps build lib demo demo-model test c-checks conformance leak-check fuzz fuzz-loader clean

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
	$(MAKE) c-checks
	@if [ -f Tests/bindings-check.sh ]; then EXPORT_PYTHON=$(EXPORT_PYTHON) sh Tests/bindings-check.sh; fi

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

# Fuzzes the ONNX loader and planner with libFuzzer + AddressSanitizer for SECONDS seconds,
# seeded with the fixtures and some ONNX node-test models. Crashes land in .build/fuzz-artifacts.
SECONDS ?= 60
fuzz-loader: deps
	swift build -c release --scratch-path .build/fuzz --product GlamFuzzLoader -Xswiftc -sanitize=fuzzer,address
	mkdir -p .build/fuzz-corpus .build/fuzz-artifacts
	cp Tests/Fixtures/glam-tiny-opset17/*.onnx Tests/Fixtures/malformed/*.onnx .build/fuzz-corpus/
	for test in add matmul_2d reshape_negative_dim slice gemm_all_attributes conv_with_strides_padding split_variable_parts_1d; do \
	  cp /usr/share/libonnx-testdata/data/node/test_$$test/model.onnx .build/fuzz-corpus/$$test.onnx; done
	SWIFT_BACKTRACE=enable=no .build/fuzz/release/GlamFuzzLoader .build/fuzz-corpus -max_total_time=$(SECONDS) \
	  -timeout=10 -rss_limit_mb=4096 -max_len=200000 -artifact_prefix=.build/fuzz-artifacts/

conformance: build
	$(GLAM) conformance --verbose 1

clean:
	rm -rf .build
