/*
 * Times libglam's fused attention kernel (Sources/CKernels/attention.c) on one thread, on one
 * image of a ViT-S/14 or ViT-B/14 at 518 px (1374 tokens, head dimension 64). K and V are read
 * either in place from the packed QKV projection (rows 3·D apart) or from a dense copy per
 * head, as AttentionOperator does. Also checks sampled rows against a double-precision
 * softmax(QKᵀ/√d)·V.
 *
 *   gcc -O3 -I../../Sources/CKernels/include -I../../Sources/CKernels attention_block.c \
 *       ../../Sources/CKernels/attention.c ../../Sources/CKernels/kernels.c -lm -lpthread \
 *       -o attention_block && ./attention_block 6 && ./attention_block 12
 */
#include "glam_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    size_t heads = argc > 1 ? (size_t)atoi(argv[1]) : 6;
    size_t tokens = 1374, dim = 64, width = heads * dim, ld = 3 * width;
    if (heads == 0 || !glam_kernel_attention_supported()) {
        fprintf(stderr, "usage: attention_block [heads], on a CPU with AVX-512F\n");
        return 1;
    }
    float *x = malloc(sizeof(float) * tokens * ld), *y = malloc(sizeof(float) * tokens * width);
    float *dense = malloc(sizeof(float) * 2 * tokens * dim);
    float *workspace = aligned_alloc(64, (glam_kernel_attention_workspace(dim) * sizeof(float) + 63) / 64 * 64);
    srand(1);
    for (size_t i = 0; i < tokens * ld; i++) x[i] = (rand() / (float)RAND_MAX - 0.5f) * 2;
    float scale = 1.0f / sqrtf((float)dim);

    for (int packed = 0; packed < 2; packed++) {
        double best = 1e9;
        for (int repeat = 0; repeat < 3; repeat++) {
            double start = now();
            for (size_t head = 0; head < heads; head++) {
                const float *k = x + width + head * dim, *v = x + 2 * width + head * dim;
                size_t kv_ld = ld;
                if (packed) {
                    for (size_t t = 0; t < tokens; t++) {
                        memcpy(dense + t * dim, k + t * ld, sizeof(float) * dim);
                        memcpy(dense + (tokens + t) * dim, v + t * ld, sizeof(float) * dim);
                    }
                    k = dense;
                    v = dense + tokens * dim;
                    kv_ld = dim;
                }
                for (size_t first = 0; first < tokens; first += 64) {
                    size_t rows = tokens - first < 64 ? tokens - first : 64;
                    glam_kernel_attention_block(x + first * ld + head * dim, ld, k, v, kv_ld, rows, tokens, dim, scale,
                                                y + first * width + head * dim, width, workspace);
                }
            }
            double seconds = now() - start;
            if (seconds < best) best = seconds;
        }

        double error = 0, *scores = malloc(sizeof(double) * tokens);
        for (size_t head = 0; head < heads; head += heads - 1 > 0 ? heads - 1 : 1) {
            for (size_t i = 0; i < tokens; i += 97) {
                double maximum = -INFINITY, sum = 0;
                for (size_t j = 0; j < tokens; j++) {
                    double dot = 0;
                    for (size_t d = 0; d < dim; d++) dot += (double)x[i * ld + head * dim + d] * x[j * ld + width + head * dim + d];
                    scores[j] = dot * scale;
                    if (scores[j] > maximum) maximum = scores[j];
                }
                for (size_t j = 0; j < tokens; j++) sum += scores[j] = exp(scores[j] - maximum);
                for (size_t d = 0; d < dim; d++) {
                    double value = 0;
                    for (size_t j = 0; j < tokens; j++) value += scores[j] * x[j * ld + 2 * width + head * dim + d];
                    double difference = fabs(value / sum - y[i * width + head * dim + d]);
                    if (difference > error) error = difference;
                }
            }
        }
        free(scores);
        printf("%zu heads, K and V %s: %.2f ms, %.0f GFLOP/s on one thread (max abs error %.1e)\n", heads,
               packed ? "copied per head" : "read in place", best * 1e3, 4.0 * heads * tokens * tokens * dim / best / 1e9,
               error);
    }
    return 0;
}
