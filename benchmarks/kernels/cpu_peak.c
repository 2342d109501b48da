/*
 * Measures the single-thread peak of the two instructions that bound fp32 and bf16 GEMMs on
 * AVX-512 CPUs: vfmadd231ps (16 fp32 multiply-adds) and vdpbf16ps (32 bf16 products
 * accumulated into 16 fp32 lanes). Twelve independent accumulators hide the latency, so the
 * loop runs at the instructions' throughput.
 *
 * Each loop adds and then subtracts the same product, so the accumulators keep changing as
 * they do in a GEMM. An earlier version let them converge to a value the instruction no longer
 * changed. On the Sapphire Rapids VM of Docs/benchmarks.md, vdpbf16ps then measured 283-306
 * GFLOP/s, against 87 with changing accumulators and 84-95 in real bf16 GEMMs.
 *
 *   gcc -O2 -mavx512f -mavx512bf16 cpu_peak.c -o cpu_peak && ./cpu_peak
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define ITERATIONS 50000000L
#define REPEAT12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    (void)argv;
    /* A sign the compiler cannot know, so it cannot fold the add-then-subtract pairs away. */
    float sign = argc > 99 ? 1.0f : -1.0f;

    __m512 x = _mm512_set1_ps(0.5f), up = _mm512_set1_ps(0.25f), down = _mm512_set1_ps(0.25f * sign);
#define DECLARE_FMA(i) __m512 f##i = _mm512_set1_ps(i * 0.01f);
    REPEAT12(DECLARE_FMA)
    double start = now();
    for (long n = 0; n < ITERATIONS; n++) {
#define STEP_FMA_UP(i) f##i = _mm512_fmadd_ps(x, up, f##i);
#define STEP_FMA_DOWN(i) f##i = _mm512_fmadd_ps(x, down, f##i);
        REPEAT12(STEP_FMA_UP)
        __asm__ volatile("" ::: "memory");
        REPEAT12(STEP_FMA_DOWN)
        __asm__ volatile("" ::: "memory");
    }
    double fma_seconds = now() - start;
    __m512 fma_sum = _mm512_setzero_ps();
#define SUM_FMA(i) fma_sum = _mm512_add_ps(fma_sum, f##i);
    REPEAT12(SUM_FMA)

    __m512bh p = (__m512bh)_mm512_set1_epi16(0x3f00);
    __m512bh q_up = _mm512_cvtne2ps_pbh(up, up), q_down = _mm512_cvtne2ps_pbh(down, down);
#define DECLARE_DOT(i) __m512 d##i = _mm512_set1_ps(i * 0.01f);
    REPEAT12(DECLARE_DOT)
    start = now();
    for (long n = 0; n < ITERATIONS; n++) {
#define STEP_DOT_UP(i) d##i = _mm512_dpbf16_ps(d##i, p, q_up);
#define STEP_DOT_DOWN(i) d##i = _mm512_dpbf16_ps(d##i, p, q_down);
        REPEAT12(STEP_DOT_UP)
        __asm__ volatile("" ::: "memory");
        REPEAT12(STEP_DOT_DOWN)
        __asm__ volatile("" ::: "memory");
    }
    double dot_seconds = now() - start;
    __m512 dot_sum = _mm512_setzero_ps();
#define SUM_DOT(i) dot_sum = _mm512_add_ps(dot_sum, d##i);
    REPEAT12(SUM_DOT)

    /* A multiply-add counts as two floating-point operations. */
    printf("one thread: vfmadd231ps %.1f GFLOP/s, vdpbf16ps %.1f GFLOP/s (checksums %g %g)\n",
           ITERATIONS * 24 * 16 * 2.0 / fma_seconds / 1e9, ITERATIONS * 24 * 32 * 2.0 / dot_seconds / 1e9,
           _mm512_reduce_add_ps(fma_sum), _mm512_reduce_add_ps(dot_sum));
    return 0;
}
