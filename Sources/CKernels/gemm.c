// FLOAT GEMM with fused epilogues for the linear layers; see include/glam_gemm.h.
//
// One call computes one tile of C (at most GLAM_GEMM_TILE_ROWS × GLAM_GEMM_TILE_COLUMNS), so
// the caller's thread pool splits a product into tiles. Within a tile, K is walked in slices
// of KC. Each slice of B (or of Bᵀ) is copied into the caller's workspace as 32-column strips
// ([KC][32] each, zero beyond N). A 14 × 32 register micro-kernel then multiplies rows of A,
// read in place with broadcasts, by the strips. The epilogue (column or row bias, GELU,
// residual) is applied while the last slice's accumulators are still in registers, so each
// element of C is stored once per slice and the epilogue adds no pass over memory.

#include "glam_gemm.h"

#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vector_math.h"

// Rows of a micro-tile and 32-bit lanes of its two column vectors.
#define MR 14
#define NR 32

// Stores a micro-tile of accumulators to C[rows × width]; when `last`, first adds the column
// and row biases, applies GELU and adds the residual, in that order, each where requested.
__attribute__((target("avx512f"), always_inline)) static inline void finish_tile(
    int rows, __m512 acc[MR][2], float *c, size_t ldc, size_t width, int last, const float *bias,
    const float *row_bias, const float *residual, size_t ld_residual, int apply_gelu) {
    __mmask16 low = lane_mask(width);
    __mmask16 high = lane_mask(width > 16 ? width - 16 : 0);
    if (last) {
        __m512 bias0 = bias ? _mm512_maskz_loadu_ps(low, bias) : _mm512_setzero_ps();
        __m512 bias1 = bias ? _mm512_maskz_loadu_ps(high, bias + 16) : _mm512_setzero_ps();
        for (int i = 0; i < rows; i++) {
            acc[i][0] = _mm512_add_ps(acc[i][0], bias0);
            acc[i][1] = _mm512_add_ps(acc[i][1], bias1);
            if (row_bias) {
                acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_set1_ps(row_bias[i]));
                acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_set1_ps(row_bias[i]));
            }
            if (apply_gelu) {
                acc[i][0] = gelu_avx512_vector(acc[i][0]);
                acc[i][1] = gelu_avx512_vector(acc[i][1]);
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

#ifndef KC
#define KC 384
#endif

size_t glam_gemm_workspace_floats(void) {
    return (size_t)KC * GLAM_GEMM_TILE_COLUMNS;
}

int glam_gemm_supported(void) { return glam_kernels_have_avx512(); }

static size_t padded_columns(size_t columns) { return (columns + NR - 1) / NR * NR; }

// Copies rows [k0, k0 + kc) and columns [n0, n0 + nc) of Bᵀ, stored as columns × inner, into
// 32-column strips. A strip's values are gathered one by one; the copy costs one pass over the
// slice per tile, against `rows` multiply-adds for each value.
static void pack_b_transposed(const float *b, size_t ldb, size_t k0, size_t kc, size_t n0, size_t nc,
                              float *packed) {
    for (size_t strip = 0; strip < nc; strip += NR) {
        size_t width = nc - strip < NR ? nc - strip : NR;
        float *target = packed + strip * kc;
        for (size_t k = 0; k < kc; k++) {
            for (size_t j = 0; j < NR; j++) {
                target[k * NR + j] = j < width ? b[(n0 + strip + j) * ldb + k0 + k] : 0.0f;
            }
        }
    }
}

// Copies rows [k0, k0 + kc) and columns [n0, n0 + nc) of B into 32-column strips.
__attribute__((target("avx512f"))) static void pack_b(const float *b, size_t ldb, size_t k0, size_t kc, size_t n0,
                                                    size_t nc, float *packed) {
    for (size_t strip = 0; strip < nc; strip += NR) {
        size_t width = nc - strip < NR ? nc - strip : NR;
        __mmask16 low = lane_mask(width);
        __mmask16 high = lane_mask(width > 16 ? width - 16 : 0);
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
    int first, int last, const float *bias, const float *row_bias, const float *residual, size_t ld_residual,
    int apply_gelu) {
    __mmask16 low = lane_mask(width);
    __mmask16 high = lane_mask(width > 16 ? width - 16 : 0);
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
    finish_tile(rows, acc, c, ldc, width, last, bias, row_bias, residual, ld_residual, apply_gelu);
}

#define MICRO_CASE(n) \
    case n: micro_kernel(n, a, lda, strip, kc, c, ldc, width, first, last, bias, row_bias, residual, ld_residual, apply_gelu); break;

__attribute__((target("avx512f"))) static void micro_dispatch(
    int rows, const float *a, size_t lda, const float *strip, size_t kc, float *c, size_t ldc, size_t width,
    int first, int last, const float *bias, const float *row_bias, const float *residual, size_t ld_residual,
    int apply_gelu) {
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
        // The strips of this slice and tile: prepacked once, or copied now into the workspace.
        const float *strips = workspace;
        if (problem->packed_b) {
            strips = problem->packed_b + k0 * padded_columns(problem->columns) + col0 * kc;
        } else if (problem->transpose_b) {
            pack_b_transposed(problem->b, problem->ldb, k0, kc, col0, cols, workspace);
        } else {
            pack_b(problem->b, problem->ldb, k0, kc, col0, cols, workspace);
        }

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
                const float *row_bias = last && problem->row_bias ? problem->row_bias + row : NULL;
                const float *residual = last && problem->residual
                    ? problem->residual + row * problem->ld_residual + column : NULL;
                micro_dispatch(count, a, problem->lda, strips + strip * kc, kc,
                               problem->c + row * problem->ldc + column, problem->ldc, width, first, last, bias,
                               row_bias, residual, problem->ld_residual, last && problem->gelu);
            }
        }
    }
}

