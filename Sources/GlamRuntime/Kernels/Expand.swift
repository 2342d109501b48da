/// Expand: broadcasts the input to the multidirectional broadcast of its shape and `shape`.
final class ExpandOperator: Operator {
    private let node: Node
    private var layout: BroadcastLayout?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let requested = try inputs.constantIntegers(1, of: node, role: "shape")
        guard requested.allSatisfy({ $0 >= 0 }) else {
            throw GlamError.invalidModel("\(node.label): shape \(requested) has a negative dimension")
        }
        let shape = try Shape.broadcast([input.type.shape, requested], context: node.label)
        _ = try Shape.elementCount(shape, context: node.label)
        layout = BroadcastLayout(outputShape: shape, operandShapes: [input.type.shape])
        return [TensorType(input.type.dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        try BroadcastCopy.run(try inputs.at(0), into: outputs[0], layout: layout)
    }
}
