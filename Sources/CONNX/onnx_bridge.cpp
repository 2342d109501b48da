// C view of the ONNX protobuf classes; see include/onnx_bridge.h for the contract.

#include "onnx_bridge.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

struct ox_model {
    onnx::ModelProto proto;
};

struct ox_tensor_file {
    onnx::TensorProto proto;
};

namespace {

void write_error(char *error, size_t capacity, const std::string &message) {
    if (error == nullptr || capacity == 0) {
        return;
    }
    size_t count = message.size() < capacity - 1 ? message.size() : capacity - 1;
    std::memcpy(error, message.data(), count);
    error[count] = '\0';
}

ox_bytes bytes_of(const std::string &value) {
    return ox_bytes{value.data(), value.size()};
}

const onnx::GraphProto *graph_of(const ox_graph *graph) {
    return reinterpret_cast<const onnx::GraphProto *>(graph);
}

const onnx::NodeProto *node_of(const ox_node *node) {
    return reinterpret_cast<const onnx::NodeProto *>(node);
}

const onnx::AttributeProto *attribute_of(const ox_attribute *attribute) {
    return reinterpret_cast<const onnx::AttributeProto *>(attribute);
}

const onnx::TensorProto *tensor_of(const ox_tensor *tensor) {
    return reinterpret_cast<const onnx::TensorProto *>(tensor);
}

const onnx::ValueInfoProto *info_of(const ox_value_info *info) {
    return reinterpret_cast<const onnx::ValueInfoProto *>(info);
}

}  // namespace

