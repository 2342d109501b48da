/*
 * Measures the single-thread peak of the two instructions that bound fp32 and bf16 GEMMs on
 * AVX-512 CPUs: vfmadd231ps (16 fp32 multiply-adds) and vdpbf16ps (32 bf16 products
 * accumulated into 16 fp32 lanes). Twelve independent accumulators hide the latency, so the
 * loop runs at the instructions' throughput.
 *
 *   gcc -O2 -mavx512f -mavx512bf16 cpu_peak.c -o cpu_peak && ./cpu_peak
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define ITERATIONS 100000000L
#define REPEAT12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

int main(void) {
    __m512 x = _mm512_set1_ps(0.5f), y = _mm512_set1_ps(0.25f);
#define DECLARE_FMA(i) __m512 f##i = _mm512_set1_ps(i * 0.01f);
    REPEAT12(DECLARE_FMA)
    double start = now();
    for (long n = 0; n < ITERATIONS; n++) {
#define STEP_FMA(i) f##i = _mm512_fmadd_ps(f##i, x, y);
        REPEAT12(STEP_FMA)
        __asm__ volatile("" ::: "memory");
    }
    double fma_seconds = now() - start;
    __m512 fma_sum = _mm512_setzero_ps();
#define SUM_FMA(i) fma_sum = _mm512_add_ps(fma_sum, f##i);
    REPEAT12(SUM_FMA)

    __m512bh p = (__m512bh)_mm512_set1_epi16(0x3f00), q = (__m512bh)_mm512_set1_epi16(0x3e80);
#define DECLARE_DOT(i) __m512 d##i = _mm512_setzero_ps();
    REPEAT12(DECLARE_DOT)
    start = now();
    for (long n = 0; n < ITERATIONS; n++) {
#define STEP_DOT(i) d##i = _mm512_dpbf16_ps(d##i, p, q);
        REPEAT12(STEP_DOT)
        __asm__ volatile("" ::: "memory");
    }
    double dot_seconds = now() - start;
    __m512 dot_sum = _mm512_setzero_ps();
#define SUM_DOT(i) dot_sum = _mm512_add_ps(dot_sum, d##i);
    REPEAT12(SUM_DOT)

    /* A multiply-add counts as two floating-point operations. */
    printf("one thread: vfmadd231ps %.1f GFLOP/s, vdpbf16ps %.1f GFLOP/s (checksums %g %g)\n",
           ITERATIONS * 12 * 16 * 2.0 / fma_seconds / 1e9, ITERATIONS * 12 * 32 * 2.0 / dot_seconds / 1e9,
           _mm512_reduce_add_ps(fma_sum), _mm512_reduce_add_ps(dot_sum));
    return 0;
}
