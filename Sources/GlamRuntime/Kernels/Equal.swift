/// Equal: elementwise equality with multidirectional broadcasting; the output is BOOL.
final class EqualOperator: Operator {
    private let node: Node

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let a = try inputs.required(0, of: node)
        let b = try inputs.required(1, of: node)
        guard a.type.dataType == b.type.dataType, a.type.dataType.byteSize != nil else {
            throw GlamError.invalidModel("\(node.label): inputs must share one supported type, got \(a.type.dataType) and \(b.type.dataType)")
        }
        let shape = try Shape.broadcast([a.type.shape, b.type.shape], context: node.label)
        return [TensorType(.bool, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let a = try inputs.at(0)
        let b = try inputs.at(1)
        let output = outputs[0]
        if a.dataType.isFloatingPoint {
            compare(a, b, output) { $0.elementAsDouble(at: $1) == $2.elementAsDouble(at: $3) }
        } else {
            // Integers and BOOL compare by bit pattern, which is exact for every width.
            try SizedDispatch.run(a.dataType, BitwiseVisitor(a: a, b: b, output: output))
        }
    }

    private func compare(_ a: Tensor, _ b: Tensor, _ output: Tensor, _ equal: (Tensor, Int, Tensor, Int) -> Bool) {
        let layout = BroadcastLayout(outputShape: output.shape, operandShapes: [a.shape, b.shape])
        let inner = layout.innerStrides
        let result = output.pointer(as: UInt8.self)
        layout.forEachRow { outputOffset, offsets in
            for index in 0..<layout.rowLength {
                let same = equal(a, offsets[0] + index * inner[0], b, offsets[1] + index * inner[1])
                result[outputOffset + index] = same ? 1 : 0
            }
        }
    }

    private struct BitwiseVisitor: SizedVisitor {
        let a: Tensor
        let b: Tensor
        let output: Tensor

        func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws {
            let layout = BroadcastLayout(outputShape: output.shape, operandShapes: [a.shape, b.shape])
            let inner = layout.innerStrides
            let x = a.pointer(as: Word.self)
            let y = b.pointer(as: Word.self)
            let result = output.pointer(as: UInt8.self)
            layout.forEachRow { outputOffset, offsets in
                for index in 0..<layout.rowLength {
                    let same = x[offsets[0] + index * inner[0]] == y[offsets[1] + index * inner[1]]
                    result[outputOffset + index] = same ? 1 : 0
                }
            }
        }
    }
}
