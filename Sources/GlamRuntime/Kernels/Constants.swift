/// Constant, ConstantOfShape and Shape: operators whose outputs are known once shapes are bound,
/// so the planner folds them and they never run.

/// Constant: one of `value`, `value_float(s)`, `value_int(s)`; strings and sparse values are unsupported.
final class ConstantOperator: Operator {
    private let node: Node
    private var value: Tensor?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let reader = AttributeReader(node: node)
        let resolved: Tensor
        if let tensor = try reader.tensor("value") {
            resolved = tensor
        } else if let scalar = try reader.float("value_float") {
            resolved = try Tensor(shape: [], values: [scalar])
        } else if let list = try reader.floats("value_floats") {
            resolved = try Tensor(shape: [list.count], values: list)
        } else if let scalar = try reader.int("value_int") {
            resolved = try Tensor(shape: [], values: [Int64(scalar)])
        } else if let list = try reader.ints("value_ints") {
            resolved = try Tensor(shape: [list.count], values: list.map { Int64($0) })
        } else {
            throw GlamError.unsupported("\(node.label): only tensor, float and int values are supported")
        }
        value = resolved
        return [TensorType(resolved.dataType, resolved.shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        guard let value else { return }
        outputs[0].rawPointer.copyMemory(from: value.rawPointer, byteCount: value.byteCount)
    }
}

/// ConstantOfShape: a tensor of the given shape filled with the one-element `value` (default FLOAT 0).
final class ConstantOfShapeOperator: Operator {
    private let node: Node
    private var fill: Tensor?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let shape = try inputs.constantIntegers(0, of: node, role: "input")
        let value = try AttributeReader(node: node).tensor("value") ?? Tensor(shape: [1], values: [Float(0)])
        guard value.count == 1, value.dataType.byteSize != nil else {
            throw GlamError.invalidModel("\(node.label): value must be a one-element tensor")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw GlamError.invalidModel("\(node.label): shape \(shape) has a negative dimension")
        }
        _ = try Shape.elementCount(shape, context: node.label)
        fill = value
        return [TensorType(value.dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        guard let fill else { return }
        let scalar = try fill.reshaped([])
        try BroadcastCopy.run(scalar, into: outputs[0])
    }
}

/// Shape: the input's dimensions as INT64, optionally sliced by `start`/`end` (opset 15+).
final class ShapeOperator: Operator {
    private let node: Node
    private var dimensions: [Int64] = []

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let shape = try inputs.required(0, of: node).type.shape
        let reader = AttributeReader(node: node)
        let rank = shape.count
        func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
        let start = clamp(try reader.int("start", default: 0))
        let end = clamp(try reader.int("end", default: rank))
        dimensions = start < end ? shape[start..<end].map { Int64($0) } : []
        return [TensorType(.int64, [dimensions.count])]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let target = outputs[0].pointer(as: Int64.self)
        for (index, value) in dimensions.enumerated() {
            target[index] = value
        }
    }

    var dependsOnlyOnShapes: Bool { true }
}
