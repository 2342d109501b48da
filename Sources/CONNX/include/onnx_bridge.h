/*
 * A plain C view of ONNX protobuf messages, so Swift never sees the C++
 * protobuf classes (importing them through C++ interop crashes swiftc 6.3).
 *
 * Handles other than ox_model and ox_tensor_file are borrowed views into the
 * message that owns them and stay valid until that owner is freed.
 * Strings are returned as (pointer, size) pairs and are not NUL-terminated.
 */
#ifndef ONNX_BRIDGE_H
#define ONNX_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ox_model ox_model;
typedef struct ox_tensor_file ox_tensor_file;
typedef struct ox_graph ox_graph;
typedef struct ox_node ox_node;
typedef struct ox_attribute ox_attribute;
typedef struct ox_tensor ox_tensor;
typedef struct ox_value_info ox_value_info;

typedef struct {
    const char *data;
    size_t size;
} ox_bytes;

/* Parses a serialized ModelProto. Returns NULL and writes a message on failure. */
ox_model *ox_model_parse(const void *bytes, size_t size, char *error, size_t error_capacity);
void ox_model_free(ox_model *model);

/* Runs onnx::checker::check_model. Returns 0 on success, -1 with a message on failure. */
int ox_model_check(const ox_model *model, char *error, size_t error_capacity);

/* Runs onnx::shape_inference::InferShapes, adding value_info entries; fails on conflicts
 * with declared shapes. */
int ox_model_infer_shapes(ox_model *model, char *error, size_t error_capacity);

int64_t ox_model_ir_version(const ox_model *model);
ox_bytes ox_model_producer_name(const ox_model *model);
ox_bytes ox_model_producer_version(const ox_model *model);
size_t ox_model_opset_count(const ox_model *model);
ox_bytes ox_model_opset_domain(const ox_model *model, size_t index);
int64_t ox_model_opset_version(const ox_model *model, size_t index);
size_t ox_model_metadata_count(const ox_model *model);
ox_bytes ox_model_metadata_key(const ox_model *model, size_t index);
ox_bytes ox_model_metadata_value(const ox_model *model, size_t index);
size_t ox_model_function_count(const ox_model *model);
const ox_graph *ox_model_graph(const ox_model *model);

ox_bytes ox_graph_name(const ox_graph *graph);
size_t ox_graph_node_count(const ox_graph *graph);
const ox_node *ox_graph_node(const ox_graph *graph, size_t index);
size_t ox_graph_initializer_count(const ox_graph *graph);
const ox_tensor *ox_graph_initializer(const ox_graph *graph, size_t index);
size_t ox_graph_sparse_initializer_count(const ox_graph *graph);
size_t ox_graph_input_count(const ox_graph *graph);
const ox_value_info *ox_graph_input(const ox_graph *graph, size_t index);
size_t ox_graph_output_count(const ox_graph *graph);
const ox_value_info *ox_graph_output(const ox_graph *graph, size_t index);
size_t ox_graph_value_info_count(const ox_graph *graph);
const ox_value_info *ox_graph_value_info(const ox_graph *graph, size_t index);

ox_bytes ox_node_name(const ox_node *node);
ox_bytes ox_node_op_type(const ox_node *node);
ox_bytes ox_node_domain(const ox_node *node);
size_t ox_node_input_count(const ox_node *node);
ox_bytes ox_node_input(const ox_node *node, size_t index);
size_t ox_node_output_count(const ox_node *node);
ox_bytes ox_node_output(const ox_node *node, size_t index);
size_t ox_node_attribute_count(const ox_node *node);
const ox_attribute *ox_node_attribute(const ox_node *node, size_t index);

/* AttributeProto.AttributeType values: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 5 GRAPH,
 * 6 FLOATS, 7 INTS, 8 STRINGS, 9 TENSORS, 10 GRAPHS, 11 SPARSE_TENSOR, ... */
