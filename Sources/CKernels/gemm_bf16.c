// bfloat16 GEMM with fused epilogues for the linear layers; see include/glam_gemm.h.
//
// The structure follows gemm.c, with two differences that suit AVX512-BF16's vdpbf16ps, which
// multiplies pairs of bfloat16 values along K and adds both products to one FLOAT lane:
// B is packed once, when the plan is built, as 32-column strips of K pairs ([K/2][32][2]), and
// A is rounded to bfloat16 once per product into row-major rows whose 32-bit words are the K
// pairs the micro-kernel broadcasts. Accumulation and the epilogue stay in FLOAT.

#include "glam_gemm.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "gemm_epilogue.h"
#include "glam_bf16.h"

// K pairs per slice; a slice of a strip is KC_PAIRS × 128 bytes.
#define KC_PAIRS 192

static int bf16_supported;
static pthread_once_t bf16_once = PTHREAD_ONCE_INIT;

static void detect_bf16(void) {
    __builtin_cpu_init();
    bf16_supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
}

int glam_gemm_bf16_supported(void) {
    pthread_once(&bf16_once, detect_bf16);
    return bf16_supported;
}

size_t glam_gemm_bf16_row_width(size_t inner) { return (inner + 1) / 2 * 2; }

size_t glam_gemm_bf16_packed_count(size_t inner, size_t columns) {
    return glam_gemm_bf16_row_width(inner) * ((columns + NR - 1) / NR * NR);
}

void glam_gemm_bf16_pack_weights(const float *b, size_t inner, size_t columns, unsigned short *packed) {
    size_t pairs = glam_gemm_bf16_row_width(inner) / 2;
    for (size_t strip = 0; strip < columns; strip += NR) {
        unsigned short *target = packed + strip * pairs * 2;
        for (size_t pair = 0; pair < pairs; pair++) {
            for (size_t j = 0; j < NR; j++) {
                size_t column = strip + j;
                for (size_t half = 0; half < 2; half++) {
                    size_t k = pair * 2 + half;
                    float value = column < columns && k < inner ? b[k * columns + column] : 0.0f;
                    target[(pair * NR + j) * 2 + half] = glam_float_to_bf16(value);
                }
            }
        }
    }
}

__attribute__((target("avx512f,avx512bf16"))) static void convert_rows_avx512(const float *a, size_t lda, size_t rows,
                                                                            size_t inner, unsigned short *out) {
    size_t width = glam_gemm_bf16_row_width(inner);
    for (size_t row = 0; row < rows; row++) {
        const float *source = a + row * lda;
        unsigned short *target = out + row * width;
        for (size_t k = 0; k < width; k += 32) {
            size_t left = inner > k ? inner - k : 0;
            __mmask16 low = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            __mmask16 high = left >= 32 ? (__mmask16)0xFFFF : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1u);
            __m512 first = _mm512_maskz_loadu_ps(low, source + k);
            __m512 second = _mm512_maskz_loadu_ps(high, source + k + 16);
            __m512i converted = (__m512i)_mm512_cvtne2ps_pbh(second, first);
            size_t count = width - k < 32 ? width - k : 32;
            __mmask32 mask = count >= 32 ? 0xFFFFFFFFu : (__mmask32)((1u << count) - 1u);
            _mm512_mask_storeu_epi16(target + k, mask, converted);
        }
    }
}

int glam_gemm_bf16_convert_rows(const float *a, size_t lda, size_t rows, size_t inner, unsigned short *out) {
    if (!glam_gemm_bf16_supported() || a == NULL || out == NULL) {
        return -1;
    }
    convert_rows_avx512(a, lda, rows, inner, out);
    return 0;
}

