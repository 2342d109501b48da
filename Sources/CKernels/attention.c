// Fused self-attention for one block of query rows of one head; see include/glam_kernels.h.
//
// Every tile is laid out with the block's 64 queries along the vector lanes (four 16-lane
// vectors), so the online softmax needs no horizontal reductions. K and V are read in the
// row-major layout the QKV projection writes. A key or value element is broadcast from its
// row, never gathered, and no transposed copy of K exists.
//
// Per block the workspace holds, in floats:
//   qt     head_dim × 64   Qᵀ, scaled, zero beyond the block's rows
//   st     CHUNK × 64      Sᵀ of one chunk of keys, then Pᵀ = exp(Sᵀ − max) in place
//   ot     head_dim × 64   Oᵀ, the running unnormalised output
//   maxima, sums, alphas, previous   64 each: running row maximum and sum, this chunk's
//                                    rescale, the maximum before this chunk
// qt, st and ot together are 48 KiB for a 64-wide head, the L1 data cache of current x86 cores.

#include "glam_kernels.h"

#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "vector_math.h"

#define QUERIES 64
#define LANES 16
#define VECTORS (QUERIES / LANES)
#define CHUNK 64
// Keys per score micro-kernel and head columns per output micro-kernel: 6 × 4 accumulators
// plus 4 loaded vectors use 28 of the 32 vector registers.
#define GROUP 6

int glam_kernel_attention_supported(void) { return glam_kernels_have_avx512(); }

size_t glam_kernel_attention_workspace(size_t head_dim) {
    return (2 * head_dim + CHUNK) * QUERIES + 4 * QUERIES;
}

// st[j][·] = Σ_d k[j][d] · qt[d][·] for `count` keys, count ≤ GROUP, raising `maxima` to cover
// them; inlined with a constant count so that the accumulators stay in registers.
__attribute__((target("avx512f"), always_inline)) static inline void score_keys(
    const float *qt, size_t head_dim, const float *k, size_t ld, int count, float *st, __m512 maxima[VECTORS]) {
    __m512 acc[GROUP][VECTORS];
    for (int j = 0; j < count; j++) {
        for (int v = 0; v < VECTORS; v++) acc[j][v] = _mm512_setzero_ps();
    }
    for (size_t d = 0; d < head_dim; d++) {
        __m512 q[VECTORS];
        for (int v = 0; v < VECTORS; v++) q[v] = _mm512_load_ps(qt + d * QUERIES + v * LANES);
        for (int j = 0; j < count; j++) {
            __m512 key = _mm512_set1_ps(k[(size_t)j * ld + d]);
            for (int v = 0; v < VECTORS; v++) acc[j][v] = _mm512_fmadd_ps(q[v], key, acc[j][v]);
        }
    }
    for (int j = 0; j < count; j++) {
        for (int v = 0; v < VECTORS; v++) {
            _mm512_store_ps(st + (size_t)j * QUERIES + v * LANES, acc[j][v]);
            maxima[v] = _mm512_max_ps(maxima[v], acc[j][v]);
        }
    }
}

// ot[c][·] = alpha · ot[c][·] + Σ_j v[j][c] · pt[j][·] for `count` head columns starting at
// column c0, count ≤ GROUP.
__attribute__((target("avx512f"), always_inline)) static inline void accumulate_values(
    const float *pt, size_t keys, const float *v, size_t ld, size_t c0, int count, const float *alphas, float *ot) {
    __m512 acc[GROUP][VECTORS];
    for (int c = 0; c < count; c++) {
        for (int q = 0; q < VECTORS; q++) {
            __m512 previous = _mm512_load_ps(ot + (c0 + c) * QUERIES + q * LANES);
            acc[c][q] = _mm512_mul_ps(previous, _mm512_load_ps(alphas + q * LANES));
        }
    }
    for (size_t j = 0; j < keys; j++) {
        __m512 p[VECTORS];
        for (int q = 0; q < VECTORS; q++) p[q] = _mm512_load_ps(pt + j * QUERIES + q * LANES);
        const float *row = v + j * ld + c0;
        for (int c = 0; c < count; c++) {
            __m512 value = _mm512_set1_ps(row[c]);
            for (int q = 0; q < VECTORS; q++) acc[c][q] = _mm512_fmadd_ps(p[q], value, acc[c][q]);
        }
    }
    for (int c = 0; c < count; c++) {
        for (int q = 0; q < VECTORS; q++) _mm512_store_ps(ot + (c0 + c) * QUERIES + q * LANES, acc[c][q]);
    }
}

// Scores one chunk of keys into st and raises the running row maxima in `maxima` to cover it.
__attribute__((target("avx512f"))) static void score_chunk(const float *qt, size_t head_dim, const float *k,
                                                         size_t ld, size_t keys, float *st, float *maxima) {
    __m512 running[VECTORS];
    for (int v = 0; v < VECTORS; v++) running[v] = _mm512_load_ps(maxima + v * LANES);

    size_t j = 0;
    for (; j + GROUP <= keys; j += GROUP) score_keys(qt, head_dim, k + j * ld, ld, GROUP, st + j * QUERIES, running);
    switch (keys - j) {
    case 5: score_keys(qt, head_dim, k + j * ld, ld, 5, st + j * QUERIES, running); break;
    case 4: score_keys(qt, head_dim, k + j * ld, ld, 4, st + j * QUERIES, running); break;
    case 3: score_keys(qt, head_dim, k + j * ld, ld, 3, st + j * QUERIES, running); break;
    case 2: score_keys(qt, head_dim, k + j * ld, ld, 2, st + j * QUERIES, running); break;
    case 1: score_keys(qt, head_dim, k + j * ld, ld, 1, st + j * QUERIES, running); break;
    default: break;
    }

    for (int v = 0; v < VECTORS; v++) _mm512_store_ps(maxima + v * LANES, running[v]);
}

