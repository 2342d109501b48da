/// Builds protobuf messages field by field, so tests can make ONNX files that no exporter
/// would write: nesting past protobuf's limit, ranks past libglam's, lists past its bounds.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func int(_ field: Int, _ value: Int) {
        varint(UInt64(field << 3))
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        varint(UInt64(field << 3 | 2))
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }
}

/// ONNX field numbers from onnx.proto, for the messages the limit tests build.
enum ONNXField {
    static let modelIRVersion = 1, modelGraph = 7, modelOpsetImport = 8
    static let opsetVersion = 2
    static let graphNode = 1, graphName = 2, graphInitializer = 5, graphInput = 11, graphOutput = 12
    static let nodeInput = 1, nodeOutput = 2, nodeName = 3, nodeOpType = 4, nodeAttribute = 5
    static let attributeName = 1, attributeGraph = 6, attributeInts = 8, attributeType = 20
    static let attributeTypeGraph = 5, attributeTypeInts = 7
    static let tensorDims = 1, tensorDataType = 2, tensorName = 8, tensorRawData = 9
    static let valueInfoName = 1, valueInfoType = 2
    static let typeTensor = 1, tensorTypeElementType = 1, tensorTypeShape = 2
    static let shapeDim = 1, dimValue = 1
}

/// Builds an IR 8, opset 17 model around `graph`.
func onnxModel(_ graph: (inout ProtobufWriter) -> Void) -> [UInt8] {
    var model = ProtobufWriter()
    model.int(ONNXField.modelIRVersion, 8)
    model.message(ONNXField.modelOpsetImport) { $0.int(ONNXField.opsetVersion, 17) }
    model.message(ONNXField.modelGraph, graph)
    return model.bytes
}

/// Builds a FLOAT value_info with the given fixed dimensions.
func floatValueInfo(_ name: String, _ dims: [Int]) -> (inout ProtobufWriter) -> Void {
    { info in
        info.string(ONNXField.valueInfoName, name)
        info.message(ONNXField.valueInfoType) { type in
            type.message(ONNXField.typeTensor) { tensor in
                tensor.int(ONNXField.tensorTypeElementType, 1)
                tensor.message(ONNXField.tensorTypeShape) { shape in
                    for dim in dims {
                        shape.message(ONNXField.shapeDim) { $0.int(ONNXField.dimValue, dim) }
                    }
                }
            }
        }
    }
}
