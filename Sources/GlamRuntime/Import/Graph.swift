/// An attribute value of an ONNX node.
public enum Attribute: Sendable {
    case float(Float)
    case int(Int)
    case string([UInt8])
    case tensor(Tensor)
    case floats([Float])
    case ints([Int])
    case strings([[UInt8]])
    /// A graph, sparse tensor or other attribute kind that no supported operator takes.
    case unsupported(typeCode: Int32)
}

/// One ONNX node: an operator applied to named values.
public struct Node: Sendable {
    public var name: String
    public var opType: String
    /// The operator set domain; "" and "ai.onnx" both mean the default ONNX domain.
    public var domain: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: Attribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// A label for messages: the node name when it has one, otherwise its first output.
    var label: String {
        let identity = name.isEmpty ? "output '\(outputs.first ?? "?")'" : "'\(name)'"
        return "\(opType) node \(identity)"
    }
}

/// One dimension of a declared value shape.
public enum Dimension: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)
    case unknown

    public var description: String {
        switch self {
        case .fixed(let value): return String(value)
        case .symbolic(let name): return name
        case .unknown: return "?"
        }
    }
}

/// A declared graph input, output or intermediate value (`ValueInfoProto`).
public struct ValueInfo: Sendable {
    public var name: String
    /// The element type, or nil when the value is not a tensor (a sequence, map or optional).
    public var dataType: DataType?
    /// The declared dimensions, or nil when no shape is declared.
    public var shape: [Dimension]?
}

/// An ONNX graph with its initializers decoded into tensors.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var initializers: [String: Tensor]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var valueInfo: [ValueInfo]

    /// The graph inputs that the caller must feed: declared inputs without an initializer.
    public var runtimeInputs: [ValueInfo] {
        inputs.filter { initializers[$0.name] == nil }
    }
}

/// An imported ONNX model (`ModelProto`).
public struct Model: Sendable {
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    /// Opset version per domain; the default ONNX domain is stored under "".
    public var opsetImports: [String: Int]
    /// `metadata_props` in file order.
    public var metadata: [(key: String, value: String)]
    public var graph: Graph

    /// The opset version that governs nodes of `domain`, or nil when the model does not import it.
    public func opsetVersion(for domain: String) -> Int? {
        opsetImports[domain == "ai.onnx" ? "" : domain]
    }

    /// The value of a `metadata_props` entry.
    public func metadataValue(_ key: String) -> String? {
        metadata.first { $0.key == key }?.value
    }
}
