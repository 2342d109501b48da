import CONNX

/// Reads ONNX `ModelProto` files into `Model` values.
///
/// Models within what Debian's libonnx 1.12 knows (IR version ≤ 8, default-domain opset ≤ 17)
/// also pass through its checker and strict shape inference; newer exports (the dynamo exporter
/// writes IR 10 with opset 18+) are validated by libglam's own checks during planning.
public enum ModelImporter {
    /// The newest IR version and default-domain opset that libonnx 1.12 can check.
    static let checkerMaxIRVersion = 8
    static let checkerMaxOpset = 17

    /// Loads a model file; external data is resolved relative to the file's folder.
    public static func load(path: String, limits: ModelLimits = ModelLimits()) throws -> Model {
        try FileIO.withMappedFile(path: path) { bytes in
            try load(buffer: bytes, externalDataDirectory: FileIO.directoryName(path), source: path, limits: limits)
        }
    }

    /// Loads a model from serialized bytes. Without `externalDataDirectory`, external data is rejected.
    public static func load(bytes: [UInt8], externalDataDirectory: String? = nil, source: String = "model",
                            limits: ModelLimits = ModelLimits()) throws -> Model {
        try bytes.withUnsafeBytes { buffer in
            try load(buffer: buffer, externalDataDirectory: externalDataDirectory, source: source, limits: limits)
        }
    }

    private static func load(buffer: UnsafeRawBufferPointer, externalDataDirectory: String?, source: String,
                             limits: ModelLimits) throws -> Model {
        var error = BridgeErrorBuffer()
        let parsed = error.storage.withUnsafeMutableBufferPointer { message in
            ox_model_parse(buffer.baseAddress, buffer.count, message.baseAddress, BridgeErrorBuffer.capacity)
        }
        guard let proto = parsed else {
            throw GlamError.invalidModel("\(source): \(error.message)")
        }
        defer { ox_model_free(proto) }

        let opsets = try readOpsets(proto, source: source)
        let irVersion = Int(ox_model_ir_version(proto))
        guard irVersion >= 3 else {
            throw GlamError.invalidModel("\(source): IR version \(irVersion) is not supported; re-export with IR version 3 or newer")
        }
        guard ox_model_function_count(proto) == 0 else {
            throw GlamError.unsupported("\(source): model-local functions are not supported; export with functions inlined")
        }

        guard let graphHandle = ox_model_graph(proto) else {
            throw GlamError.invalidModel("\(source): model has no graph")
        }
        let decoder = TensorDecoder(externalDataDirectory: externalDataDirectory, maxRank: limits.maxRank)
        let graph = try readGraph(graphHandle, decoder: decoder, source: source, limits: limits)

        let defaultOpset = opsets[""] ?? 0
        if irVersion <= checkerMaxIRVersion && defaultOpset <= checkerMaxOpset {
            try rejectDivisorsOfZero(graph, source: source)
            try runChecker(proto, source: source)
        }

        var metadata: [(key: String, value: String)] = []
        for index in 0..<ox_model_metadata_count(proto) {
            metadata.append((ox_model_metadata_key(proto, index).string, ox_model_metadata_value(proto, index).string))
        }

        return Model(
            irVersion: irVersion,
            producerName: ox_model_producer_name(proto).string,
            producerVersion: ox_model_producer_version(proto).string,
            opsetImports: opsets,
            metadata: metadata,
            graph: graph)
    }

    private static func readOpsets(_ proto: OpaquePointer, source: String) throws -> [String: Int] {
        var opsets: [String: Int] = [:]
        for index in 0..<ox_model_opset_count(proto) {
            var domain = ox_model_opset_domain(proto, index).string
            if domain == "ai.onnx" {
                domain = ""
            }
            opsets[domain] = Int(ox_model_opset_version(proto, index))
        }
        return opsets
    }

