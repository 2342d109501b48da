/*
 * Times libglam's GEMM tiles (Sources/CKernels/gemm.c) on the linear-layer shapes of a ViT-S/14
 * and a ViT-B/14 CC + MLO pair (2748 token rows), with the epilogue each layer uses. The
 * comparison is oneDNN's sgemm after a pass that writes the bias into C, as libglam's fallback
 * path does.
 * Threads take tiles in order from a shared counter, as libglam's worker pool does; prints the
 * best of 10 runs and the max abs error of sampled outputs against a double-precision sum.
 *
 *   gcc -O3 -I../../Sources/CKernels/include -I../../Sources/CKernels gemm_tiles.c \
 *       ../../Sources/CKernels/gemm.c ../../Sources/CKernels/kernels.c -ldnnl -lm -lpthread \
 *       -o gemm_tiles && OMP_NUM_THREADS=2 ./gemm_tiles 2
 *
 * Further arguments ROWSxINNERxCOLUMNS replace the ViT shapes (bias only), for example the
 * alignment head's 1369x384x768 and 81x384x384.
 */
#include "glam_gemm.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

static glam_gemm_problem problem;
static size_t tile_count;
static size_t next_tile;
static float *workspaces[16];

static void *take_tiles(void *argument) {
    float *workspace = workspaces[(long)argument];
    size_t tile;
    while ((tile = __atomic_fetch_add(&next_tile, 1, __ATOMIC_RELAXED)) < tile_count) {
        if (glam_gemm_tile(&problem, tile, workspace) != 0) {
            fprintf(stderr, "tile %zu was rejected\n", tile);
            exit(1);
        }
    }
    return NULL;
}

static void run_tiles(int threads) {
    next_tile = 0;
    pthread_t workers[16];
    for (long i = 1; i < threads; i++) pthread_create(&workers[i], NULL, take_tiles, (void *)i);
    take_tiles((void *)0);
    for (int i = 1; i < threads; i++) pthread_join(workers[i], NULL);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1 || threads > 16 || !glam_gemm_supported()) {
        fprintf(stderr, "usage: gemm_tiles [threads 1-16], on a CPU with AVX-512F\n");
        return 1;
    }
    for (int i = 0; i < threads; i++) workspaces[i] = aligned_alloc(64, glam_gemm_workspace_floats() * sizeof(float));

    /* rows, inner, columns, GELU, residual */
    static int shapes[16][5] = {
        {2748, 384, 1152, 0, 0}, {2748, 384, 384, 0, 1}, {2748, 384, 1536, 1, 0}, {2748, 1536, 384, 0, 1},
        {2748, 768, 2304, 0, 0}, {2748, 768, 768, 0, 1}, {2748, 768, 3072, 1, 0}, {2748, 3072, 768, 0, 1},
    };
    size_t shape_count = 8;
    if (argc > 2) {
        shape_count = 0;
        for (int i = 2; i < argc && shape_count < 16; i++) {
            int *shape = shapes[shape_count];
            if (sscanf(argv[i], "%dx%dx%d", &shape[0], &shape[1], &shape[2]) != 3 || shape[0] < 1 || shape[1] < 1 ||
                shape[2] < 1) {
                fprintf(stderr, "'%s' is not ROWSxINNERxCOLUMNS\n", argv[i]);
                return 1;
            }
            shape[3] = shape[4] = 0;
            shape_count++;
        }
    }
    for (size_t s = 0; s < shape_count; s++) {
        int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *bias = malloc(sizeof(float) * n), *residual = malloc(sizeof(float) * m * n);
        float *c = malloc(sizeof(float) * m * n);
        srand((unsigned)s + 1);
        for (long i = 0; i < (long)m * k; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
        for (long i = 0; i < (long)k * n; i++) b[i] = (rand() / (float)RAND_MAX - 0.5f) * 0.1f;
        for (int i = 0; i < n; i++) bias[i] = i * 0.01f;
        for (long i = 0; i < (long)m * n; i++) residual[i] = (i % 11) * 0.1f;

        problem = (glam_gemm_problem){
            .rows = m, .inner = k, .columns = n, .a = a, .lda = k, .b = b, .ldb = n, .c = c, .ldc = n,
            .bias = bias, .residual = shapes[s][4] ? residual : NULL, .ld_residual = n, .gelu = shapes[s][3],
            .tile_columns = getenv("TILE_COLUMNS") ? (size_t)atoi(getenv("TILE_COLUMNS")) : 0,
        };
        tile_count = glam_gemm_tile_count(&problem);
        run_tiles(threads);

        double error = 0;
        for (int i = 0; i < m; i += 7) {
            for (int j = 0; j < n; j += 3) {
                double sum = bias[j];
                for (int p = 0; p < k; p++) sum += (double)a[(long)i * k + p] * b[(long)p * n + j];
                if (shapes[s][3]) sum = 0.5 * sum * (1 + erf(sum / sqrt(2.0)));
                if (shapes[s][4]) sum += residual[(long)i * n + j];
                double difference = fabs(sum - c[(long)i * n + j]);
                if (difference > error) error = difference;
            }
        }

        double tiles_best = 1e9, onednn_best = 1e9;
        for (int repeat = 0; repeat < 10; repeat++) {
            double start = now();
            run_tiles(threads);
            double seconds = now() - start;
            if (seconds < tiles_best) tiles_best = seconds;

            start = now();
            for (long row = 0; row < m; row++) memcpy(c + row * n, bias, sizeof(float) * n);
            dnnl_sgemm('N', 'N', m, n, k, 1, a, k, b, n, 1, c, n);
            seconds = now() - start;
            if (seconds < onednn_best) onednn_best = seconds;
        }
        double flops = 2.0 * m * k * n;
        printf("%d×%d by %d×%d%s%s: tiles %.0f GFLOP/s (max abs error %.1e), oneDNN sgemm + bias pass %.0f GFLOP/s\n",
               m, k, k, n, shapes[s][3] ? ", GELU" : "", shapes[s][4] ? ", residual" : "", flops / tiles_best / 1e9,
               error, flops / onednn_best / 1e9);
        free(a);
        free(b);
        free(bias);
        free(residual);
        free(c);
    }
    return 0;
}