ox_bytes ox_attribute_name(const ox_attribute *attribute);
int32_t ox_attribute_type(const ox_attribute *attribute);
ox_bytes ox_attribute_ref_name(const ox_attribute *attribute);
float ox_attribute_float(const ox_attribute *attribute);
int64_t ox_attribute_int(const ox_attribute *attribute);
ox_bytes ox_attribute_string(const ox_attribute *attribute);
const ox_tensor *ox_attribute_tensor(const ox_attribute *attribute);
size_t ox_attribute_float_count(const ox_attribute *attribute);
const float *ox_attribute_floats(const ox_attribute *attribute);
size_t ox_attribute_int_count(const ox_attribute *attribute);
const int64_t *ox_attribute_ints(const ox_attribute *attribute);
size_t ox_attribute_string_count(const ox_attribute *attribute);
ox_bytes ox_attribute_strings(const ox_attribute *attribute, size_t index);

ox_bytes ox_tensor_name(const ox_tensor *tensor);
int32_t ox_tensor_data_type(const ox_tensor *tensor);
size_t ox_tensor_dim_count(const ox_tensor *tensor);
const int64_t *ox_tensor_dims(const ox_tensor *tensor);
/* Non-zero when the raw_data field is present (it may be present and empty). */
int ox_tensor_has_raw_data(const ox_tensor *tensor);
ox_bytes ox_tensor_raw_data(const ox_tensor *tensor);
/* 0 DEFAULT, 1 EXTERNAL */
int32_t ox_tensor_data_location(const ox_tensor *tensor);
size_t ox_tensor_external_count(const ox_tensor *tensor);
ox_bytes ox_tensor_external_key(const ox_tensor *tensor, size_t index);
ox_bytes ox_tensor_external_value(const ox_tensor *tensor, size_t index);
size_t ox_tensor_float_count(const ox_tensor *tensor);
const float *ox_tensor_floats(const ox_tensor *tensor);
size_t ox_tensor_int32_count(const ox_tensor *tensor);
const int32_t *ox_tensor_int32s(const ox_tensor *tensor);
size_t ox_tensor_int64_count(const ox_tensor *tensor);
const int64_t *ox_tensor_int64s(const ox_tensor *tensor);
size_t ox_tensor_double_count(const ox_tensor *tensor);
const double *ox_tensor_doubles(const ox_tensor *tensor);
size_t ox_tensor_uint64_count(const ox_tensor *tensor);
const uint64_t *ox_tensor_uint64s(const ox_tensor *tensor);
size_t ox_tensor_string_count(const ox_tensor *tensor);
ox_bytes ox_tensor_strings(const ox_tensor *tensor, size_t index);

/* TypeProto value kinds: 0 none, 1 tensor, 4 sequence, 5 map, 8 sparse tensor, 9 optional. */
ox_bytes ox_value_info_name(const ox_value_info *info);
int32_t ox_value_info_kind(const ox_value_info *info);
int32_t ox_value_info_elem_type(const ox_value_info *info);
/* Non-zero when the tensor type carries a shape (a rank, possibly with unknown dims). */
int ox_value_info_has_shape(const ox_value_info *info);
size_t ox_value_info_dim_count(const ox_value_info *info);
/* Returns 1 and sets *value for a fixed dim, 2 and sets *param for a symbolic one, 0 if unknown. */
int ox_value_info_dim(const ox_value_info *info, size_t index, int64_t *value, ox_bytes *param);

/* Parses a serialized TensorProto (the .pb files of ONNX backend tests). */
ox_tensor_file *ox_tensor_file_parse(const void *bytes, size_t size, char *error, size_t error_capacity);
const ox_tensor *ox_tensor_file_tensor(const ox_tensor_file *file);
void ox_tensor_file_free(ox_tensor_file *file);

/* Serializes a TensorProto with raw_data. Returns a malloc'd buffer the caller frees with
 * ox_buffer_free, or NULL with a message. */
void *ox_tensor_serialize(const char *name, int32_t data_type, const int64_t *dims, size_t dim_count,
                          const void *raw, size_t raw_size, size_t *out_size,
                          char *error, size_t error_capacity);
void ox_buffer_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