    /// Attributes that libonnx 1.12's shape inference divides by without checking (Conv and
    /// pooling strides and dilations, DepthToSpace block sizes, ...). A zero there raises SIGFPE
    /// inside libonnx, which would kill the host, so such models are rejected first.
    static let positiveAttributes: Set<String> = ["strides", "dilations", "kernel_shape", "blocksize", "group"]

    private static func rejectDivisorsOfZero(_ graph: Graph, source: String) throws {
        for node in graph.nodes {
            for name in positiveAttributes {
                switch node.attributes[name] {
                case .int(let value)? where value <= 0:
                    throw GlamError.invalidModel("\(source): \(node.label) has \(name) = \(value); it must be positive")
                case .ints(let values)? where values.contains(where: { $0 <= 0 }):
                    throw GlamError.invalidModel("\(source): \(node.label) has \(name) = \(values); every value must be positive")
                default:
                    continue
                }
            }
        }
    }

    private static func runChecker(_ proto: OpaquePointer, source: String) throws {
        var error = BridgeErrorBuffer()
        var status = error.storage.withUnsafeMutableBufferPointer { message in
            ox_model_check(proto, message.baseAddress, BridgeErrorBuffer.capacity)
        }
        guard status == 0 else {
            throw GlamError.invalidModel("\(source): ONNX checker: \(error.message)")
        }
        status = error.storage.withUnsafeMutableBufferPointer { message in
            ox_model_infer_shapes(proto, message.baseAddress, BridgeErrorBuffer.capacity)
        }
        guard status == 0 else {
            throw GlamError.invalidModel("\(source): ONNX shape inference: \(error.message)")
        }
    }

    private static func readGraph(_ graph: OpaquePointer, decoder: TensorDecoder, source: String,
                                  limits: ModelLimits) throws -> Graph {
        guard ox_graph_sparse_initializer_count(graph) == 0 else {
            throw GlamError.unsupported("\(source): sparse initializers are not supported")
        }
        try limits.check(ox_graph_node_count(graph), of: "nodes", limit: limits.maxNodeCount, source: source)
        try limits.check(ox_graph_initializer_count(graph), of: "initializers", limit: limits.maxInitializerCount, source: source)
        for (count, list) in [(ox_graph_input_count(graph), "graph inputs"), (ox_graph_output_count(graph), "graph outputs"),
                              (ox_graph_value_info_count(graph), "value_info entries")] {
            try limits.check(count, of: list, limit: limits.maxValueInfoCount, source: source)
        }

        var initializers: [String: Tensor] = [:]
        for index in 0..<ox_graph_initializer_count(graph) {
            guard let proto = ox_graph_initializer(graph, index) else { continue }
            let name = ox_tensor_name(proto).string
            guard !name.isEmpty else {
                throw GlamError.invalidModel("\(source): initializer #\(index) has no name")
            }
            initializers[name] = try decoder.decode(proto, context: "initializer")
        }

        var nodes: [Node] = []
        for index in 0..<ox_graph_node_count(graph) {
            guard let proto = ox_graph_node(graph, index) else { continue }
            nodes.append(try readNode(proto, decoder: decoder, source: source, limits: limits))
        }

        let read = { (proto: OpaquePointer) in try readValueInfo(proto, source: source, limits: limits) }
        return Graph(
            name: ox_graph_name(graph).string,
            nodes: nodes,
            initializers: initializers,
            inputs: try (0..<ox_graph_input_count(graph)).compactMap { ox_graph_input(graph, $0) }.map(read),
            outputs: try (0..<ox_graph_output_count(graph)).compactMap { ox_graph_output(graph, $0) }.map(read),
            valueInfo: try (0..<ox_graph_value_info_count(graph)).compactMap { ox_graph_value_info(graph, $0) }.map(read))
    }

