/// Clip: bounds from the `min`/`max` attributes before opset 11, from optional inputs after.
final class ClipOperator: Operator {
    private let node: Node
    private let opset: Int
    private var dataType = DataType.float

    init(node: Node, opset: Int) {
        self.node = node
        self.opset = opset
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        dataType = input.type.dataType
        for index in 1..<max(inputs.count, 1) {
            guard let bound = inputs[index] else { continue }
            guard bound.type.dataType == dataType, bound.type.shape.reduce(1, *) == 1 else {
                throw GlamError.invalidModel("\(node.label): bound #\(index) must be a one-element \(dataType) tensor")
            }
        }
        _ = try ElementDispatch.numeric(dataType, Probe(), context: node.label)
        return [input.type]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        var lower: Double?
        var upper: Double?
        if opset < 11 {
            let reader = AttributeReader(node: node)
            lower = try reader.float("min").map(Double.init)
            upper = try reader.float("max").map(Double.init)
        } else {
            lower = inputs.count > 1 ? inputs[1]?.elementAsDouble(at: 0) : nil
            upper = inputs.count > 2 ? inputs[2]?.elementAsDouble(at: 0) : nil
        }
        try ElementDispatch.numeric(dataType, Visitor(input: try inputs.at(0), output: outputs[0], lower: lower, upper: upper),
                                    context: node.label)
    }

    private struct Probe: NumericVisitor {
        func visit<Element: NumericElement>(_ type: Element.Type) throws {}
    }

    private struct Visitor: NumericVisitor {
        let input: Tensor
        let output: Tensor
        let lower: Double?
        let upper: Double?

        func visit<Element: NumericElement>(_ type: Element.Type) throws {
            let x = input.pointer(as: Element.self)
            let y = output.pointer(as: Element.self)
            let low = lower.map { Element(converting: $0) }
            let high = upper.map { Element(converting: $0) }
            for index in 0..<input.count {
                var value = x[index]
                if let low, value < low { value = low }
                if let high, value > high { value = high }
                y[index] = value
            }
        }
    }
}
