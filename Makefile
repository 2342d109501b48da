# libglam build, demo and test entry points. Every target installs what it needs from Debian.

DEBIAN_PACKAGES := libopenblas-dev libonnx-dev libprotobuf-dev libonnx-testdata libpng-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT_RELEASE := -c release
GLAM := .build/release/glam
DEMO_MODEL := Tests/Fixtures/glam-demo-opset18

.PHONY: deps build demo test conformance clean

# Installs the Debian packages once; later runs only check that they are present.
deps:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y $(DEBIAN_PACKAGES))

build: deps
	swift build $(SWIFT_RELEASE)

# The main job: runs the embedded demo model (GLAM geometry, untrained weights) on its stored
# reference input and checks every output against PyTorch.
demo: build
	@echo "glam-demo-opset18 has GLAM's geometry with untrained (random) weights: outputs check arithmetic, not diagnosis."
	$(GLAM) inspect $(DEMO_MODEL)/encoder.onnx
	$(GLAM) check $(DEMO_MODEL)/encoder.onnx $(DEMO_MODEL)/encoder
	$(GLAM) check $(DEMO_MODEL)/align.onnx $(DEMO_MODEL)/align

# Unit, fixture and conformance tests, in release mode because debug Swift is too slow for the
# 518×518 fixtures; then the CLI on every fixture.
test: deps
	swift build $(SWIFT_RELEASE)
	swift test $(SWIFT_RELEASE) -Xswiftc -enable-testing
	$(GLAM) conformance
	sh Tests/cli-check.sh $(GLAM)

conformance: build
	$(GLAM) conformance --verbose 1

clean:
	rm -rf .build
