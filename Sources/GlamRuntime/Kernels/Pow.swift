#if canImport(Glibc)
import Glibc
#endif

/// Pow: base of type T, exponent of any numeric type T1 (opset 12+), broadcast; output type T.
///
/// Each element is computed in double and converted back, which for integer bases truncates as
/// onnxruntime does.
final class PowOperator: Operator {
    private let node: Node
    private var dataType = DataType.float

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let base = try inputs.required(0, of: node)
        let exponent = try inputs.required(1, of: node)
        dataType = base.type.dataType
        guard base.type.dataType != .bool, exponent.type.dataType != .bool,
              base.type.dataType.byteSize != nil, exponent.type.dataType.byteSize != nil else {
            throw GlamError.unsupported("\(node.label): Pow of \(base.type.dataType) by \(exponent.type.dataType) is not supported")
        }
        _ = try ElementDispatch.numeric(dataType, Probe(), context: node.label)
        _ = try ElementDispatch.numeric(exponent.type.dataType, Probe(), context: node.label)
        let shape = try Shape.broadcast([base.type.shape, exponent.type.shape], context: node.label)
        return [TensorType(dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let base = try inputs.at(0)
        let exponent = try inputs.at(1)
        let output = outputs[0]
        if base.dataType == .float && exponent.dataType == .float {
            runFloat(base, exponent, output)
            return
        }
        try ElementDispatch.numeric(dataType, Visitor(base: base, exponent: exponent, output: output), context: node.label)
    }

    private func runFloat(_ base: Tensor, _ exponent: Tensor, _ output: Tensor) {
        let layout = BroadcastLayout(outputShape: output.shape, operandShapes: [base.shape, exponent.shape])
        let x = base.pointer(as: Float.self)
        let y = exponent.pointer(as: Float.self)
        let z = output.pointer(as: Float.self)
        let inner = layout.innerStrides
        let length = layout.rowLength
        layout.forEachRow { outputOffset, offsets in
            for index in 0..<length {
                z[outputOffset + index] = powf(x[offsets[0] + index * inner[0]], y[offsets[1] + index * inner[1]])
            }
        }
    }

    private struct Probe: NumericVisitor {
        func visit<Element: NumericElement>(_ type: Element.Type) throws {}
    }

    private struct Visitor: NumericVisitor {
        let base: Tensor
        let exponent: Tensor
        let output: Tensor

        func visit<Element: NumericElement>(_ type: Element.Type) throws {
            let layout = BroadcastLayout(outputShape: output.shape, operandShapes: [base.shape, exponent.shape])
            let x = base.pointer(as: Element.self)
            let z = output.pointer(as: Element.self)
            let inner = layout.innerStrides
            let length = layout.rowLength
            layout.forEachRow { outputOffset, offsets in
                for index in 0..<length {
                    let power = exponent.elementAsDouble(at: offsets[1] + index * inner[1])
                    let value = Glibc.pow(x[offsets[0] + index * inner[0]].doubleValue, power)
                    z[outputOffset + index] = Element(converting: value)
                }
            }
        }
    }
}
