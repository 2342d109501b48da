// Vectorised e^x and GELU shared by the kernels of this module; private to CKernels.
#ifndef GLAM_VECTOR_MATH_H
#define GLAM_VECTOR_MATH_H

#include <immintrin.h>
#include <stddef.h>

// e^x = 2^k · e^r with k = round(x / ln 2) and |r| ≤ ln2 / 2; a degree-7 Taylor polynomial
// gives e^r to below 3e-8 relative. Inputs are clamped to the float range of e^x.
#define EXP_LOW -87.3f
#define EXP_HIGH 88.3f
#define LOG2E 1.44269504088896341f
#define LN2_HIGH 0.693145751953125f
#define LN2_LOW 1.428606765330187045e-06f

__attribute__((target("avx512f"))) static inline __m512 exp_avx512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LOW)), _mm512_set1_ps(EXP_HIGH));
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(LN2_HIGH), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(LN2_LOW), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

// erf by Abramowitz and Stegun 7.1.26: |erf error| < 1.5e-7.
#define ERF_P 0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 -0.284496736f
#define ERF_A3 1.421413741f
#define ERF_A4 -1.453152027f
#define ERF_A5 1.061405429f

// GELU with the exact (erf) normal CDF.
__attribute__((target("avx512f"))) static inline __m512 gelu_avx512_vector(__m512 x) {
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
    __m512 a = _mm512_abs_ps(z);
    // t = 1 / (1 + p·a): vdivps occupies its port for about 16 cycles per vector, so a 14-bit
    // reciprocal refined by one Newton step (relative error near 2^-28) replaces it.
    __m512 denominator = _mm512_fmadd_ps(a, _mm512_set1_ps(ERF_P), _mm512_set1_ps(1.0f));
    __m512 t = _mm512_rcp14_ps(denominator);
    t = _mm512_fmadd_ps(t, _mm512_fnmadd_ps(denominator, t, _mm512_set1_ps(1.0f)), t);
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

// The mask of the first min(count, 16) lanes of a 16-lane vector.
static inline __mmask16 lane_mask(size_t count) {
    if (count >= 16) return (__mmask16)0xFFFF;
    return (__mmask16)((1u << count) - 1u);
}

// Nonzero when the CPU runs AVX-512F; detected once per process (kernels.c).
int glam_kernels_have_avx512(void);

#endif