// The tile width a problem sets, or the default when it sets none or an invalid one.
static size_t tile_columns(const glam_gemm_problem *problem) {
    size_t width = problem->tile_columns;
    if (width == 0 || width > GLAM_GEMM_TILE_COLUMNS || width % NR != 0) {
        return GLAM_GEMM_TILE_COLUMNS;
    }
    return width;
}

int glam_gemm_tile(const glam_gemm_problem *problem, size_t tile, float *workspace) {
    if (!glam_kernels_have_avx512() || problem == NULL || workspace == NULL || ((size_t)workspace & 63) != 0) {
        return -1;
    }
    size_t width = tile_columns(problem);
    size_t row_tiles = (problem->rows + GLAM_GEMM_TILE_ROWS - 1) / GLAM_GEMM_TILE_ROWS;
    size_t column_tiles = (problem->columns + width - 1) / width;
    if (tile >= row_tiles * column_tiles || problem->inner == 0) {
        return -1;
    }
    // Tiles that share a column block are adjacent, so a worker taking consecutive tiles
    // reuses the same slices of B from its cache.
    size_t row0 = (tile % row_tiles) * GLAM_GEMM_TILE_ROWS;
    size_t col0 = (tile / row_tiles) * width;
    size_t rows = problem->rows - row0 < GLAM_GEMM_TILE_ROWS ? problem->rows - row0 : GLAM_GEMM_TILE_ROWS;
    size_t cols = problem->columns - col0 < width ? problem->columns - col0 : width;
    gemm_tile_avx512(problem, row0, rows, col0, cols, workspace);
    return 0;
}

size_t glam_gemm_tile_count(const glam_gemm_problem *problem) {
    size_t width = tile_columns(problem);
    size_t row_tiles = (problem->rows + GLAM_GEMM_TILE_ROWS - 1) / GLAM_GEMM_TILE_ROWS;
    size_t column_tiles = (problem->columns + width - 1) / width;
    return row_tiles * column_tiles;
}

size_t glam_gemm_packed_b_floats(size_t inner, size_t columns) { return inner * padded_columns(columns); }

// Slice by slice, each slice's strips in column order: slice k0 starts at k0 · padded columns,
// and within it the strip of column n0 starts at n0 · kc, as gemm_tile_avx512 reads them.
// Multiplies the packed strips of columns [n0, n0 + nc) of one slice by their column's scale.
static void scale_strips(float *strips, size_t kc, size_t n0, size_t nc, const float *column_scale) {
    for (size_t strip = 0; strip < nc; strip += NR) {
        size_t width = nc - strip < NR ? nc - strip : NR;
        float *values = strips + strip * kc;
        for (size_t k = 0; k < kc; k++) {
            for (size_t j = 0; j < width; j++) {
                values[k * NR + j] *= column_scale[n0 + strip + j];
            }
        }
    }
}

int glam_gemm_pack_b_strips(const float *b, size_t ldb, int transpose_b, size_t inner, size_t columns,
                            size_t first_strip, size_t strip_count, const float *column_scale, float *packed) {
    if (!glam_kernels_have_avx512() || packed == NULL || ((size_t)packed & 63) != 0) {
        return -1;
    }
    size_t n0 = first_strip * NR;
    if (n0 >= columns) {
        return 0;
    }
    size_t nc = columns - n0 < strip_count * NR ? columns - n0 : strip_count * NR;
    for (size_t k0 = 0; k0 < inner; k0 += KC) {
        size_t kc = inner - k0 < KC ? inner - k0 : KC;
        float *target = packed + k0 * padded_columns(columns) + n0 * kc;
        if (transpose_b) {
            pack_b_transposed(b, ldb, k0, kc, n0, nc, target);
        } else {
            pack_b(b, ldb, k0, kc, n0, nc, target);
        }
        if (column_scale) {
            scale_strips(target, kc, n0, nc, column_scale);
        }
    }
    return 0;
}

int glam_gemm_pack_b(const float *b, size_t ldb, int transpose_b, size_t inner, size_t columns, float *packed) {
    return glam_gemm_pack_b_strips(b, ldb, transpose_b, inner, columns, 0, (columns + NR - 1) / NR, NULL, packed);
}

// The calling thread's workspace for glam_gemm_serial: allocated at its first call and freed
// by the key's destructor when the thread exits, so short-lived host threads do not leak it.
static pthread_key_t serial_key;
static pthread_once_t serial_once = PTHREAD_ONCE_INIT;
static int serial_key_status = -1;

static void create_serial_key(void) { serial_key_status = pthread_key_create(&serial_key, free); }

int glam_gemm_serial(const glam_gemm_problem *problem) {
    if (!glam_kernels_have_avx512() || problem == NULL) {
        return -1;
    }
    pthread_once(&serial_once, create_serial_key);
    if (serial_key_status != 0) {
        return -1;
    }
    float *workspace = pthread_getspecific(serial_key);
    if (workspace == NULL) {
        void *memory = NULL;
        if (posix_memalign(&memory, 64, glam_gemm_workspace_floats() * sizeof(float)) != 0) {
            return -1;
        }
        if (pthread_setspecific(serial_key, memory) != 0) {
            free(memory);
            return -1;
        }
        workspace = memory;
    }
    size_t tiles = glam_gemm_tile_count(problem);
    for (size_t tile = 0; tile < tiles; tile++) {
        if (glam_gemm_tile(problem, tile, workspace) != 0) {
            return -1;
        }
    }
    return 0;
}