__attribute__((target("avx512f,avx512bf16"), always_inline)) static inline void micro_kernel_bf16(
    int rows, const unsigned short *a, size_t lda, const unsigned short *strip, size_t pairs, float *c, size_t ldc,
    size_t width, int first, int last, const float *bias, const float *residual, size_t ld_residual, int apply_gelu) {
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
    for (size_t pair = 0; pair < pairs; pair++) {
        __m512i b0 = _mm512_load_si512(strip + pair * NR * 2);
        __m512i b1 = _mm512_load_si512(strip + pair * NR * 2 + 32);
        // Keeps b0 and b1 in registers, as in gemm.c.
        __asm__("" : "+v"(b0), "+v"(b1));
        for (int i = 0; i < rows; i++) {
            int32_t word;
            memcpy(&word, a + i * lda + pair * 2, sizeof word);
            __m512bh value = (__m512bh)_mm512_set1_epi32(word);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], value, (__m512bh)b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], value, (__m512bh)b1);
        }
    }
    finish_tile(rows, acc, c, ldc, width, last, bias, residual, ld_residual, apply_gelu);
}

#define MICRO_CASE(n) \
    case n: micro_kernel_bf16(n, a, lda, strip, pairs, c, ldc, width, first, last, bias, residual, ld_residual, apply_gelu); break;

__attribute__((target("avx512f,avx512bf16"))) static void micro_dispatch_bf16(
    int rows, const unsigned short *a, size_t lda, const unsigned short *strip, size_t pairs, float *c, size_t ldc,
    size_t width, int first, int last, const float *bias, const float *residual, size_t ld_residual, int apply_gelu) {
    switch (rows) {
    MICRO_CASE(14) MICRO_CASE(13) MICRO_CASE(12) MICRO_CASE(11) MICRO_CASE(10) MICRO_CASE(9) MICRO_CASE(8)
    MICRO_CASE(7) MICRO_CASE(6) MICRO_CASE(5) MICRO_CASE(4) MICRO_CASE(3) MICRO_CASE(2) MICRO_CASE(1)
    default: break;
    }
}

int glam_gemm_bf16_tile(const glam_gemm_problem *problem, const unsigned short *a_bf16,
                        const unsigned short *b_packed, size_t tile) {
    if (!glam_gemm_bf16_supported() || problem == NULL || a_bf16 == NULL || b_packed == NULL ||
        ((size_t)b_packed & 63) != 0 || problem->inner == 0 || tile >= glam_gemm_tile_count(problem)) {
        return -1;
    }
    size_t row_tiles = (problem->rows + GLAM_GEMM_TILE_ROWS - 1) / GLAM_GEMM_TILE_ROWS;
    size_t row0 = (tile % row_tiles) * GLAM_GEMM_TILE_ROWS;
    size_t col0 = (tile / row_tiles) * GLAM_GEMM_TILE_COLUMNS;
    size_t rows = problem->rows - row0 < GLAM_GEMM_TILE_ROWS ? problem->rows - row0 : GLAM_GEMM_TILE_ROWS;
    size_t cols = problem->columns - col0 < GLAM_GEMM_TILE_COLUMNS ? problem->columns - col0 : GLAM_GEMM_TILE_COLUMNS;
    size_t lda = glam_gemm_bf16_row_width(problem->inner);
    size_t pairs_total = lda / 2;

    for (size_t p0 = 0; p0 < pairs_total; p0 += KC_PAIRS) {
        size_t pairs = pairs_total - p0 < KC_PAIRS ? pairs_total - p0 : KC_PAIRS;
        int first = p0 == 0;
        int last = p0 + pairs == pairs_total;
        for (size_t i = 0; i < rows; i += MR) {
            int count = rows - i < MR ? (int)(rows - i) : MR;
            size_t row = row0 + i;
            const unsigned short *a = a_bf16 + row * lda + p0 * 2;
            for (size_t strip = 0; strip < cols; strip += NR) {
                size_t width = cols - strip < NR ? cols - strip : NR;
                size_t column = col0 + strip;
                const unsigned short *packed = b_packed + column * pairs_total * 2 + p0 * NR * 2;
                const float *bias = last && problem->bias ? problem->bias + column : NULL;
                const float *residual = last && problem->residual
                    ? problem->residual + row * problem->ld_residual + column : NULL;
                micro_dispatch_bf16(count, a, lda, packed, pairs, problem->c + row * problem->ldc + column,
                                    problem->ldc, width, first, last, bias, residual, problem->ld_residual,
                                    last && problem->gelu);
            }
        }
    }
    return 0;
}
