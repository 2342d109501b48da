// FLOAT GEMM with fused epilogues for the linear layers; see include/glam_gemm.h.
//
// One call computes one tile of C (at most GLAM_GEMM_TILE_ROWS × GLAM_GEMM_TILE_COLUMNS), so
// the caller's thread pool splits a product into tiles. Within a tile, K is walked in slices
// of KC: each slice of B is copied into the caller's workspace as 32-column strips
// ([KC][32] each, zero beyond N), then a 14 × 32 register micro-kernel multiplies rows of A,
// read in place with broadcasts, by the strips. The epilogue (bias, GELU, residual) is applied
// while the last slice's accumulators are still in registers, so C is written once.

#include "glam_gemm.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "gemm_epilogue.h"

#ifndef KC
#define KC 384
#endif

size_t glam_gemm_workspace_floats(void) {
    return (size_t)KC * GLAM_GEMM_TILE_COLUMNS;
}

int glam_gemm_supported(void) { return glam_kernels_have_avx512(); }

// Copies rows [k0, k0 + kc) and columns [n0, n0 + nc) of B into 32-column strips.
__attribute__((target("avx512f"))) static void pack_b(const float *b, size_t ldb, size_t k0, size_t kc, size_t n0,
                                                    size_t nc, float *packed) {
    for (size_t strip = 0; strip < nc; strip += NR) {
        size_t width = nc - strip < NR ? nc - strip : NR;
        __mmask16 low = width >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
        __mmask16 high = width >= 32 ? (__mmask16)0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1u);
        float *target = packed + strip * kc;
        const float *source = b + k0 * ldb + n0 + strip;
        for (size_t k = 0; k < kc; k++) {
            _mm512_store_ps(target + k * NR, _mm512_maskz_loadu_ps(low, source + k * ldb));
            _mm512_store_ps(target + k * NR + 16, _mm512_maskz_loadu_ps(high, source + k * ldb + 16));
        }
    }
}

// C[rows × width] (+)= A[rows × kc] · strip, for rows ≤ MR and width ≤ NR. `first` starts from
// zero instead of C; `last` applies the epilogue. Inlined with a constant row count so that the
// accumulators stay in registers.
__attribute__((target("avx512f"), always_inline)) static inline void micro_kernel(
    int rows, const float *a, size_t lda, const float *strip, size_t kc, float *c, size_t ldc, size_t width,
    int first, int last, const float *bias, const float *residual, size_t ld_residual, int apply_gelu) {
    __mmask16 low = width >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
    __mmask16 high = width >= 32 ? (__mmask16)0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1u);
    __m512 acc[MR][2];
    for (int i = 0; i < rows; i++) {
        if (first) {
            acc[i][0] = _mm512_setzero_ps();
            acc[i][1] = _mm512_setzero_ps();
        } else {
            acc[i][0] = _mm512_maskz_loadu_ps(low, c + i * ldc);
            acc[i][1] = _mm512_maskz_loadu_ps(high, c + i * ldc + 16);
        }
    }
    for (size_t k = 0; k < kc; k++) {
        __m512 b0 = _mm512_load_ps(strip + k * NR);
        __m512 b1 = _mm512_load_ps(strip + k * NR + 16);
        // Keeps b0 and b1 in registers: GCC otherwise re-reads them as a memory operand of
        // every FMA, three loads per two FMAs, more than the load ports sustain.
        __asm__("" : "+v"(b0), "+v"(b1));
        for (int i = 0; i < rows; i++) {
            __m512 value = _mm512_set1_ps(a[i * lda + k]);
            acc[i][0] = _mm512_fmadd_ps(value, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(value, b1, acc[i][1]);
        }
    }
    finish_tile(rows, acc, c, ldc, width, last, bias, residual, ld_residual, apply_gelu);
}

#define MICRO_CASE(n) \
    case n: micro_kernel(n, a, lda, strip, kc, c, ldc, width, first, last, bias, residual, ld_residual, apply_gelu); break;