extern "C" {

ox_model *ox_model_parse(const void *bytes, size_t size, char *error, size_t error_capacity) {
    if (bytes == nullptr && size > 0) {
        write_error(error, error_capacity, "model bytes are NULL");
        return nullptr;
    }
    if (size > static_cast<size_t>(INT_MAX)) {
        write_error(error, error_capacity,
                    "model file is larger than 2 GiB; store the weights as external data");
        return nullptr;
    }
    auto *model = new (std::nothrow) ox_model();
    if (model == nullptr) {
        write_error(error, error_capacity, "out of memory while parsing the model");
        return nullptr;
    }
    try {
        if (!model->proto.ParseFromArray(bytes, static_cast<int>(size))) {
            write_error(error, error_capacity,
                        "not a valid ONNX ModelProto (protobuf parse failed: malformed, or messages nested more than 100 levels deep)");
            delete model;
            return nullptr;
        }
    } catch (const std::exception &exception) {
        write_error(error, error_capacity, std::string("protobuf parse failed: ") + exception.what());
        delete model;
        return nullptr;
    }
    return model;
}

void ox_model_free(ox_model *model) {
    delete model;
}

int ox_model_check(const ox_model *model, char *error, size_t error_capacity) {
    try {
        // The checker resolves external data against the working directory, not the model's
        // folder, so it checks a copy where each external initializer is a typed graph input
        // instead; libglam checks external locations and lengths itself.
        bool has_external = false;
        for (const auto &tensor : model->proto.graph().initializer()) {
            has_external = has_external || tensor.data_location() == onnx::TensorProto::EXTERNAL;
        }
        if (!has_external) {
            onnx::checker::check_model(model->proto);
            return 0;
        }
        onnx::ModelProto copy = model->proto;
        onnx::GraphProto *graph = copy.mutable_graph();
        google::protobuf::RepeatedPtrField<onnx::TensorProto> inline_initializers;
        for (const auto &tensor : graph->initializer()) {
            if (tensor.data_location() != onnx::TensorProto::EXTERNAL) {
                *inline_initializers.Add() = tensor;
                continue;
            }
            bool declared = false;
            for (const auto &input : graph->input()) {
                declared = declared || input.name() == tensor.name();
            }
            if (declared) {
                continue;
            }
            onnx::ValueInfoProto *input = graph->add_input();
            input->set_name(tensor.name());
            auto *type = input->mutable_type()->mutable_tensor_type();
            type->set_elem_type(tensor.data_type());
            auto *shape = type->mutable_shape();
            for (auto dim : tensor.dims()) {
                shape->add_dim()->set_dim_value(dim);
            }
        }
        graph->mutable_initializer()->Swap(&inline_initializers);
        onnx::checker::check_model(copy);
    } catch (const std::exception &exception) {
        write_error(error, error_capacity, exception.what());
        return -1;
    }
    return 0;
}

int ox_model_infer_shapes(ox_model *model, char *error, size_t error_capacity) {
    try {
        // Node-level inference errors are not fatal: libonnx 1.12 rejects some valid older
        // exports (an int64 Constant under opset 6, for one); conflicts with declared shapes are.
        onnx::ShapeInferenceOptions options(false, 0, false);
        onnx::shape_inference::InferShapes(model->proto, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception &exception) {
        write_error(error, error_capacity, exception.what());
        return -1;
    }
    return 0;
}

int64_t ox_model_ir_version(const ox_model *model) { return model->proto.ir_version(); }
ox_bytes ox_model_producer_name(const ox_model *model) { return bytes_of(model->proto.producer_name()); }
ox_bytes ox_model_producer_version(const ox_model *model) { return bytes_of(model->proto.producer_version()); }
size_t ox_model_opset_count(const ox_model *model) { return model->proto.opset_import_size(); }

ox_bytes ox_model_opset_domain(const ox_model *model, size_t index) {
    return bytes_of(model->proto.opset_import(static_cast<int>(index)).domain());
}

int64_t ox_model_opset_version(const ox_model *model, size_t index) {
    return model->proto.opset_import(static_cast<int>(index)).version();
}

size_t ox_model_metadata_count(const ox_model *model) { return model->proto.metadata_props_size(); }

ox_bytes ox_model_metadata_key(const ox_model *model, size_t index) {
    return bytes_of(model->proto.metadata_props(static_cast<int>(index)).key());
}

ox_bytes ox_model_metadata_value(const ox_model *model, size_t index) {
    return bytes_of(model->proto.metadata_props(static_cast<int>(index)).value());
}

size_t ox_model_function_count(const ox_model *model) { return model->proto.functions_size(); }

const ox_graph *ox_model_graph(const ox_model *model) {
    return reinterpret_cast<const ox_graph *>(&model->proto.graph());
}

ox_bytes ox_graph_name(const ox_graph *graph) { return bytes_of(graph_of(graph)->name()); }
size_t ox_graph_node_count(const ox_graph *graph) { return graph_of(graph)->node_size(); }

const ox_node *ox_graph_node(const ox_graph *graph, size_t index) {
    return reinterpret_cast<const ox_node *>(&graph_of(graph)->node(static_cast<int>(index)));
}

size_t ox_graph_initializer_count(const ox_graph *graph) { return graph_of(graph)->initializer_size(); }

const ox_tensor *ox_graph_initializer(const ox_graph *graph, size_t index) {
    return reinterpret_cast<const ox_tensor *>(&graph_of(graph)->initializer(static_cast<int>(index)));
}

size_t ox_graph_sparse_initializer_count(const ox_graph *graph) {
    return graph_of(graph)->sparse_initializer_size();
}

size_t ox_graph_input_count(const ox_graph *graph) { return graph_of(graph)->input_size(); }

const ox_value_info *ox_graph_input(const ox_graph *graph, size_t index) {
    return reinterpret_cast<const ox_value_info *>(&graph_of(graph)->input(static_cast<int>(index)));
}

size_t ox_graph_output_count(const ox_graph *graph) { return graph_of(graph)->output_size(); }

const ox_value_info *ox_graph_output(const ox_graph *graph, size_t index) {
    return reinterpret_cast<const ox_value_info *>(&graph_of(graph)->output(static_cast<int>(index)));
}

size_t ox_graph_value_info_count(const ox_graph *graph) { return graph_of(graph)->value_info_size(); }

const ox_value_info *ox_graph_value_info(const ox_graph *graph, size_t index) {
    return reinterpret_cast<const ox_value_info *>(&graph_of(graph)->value_info(static_cast<int>(index)));
}

ox_bytes ox_node_name(const ox_node *node) { return bytes_of(node_of(node)->name()); }
ox_bytes ox_node_op_type(const ox_node *node) { return bytes_of(node_of(node)->op_type()); }
ox_bytes ox_node_domain(const ox_node *node) { return bytes_of(node_of(node)->domain()); }
size_t ox_node_input_count(const ox_node *node) { return node_of(node)->input_size(); }

ox_bytes ox_node_input(const ox_node *node, size_t index) {
    return bytes_of(node_of(node)->input(static_cast<int>(index)));
}

size_t ox_node_output_count(const ox_node *node) { return node_of(node)->output_size(); }

ox_bytes ox_node_output(const ox_node *node, size_t index) {
    return bytes_of(node_of(node)->output(static_cast<int>(index)));
}

size_t ox_node_attribute_count(const ox_node *node) { return node_of(node)->attribute_size(); }

const ox_attribute *ox_node_attribute(const ox_node *node, size_t index) {
    return reinterpret_cast<const ox_attribute *>(&node_of(node)->attribute(static_cast<int>(index)));
}

ox_bytes ox_attribute_name(const ox_attribute *attribute) { return bytes_of(attribute_of(attribute)->name()); }
int32_t ox_attribute_type(const ox_attribute *attribute) { return attribute_of(attribute)->type(); }

ox_bytes ox_attribute_ref_name(const ox_attribute *attribute) {
    return bytes_of(attribute_of(attribute)->ref_attr_name());
}

float ox_attribute_float(const ox_attribute *attribute) { return attribute_of(attribute)->f(); }
int64_t ox_attribute_int(const ox_attribute *attribute) { return attribute_of(attribute)->i(); }
ox_bytes ox_attribute_string(const ox_attribute *attribute) { return bytes_of(attribute_of(attribute)->s()); }

const ox_tensor *ox_attribute_tensor(const ox_attribute *attribute) {
    if (!attribute_of(attribute)->has_t()) {
        return nullptr;
    }
    return reinterpret_cast<const ox_tensor *>(&attribute_of(attribute)->t());
}

size_t ox_attribute_float_count(const ox_attribute *attribute) { return attribute_of(attribute)->floats_size(); }
const float *ox_attribute_floats(const ox_attribute *attribute) { return attribute_of(attribute)->floats().data(); }
size_t ox_attribute_int_count(const ox_attribute *attribute) { return attribute_of(attribute)->ints_size(); }
const int64_t *ox_attribute_ints(const ox_attribute *attribute) { return attribute_of(attribute)->ints().data(); }
size_t ox_attribute_string_count(const ox_attribute *attribute) { return attribute_of(attribute)->strings_size(); }

ox_bytes ox_attribute_strings(const ox_attribute *attribute, size_t index) {
    return bytes_of(attribute_of(attribute)->strings(static_cast<int>(index)));
}

ox_bytes ox_tensor_name(const ox_tensor *tensor) { return bytes_of(tensor_of(tensor)->name()); }
int32_t ox_tensor_data_type(const ox_tensor *tensor) { return tensor_of(tensor)->data_type(); }
size_t ox_tensor_dim_count(const ox_tensor *tensor) { return tensor_of(tensor)->dims_size(); }
const int64_t *ox_tensor_dims(const ox_tensor *tensor) { return tensor_of(tensor)->dims().data(); }
int ox_tensor_has_raw_data(const ox_tensor *tensor) { return tensor_of(tensor)->has_raw_data() ? 1 : 0; }
ox_bytes ox_tensor_raw_data(const ox_tensor *tensor) { return bytes_of(tensor_of(tensor)->raw_data()); }
int32_t ox_tensor_data_location(const ox_tensor *tensor) { return tensor_of(tensor)->data_location(); }
size_t ox_tensor_external_count(const ox_tensor *tensor) { return tensor_of(tensor)->external_data_size(); }

ox_bytes ox_tensor_external_key(const ox_tensor *tensor, size_t index) {
    return bytes_of(tensor_of(tensor)->external_data(static_cast<int>(index)).key());
}

ox_bytes ox_tensor_external_value(const ox_tensor *tensor, size_t index) {
    return bytes_of(tensor_of(tensor)->external_data(static_cast<int>(index)).value());
}

size_t ox_tensor_float_count(const ox_tensor *tensor) { return tensor_of(tensor)->float_data_size(); }
const float *ox_tensor_floats(const ox_tensor *tensor) { return tensor_of(tensor)->float_data().data(); }
size_t ox_tensor_int32_count(const ox_tensor *tensor) { return tensor_of(tensor)->int32_data_size(); }
const int32_t *ox_tensor_int32s(const ox_tensor *tensor) { return tensor_of(tensor)->int32_data().data(); }
size_t ox_tensor_int64_count(const ox_tensor *tensor) { return tensor_of(tensor)->int64_data_size(); }
const int64_t *ox_tensor_int64s(const ox_tensor *tensor) { return tensor_of(tensor)->int64_data().data(); }
size_t ox_tensor_double_count(const ox_tensor *tensor) { return tensor_of(tensor)->double_data_size(); }
const double *ox_tensor_doubles(const ox_tensor *tensor) { return tensor_of(tensor)->double_data().data(); }
size_t ox_tensor_uint64_count(const ox_tensor *tensor) { return tensor_of(tensor)->uint64_data_size(); }
const uint64_t *ox_tensor_uint64s(const ox_tensor *tensor) { return tensor_of(tensor)->uint64_data().data(); }
size_t ox_tensor_string_count(const ox_tensor *tensor) { return tensor_of(tensor)->string_data_size(); }

ox_bytes ox_tensor_strings(const ox_tensor *tensor, size_t index) {
    return bytes_of(tensor_of(tensor)->string_data(static_cast<int>(index)));
}

ox_bytes ox_value_info_name(const ox_value_info *info) { return bytes_of(info_of(info)->name()); }

int32_t ox_value_info_kind(const ox_value_info *info) {
    if (!info_of(info)->has_type()) {
        return 0;
    }
    return static_cast<int32_t>(info_of(info)->type().value_case());
}

int32_t ox_value_info_elem_type(const ox_value_info *info) {
    const auto &type = info_of(info)->type();
    return type.has_tensor_type() ? type.tensor_type().elem_type() : 0;
}

int ox_value_info_has_shape(const ox_value_info *info) {
    const auto &type = info_of(info)->type();
    return type.has_tensor_type() && type.tensor_type().has_shape() ? 1 : 0;
}

size_t ox_value_info_dim_count(const ox_value_info *info) {
    const auto &type = info_of(info)->type();
    return type.has_tensor_type() ? type.tensor_type().shape().dim_size() : 0;
}

int ox_value_info_dim(const ox_value_info *info, size_t index, int64_t *value, ox_bytes *param) {
    const auto &dim = info_of(info)->type().tensor_type().shape().dim(static_cast<int>(index));
    if (dim.has_dim_value()) {
        *value = dim.dim_value();
        return 1;
    }
    if (dim.has_dim_param()) {
        *param = bytes_of(dim.dim_param());
        return 2;
    }
    return 0;
}

ox_tensor_file *ox_tensor_file_parse(const void *bytes, size_t size, char *error, size_t error_capacity) {
    if ((bytes == nullptr && size > 0) || size > static_cast<size_t>(INT_MAX)) {
        write_error(error, error_capacity, "tensor bytes are NULL or larger than 2 GiB");
        return nullptr;
    }
    auto *file = new (std::nothrow) ox_tensor_file();
    if (file == nullptr) {
        write_error(error, error_capacity, "out of memory while parsing the tensor");
        return nullptr;
    }
    try {
        if (!file->proto.ParseFromArray(bytes, static_cast<int>(size))) {
            write_error(error, error_capacity, "not a valid ONNX TensorProto (protobuf parse failed)");
            delete file;
            return nullptr;
        }
    } catch (const std::exception &exception) {
        write_error(error, error_capacity, std::string("protobuf parse failed: ") + exception.what());
        delete file;
        return nullptr;
    }
    return file;
}

const ox_tensor *ox_tensor_file_tensor(const ox_tensor_file *file) {
    return reinterpret_cast<const ox_tensor *>(&file->proto);
}

void ox_tensor_file_free(ox_tensor_file *file) {
    delete file;
}

void *ox_tensor_serialize(const char *name, int32_t data_type, const int64_t *dims, size_t dim_count,
                          const void *raw, size_t raw_size, size_t *out_size,
                          char *error, size_t error_capacity) {
    try {
        onnx::TensorProto proto;
        if (name != nullptr) {
            proto.set_name(name);
        }
        proto.set_data_type(data_type);
        for (size_t index = 0; index < dim_count; ++index) {
            proto.add_dims(dims[index]);
        }
        proto.set_raw_data(raw, raw_size);
        size_t size = proto.ByteSizeLong();
        void *buffer = std::malloc(size == 0 ? 1 : size);
        if (buffer == nullptr) {
            write_error(error, error_capacity, "out of memory while serializing the tensor");
            return nullptr;
        }
        if (!proto.SerializeToArray(buffer, static_cast<int>(size))) {
            std::free(buffer);
            write_error(error, error_capacity, "protobuf serialization failed");
            return nullptr;
        }
        *out_size = size;
        return buffer;
    } catch (const std::exception &exception) {
        write_error(error, error_capacity, exception.what());
        return nullptr;
    }
}

void ox_buffer_free(void *buffer) {
    std::free(buffer);
}

}  // extern "C"
