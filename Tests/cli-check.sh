#!/bin/sh
# Runs `glam check` on every fixture, `glam run` on one, and expects failures where they belong.
# Usage: sh Tests/cli-check.sh PATH_TO_GLAM
set -eu
glam=$1
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/Fixtures
shared=$here/../../shared/fixtures

models=$here/../models
checks=0
for folder in "$fixtures/glam-tiny-opset17" "$fixtures/glam-tiny-opset18" "$models/glam-demo"; do
    for graph in encoder align; do
        # An assignment keeps the exit status of `glam check`, so set -e stops on a failed check.
        result=$("$glam" check "$folder/$graph.onnx" "$folder/$graph")
        echo "$(basename "$folder") $graph: $(echo "$result" | tail -n 1)"
        checks=$((checks + 1))
    done
done
if [ -f "$shared/glam-small-opset18/encoder.onnx" ]; then
    for graph in encoder align; do
        result=$("$glam" check "$shared/glam-small-opset18/$graph.onnx" "$shared/glam-small-opset18/$graph")
        echo "glam-small-opset18 $graph: $(echo "$result" | tail -n 1)"
        checks=$((checks + 1))
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
checks=$((checks + 1))

# A corrupted reference must make `check` fail.
cp -r "$fixtures/glam-tiny-opset18/align" "$output/corrupt"
cp "$fixtures/glam-tiny-opset18/align/test_data_set_0/output_1.pb" "$output/corrupt/test_data_set_0/output_0.pb"
if "$glam" check "$fixtures/glam-tiny-opset18/align.onnx" "$output/corrupt" >/dev/null; then
    echo "FAIL: glam check accepted a wrong reference output" >&2
    exit 1
fi
checks=$((checks + 1))
# An unsupported operator is reported by inspect and rejected by run.
"$glam" inspect "$fixtures/malformed/unsupported_operator.onnx" | grep -q "FancyNorm (domain com.example, opset 1) at node 'fancy'"
checks=$((checks + 1))
if "$glam" run "$fixtures/malformed/unsupported_operator.onnx" --output-dir "$output" 2>/dev/null; then
    echo "FAIL: glam run accepted an unsupported operator" >&2
    exit 1
fi
checks=$((checks + 1))
# set -e stops the script at the first failing step, so reaching this line means all passed.
echo "cli-checks: $checks passed, 0 failed"
