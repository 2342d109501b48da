/*
 * Vectorised float kernels for libglam's hot loops, chosen at run time for the CPU: AVX-512,
 * AVX2 with FMA, or portable scalar code. Swift builds for baseline x86-64, where its SIMD
 * types cannot use these instruction sets.
 */
#ifndef GLAM_KERNELS_H
#define GLAM_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces each of `rows` contiguous rows of `length` floats by its softmax, in place. */
void glam_kernel_softmax_rows(float *values, size_t rows, size_t length);

/* output[i] = x · Φ(x) for x = input[i], with the exact (erf) normal CDF; output may equal input.
 * The erf approximation (Abramowitz and Stegun 7.1.26) has absolute error below 1.5e-7. */
void glam_kernel_gelu(const float *input, float *output, size_t count);

/* Layer normalisation of `rows` contiguous rows of `width` floats: y = (x − mean) / sqrt(var + epsilon)
 * · scale + bias, with bias optional (NULL). Statistics use the two-pass form for accuracy. */
void glam_kernel_layer_norm(const float *input, float *output, size_t rows, size_t width,
                            const float *scale, const float *bias, float epsilon);

/* Tells the CPU that the calling thread is spinning on a flag (x86 PAUSE), which saves power
 * and leaves the core's shared resources to the other hyperthread. */
static inline void glam_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Nonzero when glam_kernel_attention_block runs on this CPU (it needs AVX-512F). */
int glam_kernel_attention_supported(void);

/* Floats of 64-byte aligned workspace that glam_kernel_attention_block needs for a head of
 * `head_dim` columns. */
size_t glam_kernel_attention_workspace(size_t head_dim);

/* Self-attention of up to 64 query rows against all `tokens` keys of one head:
 * out[i] = softmax(scale · q[i] · Kᵀ) · V, with an online softmax over chunks of 64 keys.
 * Rows of q are `q_ld` floats apart, rows of k and v `kv_ld` apart and rows of out `out_ld`
 * apart. Each row has `head_dim` values. A dense copy of the head's K and V runs faster than
 * rows spread across a wide projection. Returns 0, or -1 without writing when the CPU lacks
 * AVX-512F, `rows` is 0 or above 64, `tokens` or `head_dim` is 0, or the workspace is not
 * 64-byte aligned; the caller then uses its GEMM path. Thread-safe with a workspace per thread. */
int glam_kernel_attention_block(const float *q, size_t q_ld, const float *k, const float *v, size_t kv_ld,
                                size_t rows, size_t tokens, size_t head_dim, float scale, float *out, size_t out_ld,
                                float *workspace);

/* Marks the calling thread as folding constants at plan-build time (nonzero) or not (0).
 * While it is set, libglam runs FLOAT GEMMs of that thread with OpenBLAS on the thread itself,
 * so a model load neither generates oneDNN kernels nor wakes its OpenMP team. */
void glam_set_thread_folding(int folding);
int glam_thread_folding(void);

/* The instruction set the kernels use on this CPU: "avx512", "avx2" or "scalar". */
const char *glam_kernel_isa(void);

#ifdef __cplusplus
}
#endif

#endif
