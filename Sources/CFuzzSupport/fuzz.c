// A weak reference to libFuzzer's driver, so the fuzz targets also link in ordinary builds
// (where running them prints how to build them instead).

#include "glam_fuzz.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t)) __attribute__((weak));

int glam_fuzz_run(int *argc, char ***argv, glam_fuzz_callback callback) {
    if (LLVMFuzzerRunDriver == NULL) {
        return -1;
    }
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
