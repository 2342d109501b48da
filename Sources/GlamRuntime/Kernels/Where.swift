/// Where: picks from X where the BOOL condition holds, else from Y; all three broadcast.
final class WhereOperator: Operator {
    private let node: Node

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let condition = try inputs.required(0, of: node)
        let x = try inputs.required(1, of: node)
        let y = try inputs.required(2, of: node)
        guard condition.type.dataType == .bool else {
            throw GlamError.invalidModel("\(node.label): condition must be BOOL, got \(condition.type.dataType)")
        }
        guard x.type.dataType == y.type.dataType, x.type.dataType.byteSize != nil else {
            throw GlamError.invalidModel("\(node.label): X and Y must share one supported type, got \(x.type.dataType) and \(y.type.dataType)")
        }
        let shape = try Shape.broadcast([condition.type.shape, x.type.shape, y.type.shape], context: node.label)
        return [TensorType(x.type.dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let visitor = Visitor(condition: try inputs.at(0), x: try inputs.at(1), y: try inputs.at(2), output: outputs[0])
        try SizedDispatch.run(outputs[0].dataType, visitor)
    }

    private struct Visitor: SizedVisitor {
        let condition: Tensor
        let x: Tensor
        let y: Tensor
        let output: Tensor

        func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws {
            let layout = BroadcastLayout(outputShape: output.shape, operandShapes: [condition.shape, x.shape, y.shape])
            let inner = layout.innerStrides
            let mask = condition.pointer(as: UInt8.self)
            let whenTrue = x.pointer(as: Word.self)
            let whenFalse = y.pointer(as: Word.self)
            let result = output.pointer(as: Word.self)
            layout.forEachRow { outputOffset, offsets in
                for index in 0..<layout.rowLength {
                    let chosen = mask[offsets[0] + index * inner[0]] != 0
                    result[outputOffset + index] = chosen ? whenTrue[offsets[1] + index * inner[1]]
                                                          : whenFalse[offsets[2] + index * inner[2]]
                }
            }
        }
    }
}
