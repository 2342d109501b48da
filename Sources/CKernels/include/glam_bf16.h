/*
 * bfloat16 matrix products through oneDNN's matmul primitive (AVX512-BF16 kernels where the CPU
 * has them): y (+)= x · W with x FLOAT [M, K] converted to bfloat16 per call, W packed once in
 * bfloat16, and FLOAT accumulation and output.
 */
#ifndef GLAM_BF16_H
#define GLAM_BF16_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glam_bf16_matmul glam_bf16_matmul;

/*
 * Creates a product for `rows` × `inner` inputs and an `inner` × `columns` FLOAT weight matrix
 * (row-major), which is rounded to bfloat16 and packed. With `accumulate`, a run adds the
 * product to the output instead of overwriting it. Returns NULL and writes a message on failure.
 * A handle serves one run at a time.
 */
glam_bf16_matmul *glam_bf16_matmul_create(size_t rows, size_t inner, size_t columns, const float *weights,
                                          int accumulate, char *error, size_t error_capacity);

/* Computes output (+)= input · W. Returns 0 on success, -1 on failure. */
int glam_bf16_matmul_run(glam_bf16_matmul *product, const float *input, float *output);

void glam_bf16_matmul_free(glam_bf16_matmul *product);

/* Rounds a FLOAT to bfloat16, to nearest even (NaN stays NaN). */
unsigned short glam_float_to_bf16(float value);

#ifdef __cplusplus
}
#endif

#endif