    private static func readNode(_ proto: OpaquePointer, decoder: TensorDecoder, source: String,
                                 limits: ModelLimits) throws -> Node {
        let label = "\(source): node '\(ox_node_name(proto).string)'"
        try limits.check(ox_node_input_count(proto), of: "inputs of \(label)", limit: limits.maxNodeFieldCount, source: source)
        try limits.check(ox_node_output_count(proto), of: "outputs of \(label)", limit: limits.maxNodeFieldCount, source: source)
        try limits.check(ox_node_attribute_count(proto), of: "attributes of \(label)", limit: limits.maxNodeFieldCount, source: source)
        var node = Node(
            name: ox_node_name(proto).string,
            opType: ox_node_op_type(proto).string,
            domain: ox_node_domain(proto).string,
            inputs: (0..<ox_node_input_count(proto)).map { ox_node_input(proto, $0).string },
            outputs: (0..<ox_node_output_count(proto)).map { ox_node_output(proto, $0).string })

        for index in 0..<ox_node_attribute_count(proto) {
            guard let attribute = ox_node_attribute(proto, index) else { continue }
            let name = ox_attribute_name(attribute).string
            node.attributes[name] = try readAttribute(attribute, decoder: decoder, owner: node.label, limits: limits)
        }
        return node
    }

    private static func readAttribute(_ proto: OpaquePointer, decoder: TensorDecoder, owner: String,
                                      limits: ModelLimits) throws -> Attribute {
        let type = ox_attribute_type(proto)
        let elementCount = max(ox_attribute_float_count(proto), ox_attribute_int_count(proto), ox_attribute_string_count(proto))
        try limits.check(elementCount, of: "values in attribute '\(ox_attribute_name(proto).string)'",
                         limit: limits.maxAttributeElementCount, source: owner)
        switch type {
        case 1:
            return .float(ox_attribute_float(proto))
        case 2:
            return .int(Int(ox_attribute_int(proto)))
        case 3:
            return .string(ox_attribute_string(proto).bytes)
        case 4:
            guard let tensor = ox_attribute_tensor(proto) else {
                throw GlamError.invalidModel("\(owner): tensor attribute '\(ox_attribute_name(proto).string)' has no value")
            }
            return .tensor(try decoder.decode(tensor, context: "\(owner) attribute"))
        case 6:
            let count = ox_attribute_float_count(proto)
            guard count > 0, let values = ox_attribute_floats(proto) else { return .floats([]) }
            return .floats(Array(UnsafeBufferPointer(start: values, count: count)))
        case 7:
            let count = ox_attribute_int_count(proto)
            guard count > 0, let values = ox_attribute_ints(proto) else { return .ints([]) }
            return .ints(UnsafeBufferPointer(start: values, count: count).map { Int($0) })
        case 8:
            return .strings((0..<ox_attribute_string_count(proto)).map { ox_attribute_strings(proto, $0).bytes })
        default:
            return .unsupported(typeCode: type)
        }
    }

    private static func readValueInfo(_ proto: OpaquePointer, source: String, limits: ModelLimits) throws -> ValueInfo {
        let name = ox_value_info_name(proto).string
        guard ox_value_info_kind(proto) == 1 else {
            return ValueInfo(name: name, dataType: nil, shape: nil)
        }
        let dataType = DataType(rawValue: ox_value_info_elem_type(proto))
        guard ox_value_info_has_shape(proto) != 0 else {
            return ValueInfo(name: name, dataType: dataType, shape: nil)
        }
        try limits.check(ox_value_info_dim_count(proto), of: "dimensions of value '\(name)'", limit: limits.maxRank, source: source)
        var shape: [Dimension] = []
        for index in 0..<ox_value_info_dim_count(proto) {
            var value: Int64 = 0
            var parameter = ox_bytes(data: nil, size: 0)
            switch ox_value_info_dim(proto, index, &value, &parameter) {
            case 1: shape.append(.fixed(Int(value)))
            case 2: shape.append(.symbolic(parameter.string))
            default: shape.append(.unknown)
            }
        }
        return ValueInfo(name: name, dataType: dataType, shape: shape)
    }
}
