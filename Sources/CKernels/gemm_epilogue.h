// The epilogue shared by the FLOAT and bfloat16 GEMM micro-kernels; private to CKernels.
#ifndef GLAM_GEMM_EPILOGUE_H
#define GLAM_GEMM_EPILOGUE_H

#include <immintrin.h>
#include <stddef.h>

#include "vector_exp.h"

// Rows of a micro-tile and 32-bit lanes of its two column vectors.
#define MR 14
#define NR 32

// Abramowitz and Stegun 7.1.26, as in kernels.c: |erf error| < 1.5e-7.
#define ERF_P 0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 -0.284496736f
#define ERF_A3 1.421413741f
#define ERF_A4 -1.453152027f
#define ERF_A5 1.061405429f

// GELU with the exact (erf) normal CDF.
__attribute__((target("avx512f"))) static inline __m512 gelu(__m512 x) {
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
    __m512 a = _mm512_abs_ps(z);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(ERF_P), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(ERF_A5);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A4));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A3));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A2));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A1));
    p = _mm512_mul_ps(p, t);
    __m512 erf_abs = _mm512_fnmadd_ps(p, exp_avx512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a)), _mm512_set1_ps(1.0f));
    // erf is odd: give erf_abs the sign of z.
    __m512 erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erf_abs),
                                     _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32((int)0x80000000u))));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(_mm512_set1_ps(1.0f), erf));
}

// Stores a micro-tile of accumulators to C[rows × width]; when `last`, first adds the bias,
// applies GELU and adds the residual, in that order, each where requested.
__attribute__((target("avx512f"), always_inline)) static inline void finish_tile(
    int rows, __m512 acc[MR][2], float *c, size_t ldc, size_t width, int last, const float *bias,
    const float *residual, size_t ld_residual, int apply_gelu) {
    __mmask16 low = width >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
    __mmask16 high = width >= 32 ? (__mmask16)0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1u);
    if (last) {
        __m512 bias0 = bias ? _mm512_maskz_loadu_ps(low, bias) : _mm512_setzero_ps();
        __m512 bias1 = bias ? _mm512_maskz_loadu_ps(high, bias + 16) : _mm512_setzero_ps();
        for (int i = 0; i < rows; i++) {
            acc[i][0] = _mm512_add_ps(acc[i][0], bias0);
            acc[i][1] = _mm512_add_ps(acc[i][1], bias1);
            if (apply_gelu) {
                acc[i][0] = gelu(acc[i][0]);
                acc[i][1] = gelu(acc[i][1]);
            }
            if (residual) {
                acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(low, residual + i * ld_residual));
                acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(high, residual + i * ld_residual + 16));
            }
        }
    }
    for (int i = 0; i < rows; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, low, acc[i][0]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, high, acc[i][1]);
    }
}

#endif
