/// Split: cuts the input along `axis` into the node's outputs.
///
/// Sizes come from the `split` attribute before opset 13 and from the optional `split` input
/// from 13 on; without them the axis is divided equally (opset 18 adds `num_outputs`, where the
/// last part may be smaller).
final class SplitOperator: Operator {
    private let node: Node
    private let opset: Int
    private var axis = 0
    private var sizes: [Int] = []

    init(node: Node, opset: Int) {
        self.node = node
        self.opset = opset
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let reader = AttributeReader(node: node)
        axis = try Shape.normalizeAxis(try reader.int("axis", default: 0), rank: input.type.shape.count, context: node.label)
        let length = input.type.shape[axis]
        let parts = node.outputs.count

        if opset < 13, let attribute = try reader.ints("split") {
            sizes = attribute
        } else if opset >= 13, inputs.optional(1) != nil {
            sizes = try inputs.constantIntegers(1, of: node, role: "split")
        } else {
            let requested = try reader.int("num_outputs") ?? parts
            guard requested == parts, parts > 0 else {
                throw GlamError.invalidModel("\(node.label): num_outputs \(requested) does not match \(parts) outputs")
            }
            let chunk = (length + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(chunk, length - $0 * chunk)) }
        }

        guard sizes.count == parts, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == length else {
            throw GlamError.invalidModel("\(node.label): split sizes \(sizes) do not cut axis \(axis) of length \(length) into \(parts) parts")
        }
        return sizes.map { size in
            var shape = input.type.shape
            shape[axis] = size
            return TensorType(input.type.dataType, shape)
        }
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        let elementSize = input.dataType.byteSize ?? 0
        let outer = input.shape[..<axis].reduce(1, *)
        let inner = input.shape[(axis + 1)...].reduce(1, *) * elementSize
        let inputRow = input.shape[axis] * inner
        var column = 0
        for (output, size) in zip(outputs, sizes) {
            let outputRow = size * inner
            for block in 0..<outer {
                (output.rawPointer + block * outputRow)
                    .copyMemory(from: input.rawPointer + block * inputRow + column, byteCount: outputRow)
            }
            column += outputRow
        }
    }
}
