/// Plan-time facts about one node input: its type and, where known, its value.
struct InputInfo {
    var type: TensorType
    /// The value, when it is an initializer or was folded at plan time.
    var constant: Tensor?
}

/// One ONNX operator bound to a node's attributes and opset version.
///
/// The planner calls `prepare` once with the bound input types (and constant values where known);
/// the operator validates them, records whatever it needs, and returns its output types. `run`
/// then computes into outputs that the planner preallocated with exactly those types, any number
/// of times; it must not change the operator's state, so one plan can be run repeatedly.
protocol Operator: AnyObject {
    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType]
    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws

    /// True when the outputs follow from the input shapes alone (Shape), so the planner can
    /// fold the node even though its input values are only known at run time.
    var dependsOnlyOnShapes: Bool { get }

    /// Floating-point operations of one run, counting a multiply-add as two; 0 where the
    /// operator does no arithmetic worth counting.
    var flops: Int { get }

    /// Bytes of working memory the kernel allocates for itself, known after `prepare`, so that
    /// the planner can count them against a plan's memory limit before the first run.
    var scratchByteCount: Int { get }

    /// True when, after `prepare`, the first output contains the first input's bytes in the same
    /// order (a reshape, or a transpose that moves only axes of size 1), so the plan can let the
    /// output share the input's memory instead of copying it.
    var isView: Bool { get }
}

extension Operator {
    var dependsOnlyOnShapes: Bool { false }
    var flops: Int { 0 }
    var scratchByteCount: Int { 0 }
    var isView: Bool { false }
}

/// Reads node attributes with the type checks and defaults that ONNX specifies.
struct AttributeReader {
    let node: Node

    func int(_ name: String) throws -> Int? {
        switch node.attributes[name] {
        case nil: return nil
        case .int(let value)?: return value
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be an int")
        }
    }

    func int(_ name: String, default value: Int) throws -> Int {
        try int(name) ?? value
    }

    func float(_ name: String) throws -> Float? {
        switch node.attributes[name] {
        case nil: return nil
        case .float(let value)?: return value
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be a float")
        }
    }

    func float(_ name: String, default value: Float) throws -> Float {
        try float(name) ?? value
    }

    func ints(_ name: String) throws -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let values)?: return values
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be a list of ints")
        }
    }

    func floats(_ name: String) throws -> [Float]? {
        switch node.attributes[name] {
        case nil: return nil
        case .floats(let values)?: return values
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be a list of floats")
        }
    }

    func string(_ name: String) throws -> String? {
        switch node.attributes[name] {
        case nil: return nil
        case .string(let bytes)?: return String(decoding: bytes, as: UTF8.self)
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be a string")
        }
    }

    func tensor(_ name: String) throws -> Tensor? {
        switch node.attributes[name] {
        case nil: return nil
        case .tensor(let value)?: return value
        default: throw GlamError.invalidModel("\(node.label): attribute '\(name)' must be a tensor")
        }
    }
}

extension Array where Element == InputInfo? {
    /// Returns the input at `index`, or throws an error naming the node when it is missing.
    func required(_ index: Int, of node: Node) throws -> InputInfo {
        guard index < count, let input = self[index] else {
            throw GlamError.invalidModel("\(node.label): required input #\(index) is missing")
        }
        return input
    }

    /// Returns the input at `index` when present.
    func optional(_ index: Int) -> InputInfo? {
        index < count ? self[index] : nil
    }

    /// Returns the constant value of input `index`, and throws when it is computed at run time.
    func constantIntegers(_ index: Int, of node: Node, role: String) throws -> [Int] {
        let input = try required(index, of: node)
        guard let constant = input.constant else {
            throw GlamError.unsupported(
                "\(node.label): input '\(role)' is computed at run time; libglam needs it constant once input shapes are bound")
        }
        return try constant.integerValues(context: "\(node.label) input '\(role)'")
    }
}

extension Array where Element == Tensor? {
    /// Returns the tensor at `index`. The planner guarantees that required inputs are present.
    func at(_ index: Int) throws -> Tensor {
        guard index < count, let tensor = self[index] else {
            throw GlamError.invalidArgument("input #\(index) is missing at run time")
        }
        return tensor
    }
}
