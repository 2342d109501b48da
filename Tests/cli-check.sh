#!/bin/sh
# Runs `glam check` on every fixture, `glam run` on one, and expects failures where they belong.
# Usage: sh Tests/cli-check.sh PATH_TO_GLAM
set -eu
glam=$1
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/Fixtures
shared=$here/../../shared/fixtures

models=$here/../models
for folder in "$fixtures/glam-tiny-opset17" "$fixtures/glam-tiny-opset18" "$models/glam-demo"; do
    for graph in encoder align; do
        "$glam" check "$folder/$graph.onnx" "$folder/$graph" | tail -n 1
    done
done
if [ -f "$shared/glam-small-opset18/encoder.onnx" ]; then
    for graph in encoder align; do
        "$glam" check "$shared/glam-small-opset18/$graph.onnx" "$shared/glam-small-opset18/$graph" | tail -n 1
    done
else
    echo "skipped: glam-small-opset18 is not in ../shared/fixtures"
fi

output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
"$glam" run "$fixtures/glam-tiny-opset18/align.onnx" \
    --input "cc_patch_tokens=$fixtures/glam-tiny-opset18/align/test_data_set_0/input_0.pb" \
    --input "mlo_patch_tokens=$fixtures/glam-tiny-opset18/align/test_data_set_0/input_1.pb" \
    --output-dir "$output" >/dev/null
test -s "$output/cc_to_mlo.pb"

# A corrupted reference must make `check` fail.
cp -r "$fixtures/glam-tiny-opset18/align" "$output/corrupt"
cp "$fixtures/glam-tiny-opset18/align/test_data_set_0/output_1.pb" "$output/corrupt/test_data_set_0/output_0.pb"
if "$glam" check "$fixtures/glam-tiny-opset18/align.onnx" "$output/corrupt" >/dev/null; then
    echo "FAIL: glam check accepted a wrong reference output" >&2
    exit 1
fi
# An unsupported operator is reported by inspect and rejected by run.
"$glam" inspect "$fixtures/malformed/unsupported_operator.onnx" | grep -q "FancyNorm (domain com.example, opset 1) at node 'fancy'"
if "$glam" run "$fixtures/malformed/unsupported_operator.onnx" --output-dir "$output" 2>/dev/null; then
    echo "FAIL: glam run accepted an unsupported operator" >&2
    exit 1
fi
echo "cli-checks: 4 passed, 0 failed"
