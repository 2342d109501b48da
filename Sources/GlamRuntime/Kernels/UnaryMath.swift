#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// Sqrt, Erf, Relu, Sigmoid, Tanh, Neg and Gelu (opset 20), elementwise.
///
/// Neg and Relu (opset 14+) also take signed integers; the others take FLOAT, DOUBLE and FLOAT16.
/// FLOAT uses the single-precision libm functions; other floating types compute in double.
final class UnaryMathOperator: Operator {
    enum Kind {
        case sqrt, erf, relu, sigmoid, tanh, negate, gelu, geluTanh
    }

    private let node: Node
    private let kind: Kind
    private var dataType = DataType.float

    init(node: Node, kind: Kind) {
        self.node = node
        self.kind = kind
    }

    /// `Gelu`, whose formula depends on the `approximate` attribute ("none" or "tanh").
    static func gelu(node: Node) throws -> UnaryMathOperator {
        switch try AttributeReader(node: node).string("approximate") ?? "none" {
        case "none": return UnaryMathOperator(node: node, kind: .gelu)
        case "tanh": return UnaryMathOperator(node: node, kind: .geluTanh)
        case let other: throw GlamError.invalidModel("\(node.label): approximate '\(other)' must be 'none' or 'tanh'")
        }
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        dataType = input.type.dataType
        let acceptsIntegers = kind == .negate || kind == .relu
        guard dataType.isFloatingPoint && dataType != .bfloat16 || (acceptsIntegers && dataType.isInteger) else {
            throw GlamError.unsupported("\(node.label): data type \(dataType) is not supported")
        }
        return [input.type]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        let output = outputs[0]
        if dataType == .float {
            runFloat(input.pointer(as: Float.self), output.pointer(as: Float.self), count: input.count)
        } else {
            try ElementDispatch.numeric(dataType, Visitor(kind: kind, input: input, output: output), context: node.label)
        }
    }

    private func runFloat(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        if kind == .gelu {
            // Row blocks of 64 Ki values spread over the worker threads.
            let block = 1 << 16
            WorkerPool.shared.parallelFor((count + block - 1) / block) { index, _ in
                let start = index * block
                glam_kernel_gelu(x + start, y + start, min(block, count - start))
            }
            return
        }
        if kind == .erf {
            VectorMath.erf(x, y, count: count)
            return
        }
        switch kind {
        case .sqrt: for index in 0..<count { y[index] = sqrtf(x[index]) }
        case .erf: for index in 0..<count { y[index] = erff(x[index]) }
        case .relu: for index in 0..<count { y[index] = x[index] > 0 ? x[index] : 0 }
        case .sigmoid: for index in 0..<count { y[index] = UnaryMathOperator.sigmoid(x[index]) }
        case .tanh: for index in 0..<count { y[index] = tanhf(x[index]) }
        case .negate: for index in 0..<count { y[index] = -x[index] }
        case .gelu: for index in 0..<count { y[index] = 0.5 * x[index] * (1 + erff(x[index] * 0.70710678118654752)) }
        case .geluTanh: for index in 0..<count { y[index] = Float(UnaryMathOperator.geluTanh(Double(x[index]))) }
        }
    }

    /// Avoids overflow of exp for large negative inputs.
    static func sigmoid(_ value: Float) -> Float {
        value >= 0 ? 1 / (1 + expf(-value)) : expf(value) / (1 + expf(value))
    }

    static func geluTanh(_ x: Double) -> Double {
        0.5 * x * (1 + Glibc.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x)))
    }

    private struct Visitor: NumericVisitor {
        let kind: Kind
        let input: Tensor
        let output: Tensor

        func visit<Element: NumericElement>(_ type: Element.Type) throws {
            let x = input.pointer(as: Element.self)
            let y = output.pointer(as: Element.self)
            for index in 0..<input.count {
                let value = x[index]
                switch kind {
                case .negate: y[index] = .negate(value)
                case .relu: y[index] = .maximum(value, .zero)
                default: y[index] = Element(converting: apply(value.doubleValue))
                }
            }
        }

        private func apply(_ x: Double) -> Double {
            switch kind {
            case .sqrt: return Glibc.sqrt(x)
            case .erf: return Glibc.erf(x)
            case .sigmoid: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
            case .tanh: return Glibc.tanh(x)
            case .gelu: return 0.5 * x * (1 + Glibc.erf(x * 0.70710678118654752))
            case .geluTanh: return UnaryMathOperator.geluTanh(x)
            case .negate, .relu: return x
            }
        }
    }
}
