/*
 * FLOAT matrix products with fused epilogues, written for AVX-512: C = epilogue(A · B), where
 * the epilogue adds a bias row, applies GELU (erf form) and adds a residual, in that order,
 * each optional. The product is split into tiles that threads compute independently.
 */
#ifndef GLAM_GEMM_H
#define GLAM_GEMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef GLAM_GEMM_TILE_ROWS
#define GLAM_GEMM_TILE_ROWS 196
#endif
#ifndef GLAM_GEMM_TILE_COLUMNS
#define GLAM_GEMM_TILE_COLUMNS 512
#endif

/* One product, row-major throughout. A is rows × inner, B is inner × columns, and C and the
 * residual are rows × columns. `bias` has `columns` values, added to every row. `row_bias` has
 * `rows` values, each added to its whole row (a convolution's per-filter bias). NULL biases or
 * residual and zero `gelu` skip that step. C must not overlap A, B or the residual, because a
 * tile keeps partial sums in C between slices of `inner`. */
typedef struct {
    size_t rows, inner, columns;
    const float *a;
    size_t lda;
    const float *b;
    size_t ldb;
    /* Nonzero when `b` contains Bᵀ, columns × inner with rows `ldb` floats apart (ONNX Gemm's transB). */
    int transpose_b;
    float *c;
    size_t ldc;
    const float *bias;
    const float *row_bias;
    const float *residual;
    size_t ld_residual;
    int gelu;
    /* Columns of C per tile: a multiple of 32 up to GLAM_GEMM_TILE_COLUMNS, or 0 for
     * GLAM_GEMM_TILE_COLUMNS. Narrower tiles give a product with few rows enough tiles to
     * keep every thread busy. */
    size_t tile_columns;
    /* B already copied by glam_gemm_pack_b, or NULL. When set, the tiles read it instead of
     * copying their part of B, and `b`, `ldb` and `transpose_b` are ignored. */
    const float *packed_b;
} glam_gemm_problem;

/* Nonzero when glam_gemm_tile runs on this CPU (it needs AVX-512F). */
int glam_gemm_supported(void);

/* Floats of 64-byte aligned workspace one thread needs for glam_gemm_tile. */
size_t glam_gemm_workspace_floats(void);

/* Number of tiles of a problem: ceil(rows / GLAM_GEMM_TILE_ROWS) · ceil(columns / tile columns). */
size_t glam_gemm_tile_count(const glam_gemm_problem *problem);

/* Computes tile `tile` (0 ≤ tile < glam_gemm_tile_count) of C. Returns 0, or -1 without
 * writing when the CPU lacks AVX-512F, `tile` is out of range, `inner` is 0 or the workspace
 * is NULL or not 64-byte aligned. Distinct tiles may run at the same time on different
 * threads, each with its own workspace. */
int glam_gemm_tile(const glam_gemm_problem *problem, size_t tile, float *workspace);

/* Floats that glam_gemm_pack_b writes for an inner × columns B: inner · columns, with columns
 * rounded up to a multiple of 32. */
size_t glam_gemm_packed_b_floats(size_t inner, size_t columns);

/* Copies B (inner × columns with rows `ldb` floats apart, or Bᵀ when `transpose_b`) into
 * `packed`, which must hold glam_gemm_packed_b_floats(inner, columns) floats and be 64-byte
 * aligned, in the order the tiles read it. A linear layer packs its weights once this way so
 * that no run copies them again. Returns 0, or -1 without writing when the CPU lacks AVX-512F
 * or `packed` is NULL or not aligned. */
int glam_gemm_pack_b(const float *b, size_t ldb, int transpose_b, size_t inner, size_t columns, float *packed);

/* Does the part of glam_gemm_pack_b that covers the 32-column strips [first_strip,
 * first_strip + strip_count), so that threads can pack disjoint strips at once. A non-NULL
 * `column_scale` (`columns` values) multiplies each column as it is copied, which folds a
 * LayerScale into the weights without a second copy. */
int glam_gemm_pack_b_strips(const float *b, size_t ldb, int transpose_b, size_t inner, size_t columns,
                            size_t first_strip, size_t strip_count, const float *column_scale, float *packed);

/* Computes every tile of C on the calling thread, with a workspace that each thread allocates
 * at its first call and frees when it exits. Returns 0, or -1 when glam_gemm_tile rejects a
 * tile or the workspace cannot be allocated. */
int glam_gemm_serial(const glam_gemm_problem *problem);

#ifdef __cplusplus
}
#endif

#endif
