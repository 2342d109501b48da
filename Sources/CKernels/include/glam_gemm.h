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

/* One product, row-major throughout: A is rows × inner, B inner × columns, C and the
 * residual rows × columns; `bias` has `columns` values. NULL bias or residual and zero
 * `gelu` skip that step. C must not overlap A, B or the residual, because a tile keeps partial
 * sums in C between slices of `inner`. */
typedef struct {
    size_t rows, inner, columns;
    const float *a;
    size_t lda;
    const float *b;
    size_t ldb;
    float *c;
    size_t ldc;
    const float *bias;
    const float *residual;
    size_t ld_residual;
    int gelu;
} glam_gemm_problem;

/* Nonzero when glam_gemm_tile runs on this CPU (it needs AVX-512F). */
int glam_gemm_supported(void);

/* Floats of 64-byte aligned workspace one thread needs for glam_gemm_tile. */
size_t glam_gemm_workspace_floats(void);

/* Number of tiles of a problem: ceil(rows / GLAM_GEMM_TILE_ROWS) · ceil(columns / GLAM_GEMM_TILE_COLUMNS). */
size_t glam_gemm_tile_count(const glam_gemm_problem *problem);

/* Computes tile `tile` (0 ≤ tile < glam_gemm_tile_count) of C. Returns 0, or -1 without
 * writing when the CPU lacks AVX-512F, `tile` is out of range, `inner` is 0 or the workspace
 * is NULL or not 64-byte aligned. Distinct tiles may run at the same time on different
 * threads, each with its own workspace. */
int glam_gemm_tile(const glam_gemm_problem *problem, size_t tile, float *workspace);

/* bfloat16 products: A and B rounded to bfloat16 (to nearest even), products accumulated and
 * the epilogue applied in FLOAT. Nonzero when the CPU has AVX-512F and AVX512-BF16. */
int glam_gemm_bf16_supported(void);

/* bfloat16 values per row of A once converted: `inner` rounded up to even. */
size_t glam_gemm_bf16_row_width(size_t inner);

/* bfloat16 values of B once packed: glam_gemm_bf16_row_width(inner) · columns rounded up to 32. */
size_t glam_gemm_bf16_packed_count(size_t inner, size_t columns);

/* Packs B (inner × columns, row-major FLOAT) for glam_gemm_bf16_tile into `packed`, which holds
 * glam_gemm_bf16_packed_count values and must be 64-byte aligned. */
void glam_gemm_bf16_pack_weights(const float *b, size_t inner, size_t columns, unsigned short *packed);

/* Rounds `rows` rows of A (`lda` floats apart) to bfloat16 rows of glam_gemm_bf16_row_width(inner)
 * values in `out`, zero-padded. Returns 0, or -1 when AVX512-BF16 is missing or a pointer is NULL. */
int glam_gemm_bf16_convert_rows(const float *a, size_t lda, size_t rows, size_t inner, unsigned short *out);

/* Computes tile `tile` of C from converted rows of A and packed B; the problem's `a`, `lda`,
 * `b` and `ldb` are not read. Returns 0, or -1 without writing when AVX512-BF16 is missing,
 * `tile` is out of range, `inner` is 0 or a pointer is NULL or `b_packed` not 64-byte aligned. */
int glam_gemm_bf16_tile(const glam_gemm_problem *problem, const unsigned short *a_bf16,
                        const unsigned short *b_packed, size_t tile);

#ifdef __cplusplus
}
#endif

#endif