__attribute__((target("avx512f"))) static void micro_dispatch(
    int rows, const float *a, size_t lda, const float *strip, size_t kc, float *c, size_t ldc, size_t width,
    int first, int last, const float *bias, const float *residual, size_t ld_residual, int apply_gelu) {
    switch (rows) {
    MICRO_CASE(14) MICRO_CASE(13) MICRO_CASE(12) MICRO_CASE(11) MICRO_CASE(10) MICRO_CASE(9) MICRO_CASE(8)
    MICRO_CASE(7) MICRO_CASE(6) MICRO_CASE(5) MICRO_CASE(4) MICRO_CASE(3) MICRO_CASE(2) MICRO_CASE(1)
    default: break;
    }
}

__attribute__((target("avx512f"))) static void gemm_tile_avx512(const glam_gemm_problem *problem, size_t row0,
                                                              size_t rows, size_t col0, size_t cols,
                                                              float *workspace) {
    size_t inner = problem->inner;
    for (size_t k0 = 0; k0 < inner; k0 += KC) {
        size_t kc = inner - k0 < KC ? inner - k0 : KC;
        int first = k0 == 0;
        int last = k0 + kc == inner;
        pack_b(problem->b, problem->ldb, k0, kc, col0, cols, workspace);

        // Row groups outside, strips inside: the group's rows of A (MR × KC floats) stay in L1
        // while the packed slice of B streams from L2.
        for (size_t i = 0; i < rows; i += MR) {
            int count = rows - i < MR ? (int)(rows - i) : MR;
            size_t row = row0 + i;
            const float *a = problem->a + row * problem->lda + k0;
            for (size_t strip = 0; strip < cols; strip += NR) {
                size_t width = cols - strip < NR ? cols - strip : NR;
                size_t column = col0 + strip;
                const float *bias = last && problem->bias ? problem->bias + column : NULL;
                const float *residual = last && problem->residual
                    ? problem->residual + row * problem->ld_residual + column : NULL;
                micro_dispatch(count, a, problem->lda, workspace + strip * kc, kc,
                               problem->c + row * problem->ldc + column, problem->ldc, width, first, last, bias,
                               residual, problem->ld_residual, last && problem->gelu);
            }
        }
    }
}

int glam_gemm_tile(const glam_gemm_problem *problem, size_t tile, float *workspace) {
    if (!glam_kernels_have_avx512() || problem == NULL || workspace == NULL || ((size_t)workspace & 63) != 0) {
        return -1;
    }
    size_t row_tiles = (problem->rows + GLAM_GEMM_TILE_ROWS - 1) / GLAM_GEMM_TILE_ROWS;
    size_t column_tiles = (problem->columns + GLAM_GEMM_TILE_COLUMNS - 1) / GLAM_GEMM_TILE_COLUMNS;
    if (tile >= row_tiles * column_tiles || problem->inner == 0) {
        return -1;
    }
    // Tiles that share a column block are adjacent, so a worker taking consecutive tiles
    // reuses the same slices of B from its cache.
    size_t row0 = (tile % row_tiles) * GLAM_GEMM_TILE_ROWS;
    size_t col0 = (tile / row_tiles) * GLAM_GEMM_TILE_COLUMNS;
    size_t rows = problem->rows - row0 < GLAM_GEMM_TILE_ROWS ? problem->rows - row0 : GLAM_GEMM_TILE_ROWS;
    size_t cols = problem->columns - col0 < GLAM_GEMM_TILE_COLUMNS ? problem->columns - col0 : GLAM_GEMM_TILE_COLUMNS;
    gemm_tile_avx512(problem, row0, rows, col0, cols, workspace);
    return 0;
}

size_t glam_gemm_tile_count(const glam_gemm_problem *problem) {
    size_t row_tiles = (problem->rows + GLAM_GEMM_TILE_ROWS - 1) / GLAM_GEMM_TILE_ROWS;
    size_t column_tiles = (problem->columns + GLAM_GEMM_TILE_COLUMNS - 1) / GLAM_GEMM_TILE_COLUMNS;
    return row_tiles * column_tiles;
}
