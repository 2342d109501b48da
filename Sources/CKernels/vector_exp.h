// Vectorised e^x shared by the kernels of this module; private to CKernels.
#ifndef GLAM_VECTOR_EXP_H
#define GLAM_VECTOR_EXP_H

#include <immintrin.h>

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

// Nonzero when the CPU runs AVX-512F; detected once per process (kernels.c).
int glam_kernels_have_avx512(void);

#endif
