/* Starts libFuzzer when the program was linked with -sanitize=fuzzer; see fuzz.c. */
#ifndef GLAM_FUZZ_H
#define GLAM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

typedef int (*glam_fuzz_callback)(const uint8_t *data, size_t size);

/* Runs libFuzzer's driver with `callback`; returns -1 when libFuzzer is not linked in. */
int glam_fuzz_run(int *argc, char ***argv, glam_fuzz_callback callback);

#endif
