#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// Softmax: from opset 13 along one `axis` (default -1); before 13 the input is flattened to 2-D
/// at `axis` (default 1) and each row of the flattened form is normalised.
final class SoftmaxOperator: Operator {
    private let node: Node
    private let opset: Int
    private var outer = 0
    private var length = 0
    private var inner = 0

    init(node: Node, opset: Int) {
        self.node = node
        self.opset = opset
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        guard input.type.dataType.isFloatingPoint && input.type.dataType != .bfloat16 else {
            throw GlamError.unsupported("\(node.label): data type \(input.type.dataType) is not supported")
        }
        let shape = input.type.shape
        let requested = try AttributeReader(node: node).int("axis", default: opset < 13 ? 1 : -1)
        if shape.isEmpty {
            (outer, length, inner) = (1, 1, 1)
            return [input.type]
        }
        let axis = try Shape.normalizeAxis(requested, rank: shape.count, context: node.label)
        outer = shape[..<axis].reduce(1, *)
        if opset < 13 {
            length = shape[axis...].reduce(1, *)
            inner = 1
        } else {
            length = shape[axis]
            inner = shape[(axis + 1)...].reduce(1, *)
        }
        return [input.type]
    }

    /// True when, after `prepare`, each run of `last` elements along the last axis is normalised
    /// on its own (also true before opset 13 when the axes after `axis` have size 1).
    func normalizesLastAxis(of last: Int) -> Bool { inner == 1 && length == last && last > 0 }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        if input.dataType == .float {
            normalize(input.pointer(as: Float.self), outputs[0].pointer(as: Float.self))
        } else {
            try ElementDispatch.floating(input.dataType, Visitor(owner: self, input: input, output: outputs[0]), context: node.label)
        }
    }

    private func normalize(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            // Contiguous rows: the vectorised kernel, in place on the output.
            y.update(from: x, count: outer * length)
            glam_kernel_softmax_rows(y, outer, length)
            return
        }
        for block in 0..<outer {
            for lane in 0..<inner {
                let base = block * length * inner + lane
                var maximum = -Float.infinity
                for index in 0..<length { maximum = max(maximum, x[base + index * inner]) }
                var sum: Float = 0
                for index in 0..<length {
                    let value = expf(x[base + index * inner] - maximum)
                    y[base + index * inner] = value
                    sum += value
                }
                let scale = 1 / sum
                for index in 0..<length { y[base + index * inner] *= scale }
            }
        }
    }

    private struct Visitor: FloatingVisitor {
        let owner: SoftmaxOperator
        let input: Tensor
        let output: Tensor

        func visit<Element: NumericElement & BinaryFloatingPoint>(_ type: Element.Type) throws {
            let x = input.pointer(as: Element.self)
            let y = output.pointer(as: Element.self)
            let (length, inner) = (owner.length, owner.inner)
            for block in 0..<owner.outer {
                for lane in 0..<inner {
                    let base = block * length * inner + lane
                    var maximum = -Double.infinity
                    for index in 0..<length { maximum = max(maximum, Double(x[base + index * inner])) }
                    var sum = 0.0
                    for index in 0..<length { sum += exp(Double(x[base + index * inner]) - maximum) }
                    for index in 0..<length {
                        y[base + index * inner] = Element(exp(Double(x[base + index * inner]) - maximum) / sum)
                    }
                }
            }
        }
    }
}
