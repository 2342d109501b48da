// Run-time dispatched softmax and GELU kernels; see include/glam_kernels.h.

#include "glam_kernels.h"

#include <immintrin.h>
#include <math.h>
#include <pthread.h>

#include "vector_math.h"


static float gelu_scalar(float x) {
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

static void softmax_scalar(float *row, size_t length) {
    float maximum = -INFINITY;
    for (size_t i = 0; i < length; i++) {
        maximum = row[i] > maximum ? row[i] : maximum;
    }
    float sum = 0;
    for (size_t i = 0; i < length; i++) {
        row[i] = expf(row[i] - maximum);
        sum += row[i];
    }
    float scale = 1.0f / sum;
    for (size_t i = 0; i < length; i++) {
        row[i] *= scale;
    }
}

// ---------------------------------------------------------------- AVX2 + FMA

__attribute__((target("avx2,fma"))) static inline __m256 exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LOW)), _mm256_set1_ps(EXP_HIGH));
    __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(LN2_HIGH), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(LN2_LOW), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

__attribute__((target("avx2,fma"))) static void softmax_avx2(float *row, size_t length) {
    size_t whole = length / 8 * 8;
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    for (size_t i = 0; i < whole; i += 8) {
        vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + i));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    float maximum = -INFINITY;
    for (int i = 0; i < 8; i++) maximum = lanes[i] > maximum ? lanes[i] : maximum;
    for (size_t i = whole; i < length; i++) maximum = row[i] > maximum ? row[i] : maximum;

    __m256 shift = _mm256_set1_ps(maximum);
    __m256 vsum = _mm256_setzero_ps();
    for (size_t i = 0; i < whole; i += 8) {
        __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(row + i), shift));
        _mm256_storeu_ps(row + i, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    _mm256_storeu_ps(lanes, vsum);
    float sum = 0;
    for (int i = 0; i < 8; i++) sum += lanes[i];
    for (size_t i = whole; i < length; i++) {
        row[i] = expf(row[i] - maximum);
        sum += row[i];
    }
    __m256 scale = _mm256_set1_ps(1.0f / sum);
    for (size_t i = 0; i < whole; i += 8) {
        _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), scale));
    }
    for (size_t i = whole; i < length; i++) row[i] *= 1.0f / sum;
}

__attribute__((target("avx2,fma"))) static void gelu_avx2(const float *input, float *output, size_t count) {
    size_t whole = count / 8 * 8;
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    for (size_t i = 0; i < whole; i += 8) {
        __m256 x = _mm256_loadu_ps(input + i);
        __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
        __m256 a = _mm256_andnot_ps(sign_mask, z);
        __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(a, _mm256_set1_ps(ERF_P), _mm256_set1_ps(1.0f)));
        __m256 p = _mm256_set1_ps(ERF_A5);
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A4));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A3));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A2));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A1));
        p = _mm256_mul_ps(p, t);
        __m256 erf_abs = _mm256_fnmadd_ps(p, exp_avx2(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), a), a)), _mm256_set1_ps(1.0f));
        __m256 erf = _mm256_or_ps(erf_abs, _mm256_and_ps(z, sign_mask));
        _mm256_storeu_ps(output + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), erf)));
    }
    for (size_t i = whole; i < count; i++) output[i] = gelu_scalar(input[i]);
}

// ---------------------------------------------------------------- AVX-512

__attribute__((target("avx512f"))) static void softmax_avx512(float *row, size_t length) {
    size_t whole = length / 16 * 16;
    __mmask16 tail = (__mmask16)((1u << (length - whole)) - 1u);
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (size_t i = 0; i < whole; i += 16) {
        vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(row + i));
    }
    if (tail) {
        vmax = _mm512_mask_max_ps(vmax, tail, vmax, _mm512_maskz_loadu_ps(tail, row + whole));
    }
    __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));

    __m512 vsum = _mm512_setzero_ps();
    for (size_t i = 0; i < whole; i += 16) {
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(row + i), shift));
        _mm512_storeu_ps(row + i, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    if (tail) {
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, row + whole), shift));
        _mm512_mask_storeu_ps(row + whole, tail, e);
        vsum = _mm512_mask_add_ps(vsum, tail, vsum, e);
    }
    __m512 scale = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
    for (size_t i = 0; i < whole; i += 16) {
        _mm512_storeu_ps(row + i, _mm512_mul_ps(_mm512_loadu_ps(row + i), scale));
    }
    if (tail) {
        _mm512_mask_storeu_ps(row + whole, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, row + whole), scale));
    }
}