__attribute__((target("avx512f"))) static void accumulate_chunk(const float *pt, size_t keys, const float *v,
                                                              size_t ld, size_t head_dim, const float *alphas,
                                                              float *ot) {
    size_t c = 0;
    for (; c + GROUP <= head_dim; c += GROUP) accumulate_values(pt, keys, v, ld, c, GROUP, alphas, ot);
    switch (head_dim - c) {
    case 5: accumulate_values(pt, keys, v, ld, c, 5, alphas, ot); break;
    case 4: accumulate_values(pt, keys, v, ld, c, 4, alphas, ot); break;
    case 3: accumulate_values(pt, keys, v, ld, c, 3, alphas, ot); break;
    case 2: accumulate_values(pt, keys, v, ld, c, 2, alphas, ot); break;
    case 1: accumulate_values(pt, keys, v, ld, c, 1, alphas, ot); break;
    default: break;
    }
}

// 2^x for x ≤ 0: 2^x = 2^k · 2^r with k = round(x) and |r| ≤ 1/2, where the degree-6 Taylor
// polynomial of 2^r = e^(r·ln 2) is within 1.7e-7 relative. `scalef` applies 2^k and gives 0 for
// any k below the float range, so no clamping is needed for finite x.
__attribute__((target("avx512f"))) static inline __m512 exp2_nonpositive(__m512 x) {
    __m512 k = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_sub_ps(x, k);
    __m512 p = _mm512_set1_ps(1.540353039e-04f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.333355815e-03f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(9.618129108e-03f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.550410866e-02f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(2.402265070e-01f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(6.931471806e-01f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

// Online softmax over one chunk whose scores raised the running maxima from `previous` to
// `maxima`: turns the scores, which are in base-2 units, into 2^(score − maximum) in place and
// rescales the running sum by alpha = 2^(previous − maximum), which the value step applies to Oᵀ.
__attribute__((target("avx512f"))) static void softmax_chunk(float *st, size_t keys, const float *previous,
                                                           const float *maxima, float *sums, float *alphas) {
    for (int q = 0; q < VECTORS; q++) {
        __m512 maximum = _mm512_load_ps(maxima + q * LANES);
        __m512 alpha = exp2_nonpositive(_mm512_sub_ps(_mm512_load_ps(previous + q * LANES), maximum));
        __m512 total = _mm512_setzero_ps();
        for (size_t j = 0; j < keys; j++) {
            float *scores = st + j * QUERIES + q * LANES;
            __m512 p = exp2_nonpositive(_mm512_sub_ps(_mm512_load_ps(scores), maximum));
            _mm512_store_ps(scores, p);
            total = _mm512_add_ps(total, p);
        }
        _mm512_store_ps(sums + q * LANES, _mm512_fmadd_ps(_mm512_load_ps(sums + q * LANES), alpha, total));
        _mm512_store_ps(alphas + q * LANES, alpha);
    }
}

__attribute__((target("avx512f"))) static void attention_block_avx512(
    const float *q, size_t q_ld, const float *k, const float *v, size_t ld, size_t rows, size_t tokens,
    size_t head_dim, float scale, float *out, size_t out_ld, float *workspace) {
    float *qt = workspace;
    float *st = qt + head_dim * QUERIES;
    float *ot = st + CHUNK * QUERIES;
    float *maxima = ot + head_dim * QUERIES;
    float *sums = maxima + QUERIES;
    float *alphas = sums + QUERIES;
    float *previous = alphas + QUERIES;

    // The scale and log2(e) go into Q once instead of into every score, so the softmax works
    // in base 2: softmax(s) = 2^(s·log2 e − max) / Σ 2^(s·log2 e − max).
    float scale2 = scale * 1.44269504088896341f;
    memset(qt, 0, head_dim * QUERIES * sizeof *qt);
    for (size_t i = 0; i < rows; i++) {
        for (size_t d = 0; d < head_dim; d++) qt[d * QUERIES + i] = q[i * q_ld + d] * scale2;
    }
    memset(ot, 0, head_dim * QUERIES * sizeof *ot);
    for (int i = 0; i < QUERIES; i++) {
        // Finite, so that the first chunk's alpha is 2^(−huge) = 0 rather than 2^(−∞ + ∞) = NaN.
        maxima[i] = -FLT_MAX;
        sums[i] = 0;
    }

    for (size_t first = 0; first < tokens; first += CHUNK) {
        size_t keys = tokens - first < CHUNK ? tokens - first : CHUNK;
        memcpy(previous, maxima, QUERIES * sizeof *maxima);
        score_chunk(qt, head_dim, k + first * ld, ld, keys, st, maxima);
        softmax_chunk(st, keys, previous, maxima, sums, alphas);
        accumulate_chunk(st, keys, v + first * ld, ld, head_dim, alphas, ot);
    }

    for (size_t i = 0; i < rows; i++) {
        float inverse = 1.0f / sums[i];
        for (size_t d = 0; d < head_dim; d++) out[i * out_ld + d] = ot[d * QUERIES + i] * inverse;
    }
}

int glam_kernel_attention_block(const float *q, size_t q_ld, const float *k, const float *v, size_t kv_ld,
                                size_t rows, size_t tokens, size_t head_dim, float scale, float *out, size_t out_ld,
                                float *workspace) {
    if (!glam_kernels_have_avx512() || rows == 0 || rows > QUERIES || tokens == 0 || head_dim == 0) {
        return -1;
    }
    if (((size_t)workspace & 63) != 0) {
        return -1;
    }
    attention_block_avx512(q, q_ld, k, v, kv_ld, rows, tokens, head_dim, scale, out, out_ld, workspace);
    return 0;
}
