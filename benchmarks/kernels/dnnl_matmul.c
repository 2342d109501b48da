/*
 * Times oneDNN's matmul primitive on the ViT-B MLP shape: 2748×768 by 768×3072, a CC + MLO
 * batch of 1374 tokens each. It runs in fp32 or in bf16 (bf16 inputs, fp32 output), with the
 * weights in the layout oneDNN picks, as libglam's bf16 linear layers use it.
 * OMP_NUM_THREADS sets the threads.
 *
 *   gcc -O2 dnnl_matmul.c -o dnnl_matmul -ldnnl && OMP_NUM_THREADS=2 ./dnnl_matmul bf16
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        dnnl_status_t status = (call);                                           \
        if (status != dnnl_success) {                                            \
            fprintf(stderr, "%s failed with oneDNN status %d\n", #call, status); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int64_t m = 2748, k = 768, n = 3072;
    int bf16 = argc > 1 && strcmp(argv[1], "bf16") == 0;
    dnnl_data_type_t input_type = bf16 ? dnnl_bf16 : dnnl_f32;

    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));

    dnnl_dims_t source_dims = {m, k}, weight_dims = {k, n}, destination_dims = {m, n};
    dnnl_memory_desc_t source_md, weights_md, destination_md;
    CHECK(dnnl_memory_desc_init_by_tag(&source_md, 2, source_dims, input_type, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&weights_md, 2, weight_dims, input_type, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&destination_md, 2, destination_dims, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t description;
    CHECK(dnnl_matmul_desc_init(&description, &source_md, &weights_md, NULL, &destination_md));
    dnnl_primitive_desc_t primitive_desc;
    CHECK(dnnl_primitive_desc_create(&primitive_desc, &description, NULL, engine, NULL));
    const char *implementation;
    CHECK(dnnl_primitive_desc_query(primitive_desc, dnnl_query_impl_info_str, 0, &implementation));
    const dnnl_memory_desc_t *packed_md = dnnl_primitive_desc_query_md(primitive_desc, dnnl_query_weights_md, 0);
    dnnl_primitive_t matmul;
    CHECK(dnnl_primitive_create(&matmul, primitive_desc));

    dnnl_memory_t source, weights, destination;
    CHECK(dnnl_memory_create(&source, &source_md, engine, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_create(&weights, packed_md, engine, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_create(&destination, &destination_md, engine, DNNL_MEMORY_ALLOCATE));
    void *handle;
    CHECK(dnnl_memory_get_data_handle(source, &handle));
    memset(handle, 0x3f, (size_t)(m * k) * (bf16 ? 2 : 4));
    CHECK(dnnl_memory_get_data_handle(weights, &handle));
    memset(handle, 0x3f, dnnl_memory_desc_get_size(packed_md));

    dnnl_exec_arg_t arguments[3] = {{DNNL_ARG_SRC, source}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, destination}};
    for (int warmup = 0; warmup < 3; warmup++) {
        CHECK(dnnl_primitive_execute(matmul, stream, 3, arguments));
    }
    CHECK(dnnl_stream_wait(stream));
    const int repeats = 20;
    double start = now();
    for (int run = 0; run < repeats; run++) {
        CHECK(dnnl_primitive_execute(matmul, stream, 3, arguments));
    }
    CHECK(dnnl_stream_wait(stream));
    double seconds = (now() - start) / repeats;

    printf("%s, implementation %s: %.2f ms, %.0f GFLOP/s\n", bf16 ? "bf16" : "fp32", implementation, seconds * 1e3,
           2.0 * m * n * k / seconds / 1e9);
    return 0;
}