__attribute__((target("avx512f"))) static void gelu_avx512(const float *input, float *output, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 mask = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1u);
        _mm512_mask_storeu_ps(output + i, mask, gelu_avx512_vector(_mm512_maskz_loadu_ps(mask, input + i)));
    }
}

// ---------------------------------------------------------------- layer normalisation

static void layer_norm_scalar(const float *x, float *y, size_t width, const float *scale, const float *bias, float epsilon) {
    double sum = 0;
    for (size_t i = 0; i < width; i++) sum += x[i];
    float mean = (float)(sum / (double)width);
    double squares = 0;
    for (size_t i = 0; i < width; i++) {
        double centred = (double)x[i] - mean;
        squares += centred * centred;
    }
    float inverse = (float)(1.0 / sqrt(squares / (double)width + epsilon));
    for (size_t i = 0; i < width; i++) {
        float value = (x[i] - mean) * inverse * scale[i];
        y[i] = bias ? value + bias[i] : value;
    }
}

__attribute__((target("avx512f"))) static void layer_norm_avx512(const float *x, float *y, size_t width,
                                                               const float *scale, const float *bias, float epsilon) {
    __m512 vsum = _mm512_setzero_ps();
    for (size_t i = 0; i < width; i += 16) {
        __mmask16 mask = width - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - i)) - 1u);
        vsum = _mm512_add_ps(vsum, _mm512_maskz_loadu_ps(mask, x + i));
    }
    float mean = _mm512_reduce_add_ps(vsum) / (float)width;
    __m512 vmean = _mm512_set1_ps(mean);
    __m512 vsquares = _mm512_setzero_ps();
    for (size_t i = 0; i < width; i += 16) {
        __mmask16 mask = width - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - i)) - 1u);
        __m512 centred = _mm512_maskz_sub_ps(mask, _mm512_maskz_loadu_ps(mask, x + i), vmean);
        vsquares = _mm512_fmadd_ps(centred, centred, vsquares);
    }
    float inverse = 1.0f / sqrtf(_mm512_reduce_add_ps(vsquares) / (float)width + epsilon);
    __m512 vinverse = _mm512_set1_ps(inverse);
    for (size_t i = 0; i < width; i += 16) {
        __mmask16 mask = width - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - i)) - 1u);
        __m512 value = _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), vmean), vinverse),
                                     _mm512_maskz_loadu_ps(mask, scale + i));
        if (bias) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, bias + i));
        _mm512_mask_storeu_ps(y + i, mask, value);
    }
}

// ---------------------------------------------------------------- dispatch

enum isa { ISA_SCALAR, ISA_AVX2, ISA_AVX512 };

static enum isa cached_isa = ISA_SCALAR;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void detect_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        cached_isa = ISA_AVX512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        cached_isa = ISA_AVX2;
    }
}

// Detected once per process; pthread_once makes the first use from several threads safe.
static enum isa detected_isa(void) {
    pthread_once(&isa_once, detect_isa);
    return cached_isa;
}

void glam_kernel_softmax_rows(float *values, size_t rows, size_t length) {
    enum isa isa = detected_isa();
    for (size_t row = 0; row < rows; row++) {
        float *line = values + row * length;
        if (isa == ISA_AVX512) {
            softmax_avx512(line, length);
        } else if (isa == ISA_AVX2) {
            softmax_avx2(line, length);
        } else {
            softmax_scalar(line, length);
        }
    }
}

void glam_kernel_gelu(const float *input, float *output, size_t count) {
    switch (detected_isa()) {
    case ISA_AVX512:
        gelu_avx512(input, output, count);
        break;
    case ISA_AVX2:
        gelu_avx2(input, output, count);
        break;
    default:
        for (size_t i = 0; i < count; i++) output[i] = gelu_scalar(input[i]);
    }
}

void glam_kernel_layer_norm(const float *input, float *output, size_t rows, size_t width,
                            const float *scale, const float *bias, float epsilon) {
    int wide = detected_isa() == ISA_AVX512;
    for (size_t row = 0; row < rows; row++) {
        if (wide) {
            layer_norm_avx512(input + row * width, output + row * width, width, scale, bias, epsilon);
        } else {
            layer_norm_scalar(input + row * width, output + row * width, width, scale, bias, epsilon);
        }
    }
}

int glam_kernels_have_avx512(void) { return detected_isa() == ISA_AVX512; }

const char *glam_kernel_isa(void) {
    switch (detected_isa()) {
    case ISA_AVX512: return "avx512";
    case ISA_AVX2: return "avx2";
    default: return "scalar";
    }
}

static _Thread_local int thread_folding;

void glam_set_thread_folding(int folding) { thread_folding = folding; }

int glam_thread_folding(void) { return thread_folding; }
