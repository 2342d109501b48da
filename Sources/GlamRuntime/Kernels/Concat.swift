/// Concat: joins inputs of one type along `axis` (negative allowed from opset 11).
final class ConcatOperator: Operator {
    private let node: Node
    private var axis = 0

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let present = inputs.compactMap { $0 }
        guard let first = present.first else {
            throw GlamError.invalidModel("\(node.label) has no inputs")
        }
        guard let requested = try AttributeReader(node: node).int("axis") else {
            throw GlamError.invalidModel("\(node.label): attribute 'axis' is missing")
        }
        let rank = first.type.shape.count
        axis = try Shape.normalizeAxis(requested, rank: rank, context: node.label)
        var shape = first.type.shape
        shape[axis] = 0
        for input in present {
            var other = input.type.shape
            guard input.type.dataType == first.type.dataType, other.count == rank else {
                throw GlamError.invalidModel("\(node.label): input \(input.type) does not match \(first.type)")
            }
            shape[axis] += other[axis]
            other[axis] = shape[axis]
            guard other == shape else {
                throw GlamError.invalidModel("\(node.label): input shapes differ outside axis \(axis): \(present.map(\.type.shape))")
            }
        }
        return [TensorType(first.type.dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let output = outputs[0]
        let elementSize = output.dataType.byteSize ?? 0
        let outer = output.shape[..<axis].reduce(1, *)
        let outputRow = output.shape[axis...].reduce(1, *) * elementSize
        var column = 0
        for case let input? in inputs {
            let inputRow = input.shape[axis...].reduce(1, *) * elementSize
            for block in 0..<outer {
                (output.rawPointer + block * outputRow + column)
                    .copyMemory(from: input.rawPointer + block * inputRow, byteCount: inputRow)
            }
            column += inputRow
        }
    }
}
