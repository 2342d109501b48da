// bfloat16 matmul over oneDNN 2.6's C API; see include/glam_bf16.h.

#include "glam_bf16.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct glam_bf16_matmul {
    size_t rows;
    size_t inner;
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t source;
    dnnl_memory_t weights;
    dnnl_memory_t destination;
    uint16_t *source_bf16;
};

// One CPU engine for the process; each product has its own stream, since streams are not
// safe to share between threads that run at the same time.
static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void create_engine(void) {
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
}

unsigned short glam_float_to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0) {
        return 0x7FC0;
    }
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (unsigned short)(bits >> 16);
}

static void fail(char *error, size_t capacity, const char *step, dnnl_status_t status) {
    if (error != NULL && capacity > 0) {
        snprintf(error, capacity, "oneDNN bf16 matmul: %s failed with status %d", step, (int)status);
    }
}

void glam_bf16_matmul_free(glam_bf16_matmul *product) {
    if (product == NULL) return;
    if (product->primitive) dnnl_primitive_destroy(product->primitive);
    if (product->stream) dnnl_stream_destroy(product->stream);
    if (product->source) dnnl_memory_destroy(product->source);
    if (product->weights) dnnl_memory_destroy(product->weights);
    if (product->destination) dnnl_memory_destroy(product->destination);
    free(product->source_bf16);
    free(product);
}

glam_bf16_matmul *glam_bf16_matmul_create(size_t rows, size_t inner, size_t columns, const float *weights,
                                          int accumulate, char *error, size_t error_capacity) {
    pthread_once(&engine_once, create_engine);
    if (engine_status != dnnl_success) {
        fail(error, error_capacity, "engine creation", engine_status);
        return NULL;
    }
    glam_bf16_matmul *product = calloc(1, sizeof *product);
    uint16_t *plain = malloc(inner * columns * sizeof *plain);
    if (product == NULL || plain == NULL || rows == 0 || inner == 0 || columns == 0) {
        free(plain);
        free(product);
        if (error != NULL && error_capacity > 0) snprintf(error, error_capacity, "oneDNN bf16 matmul: invalid size or out of memory");
        return NULL;
    }
    product->rows = rows;
    product->inner = inner;
    product->source_bf16 = malloc(rows * inner * sizeof(uint16_t));
    dnnl_status_t stream_status = dnnl_stream_create(&product->stream, engine, dnnl_stream_default_flags);
    if (stream_status != dnnl_success) {
        fail(error, error_capacity, "stream creation", stream_status);
        free(plain);
        glam_bf16_matmul_free(product);
        return NULL;
    }

    dnnl_dims_t source_dims = {(dnnl_dim_t)rows, (dnnl_dim_t)inner};
    dnnl_dims_t weight_dims = {(dnnl_dim_t)inner, (dnnl_dim_t)columns};
    dnnl_dims_t destination_dims = {(dnnl_dim_t)rows, (dnnl_dim_t)columns};
    dnnl_memory_desc_t source_md, weights_any_md, weights_plain_md, destination_md;
    dnnl_memory_desc_init_by_tag(&source_md, 2, source_dims, dnnl_bf16, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&weights_any_md, 2, weight_dims, dnnl_bf16, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&weights_plain_md, 2, weight_dims, dnnl_bf16, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&destination_md, 2, destination_dims, dnnl_f32, dnnl_ab);

    dnnl_matmul_desc_t description;
    dnnl_status_t status = dnnl_matmul_desc_init(&description, &source_md, &weights_any_md, NULL, &destination_md);
    dnnl_primitive_attr_t attributes = NULL;
    dnnl_post_ops_t post_ops = NULL;
    dnnl_primitive_desc_t primitive_desc = NULL;
    if (status == dnnl_success) status = dnnl_primitive_attr_create(&attributes);
    if (status == dnnl_success && accumulate) {
        status = dnnl_post_ops_create(&post_ops);
        if (status == dnnl_success) status = dnnl_post_ops_append_sum(post_ops, 1.0f);
        if (status == dnnl_success) status = dnnl_primitive_attr_set_post_ops(attributes, post_ops);
    }
    if (status == dnnl_success) status = dnnl_primitive_desc_create(&primitive_desc, &description, attributes, engine, NULL);
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    if (attributes) dnnl_primitive_attr_destroy(attributes);
    if (status != dnnl_success) {
        fail(error, error_capacity, "primitive description", status);
        free(plain);
        glam_bf16_matmul_free(product);
        return NULL;
    }
    status = dnnl_primitive_create(&product->primitive, primitive_desc);

    // Pack the weights: round to bfloat16 in row-major order, then reorder into the layout the
    // chosen kernel wants.
    for (size_t i = 0; i < inner * columns; i++) plain[i] = glam_float_to_bf16(weights[i]);
    const dnnl_memory_desc_t *packed_md = dnnl_primitive_desc_query_md(primitive_desc, dnnl_query_weights_md, 0);
    dnnl_memory_t plain_memory = NULL;
    dnnl_primitive_desc_t reorder_desc = NULL;
    dnnl_primitive_t reorder = NULL;
    if (status == dnnl_success) status = dnnl_memory_create(&plain_memory, &weights_plain_md, engine, plain);
    if (status == dnnl_success) status = dnnl_memory_create(&product->weights, packed_md, engine, DNNL_MEMORY_ALLOCATE);
    if (status == dnnl_success) status = dnnl_reorder_primitive_desc_create(&reorder_desc, &weights_plain_md, engine, packed_md, engine, NULL);
    if (status == dnnl_success) status = dnnl_primitive_create(&reorder, reorder_desc);
    if (status == dnnl_success) {
        dnnl_exec_arg_t arguments[2] = {{DNNL_ARG_FROM, plain_memory}, {DNNL_ARG_TO, product->weights}};
        status = dnnl_primitive_execute(reorder, product->stream, 2, arguments);
        if (status == dnnl_success) status = dnnl_stream_wait(product->stream);
    }
    if (reorder) dnnl_primitive_destroy(reorder);
    if (reorder_desc) dnnl_primitive_desc_destroy(reorder_desc);
    if (plain_memory) dnnl_memory_destroy(plain_memory);
    free(plain);

    if (status == dnnl_success) status = dnnl_memory_create(&product->source, &source_md, engine, product->source_bf16);
    if (status == dnnl_success) status = dnnl_memory_create(&product->destination, &destination_md, engine, DNNL_MEMORY_NONE);
    dnnl_primitive_desc_destroy(primitive_desc);
    if (status != dnnl_success || product->source_bf16 == NULL) {
        fail(error, error_capacity, "weight packing", status);
        glam_bf16_matmul_free(product);
        return NULL;
    }
    return product;
}

int glam_bf16_matmul_run(glam_bf16_matmul *product, const float *input, float *output) {
    size_t count = product->rows * product->inner;
    for (size_t i = 0; i < count; i++) product->source_bf16[i] = glam_float_to_bf16(input[i]);
    if (dnnl_memory_set_data_handle(product->destination, output) != dnnl_success) return -1;
    dnnl_exec_arg_t arguments[3] = {
        {DNNL_ARG_SRC, product->source},
        {DNNL_ARG_WEIGHTS, product->weights},
        {DNNL_ARG_DST, product->destination},
    };
    if (dnnl_primitive_execute(product->primitive, product->stream, 3, arguments) != dnnl_success) return -1;
    return dnnl_stream_wait(product->stream) == dnnl_success ? 0 : -1;
}
