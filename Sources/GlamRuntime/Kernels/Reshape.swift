/// Identity, Reshape, Flatten, Squeeze and Unsqueeze: new shape, same bytes.
///
/// Each computes its output shape at plan time and copies the bytes at run time. Reshape
/// takes `shape` as an input (opset 5+) with 0 meaning "copy this dimension" unless
/// `allowzero = 1` (opset 14+), and -1 meaning "infer". Squeeze and Unsqueeze take `axes` as an
/// attribute before opset 13 and as an input from 13 on.
final class ReshapeOperator: Operator {
    enum Kind {
        case identity, reshape, flatten, squeeze, unsqueeze
    }

    private let node: Node
    private let kind: Kind
    private let opset: Int

    init(node: Node, kind: Kind, opset: Int) {
        self.node = node
        self.kind = kind
        self.opset = opset
    }

    var isView: Bool { true }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        guard input.type.dataType.byteSize != nil else {
            throw GlamError.unsupported("\(node.label): data type \(input.type.dataType) is not supported")
        }
        let shape: [Int]
        switch kind {
        case .identity: shape = input.type.shape
        case .reshape: shape = try reshapedShape(input.type.shape, inputs)
        case .flatten: shape = try flattenedShape(input.type.shape)
        case .squeeze: shape = try squeezedShape(input.type.shape, inputs)
        case .unsqueeze: shape = try unsqueezedShape(input.type.shape, inputs)
        }
        return [TensorType(input.type.dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        outputs[0].rawPointer.copyMemory(from: input.rawPointer, byteCount: input.byteCount)
    }

    private func reshapedShape(_ shape: [Int], _ inputs: [InputInfo?]) throws -> [Int] {
        let requested = try inputs.constantIntegers(1, of: node, role: "shape")
        let allowZero = try AttributeReader(node: node).int("allowzero", default: 0) != 0
        let count = try Shape.elementCount(shape)
        var result: [Int] = []
        var inferred: Int?
        for (axis, dimension) in requested.enumerated() {
            switch dimension {
            case -1:
                guard inferred == nil else {
                    throw GlamError.invalidModel("\(node.label): shape \(requested) has more than one -1")
                }
                inferred = axis
                result.append(1)
            case 0 where !allowZero:
                guard axis < shape.count else {
                    throw GlamError.invalidModel("\(node.label): shape \(requested) copies axis \(axis) of rank-\(shape.count) input")
                }
                result.append(shape[axis])
            case let value where value >= 0:
                result.append(value)
            default:
                throw GlamError.invalidModel("\(node.label): shape \(requested) has invalid dimension \(dimension)")
            }
        }
        let known = try Shape.elementCount(result, context: node.label)
        if let inferred {
            guard known > 0, count % known == 0 else {
                throw GlamError.invalidModel("\(node.label): cannot reshape \(shape) to \(requested)")
            }
            result[inferred] = count / known
        } else if known != count {
            throw GlamError.invalidModel("\(node.label): cannot reshape \(shape) (\(count) elements) to \(requested)")
        }
        return result
    }

    private func flattenedShape(_ shape: [Int]) throws -> [Int] {
        let requested = try AttributeReader(node: node).int("axis", default: 1)
        let axis = requested < 0 ? requested + shape.count : requested
        guard axis >= 0, axis <= shape.count else {
            throw GlamError.invalidModel("\(node.label): axis \(requested) is out of range for rank \(shape.count)")
        }
        let outer = try Shape.elementCount(Array(shape[..<axis]))
        let inner = try Shape.elementCount(Array(shape[axis...]))
        return [outer, inner]
    }

    private func axes(_ inputs: [InputInfo?]) throws -> [Int]? {
        if opset < 13 {
            return try AttributeReader(node: node).ints("axes")
        }
        guard inputs.optional(1) != nil else {
            return nil
        }
        return try inputs.constantIntegers(1, of: node, role: "axes")
    }

    private func squeezedShape(_ shape: [Int], _ inputs: [InputInfo?]) throws -> [Int] {
        guard let requested = try axes(inputs) else {
            return shape.filter { $0 != 1 }
        }
        let resolved = try Set(requested.map { try Shape.normalizeAxis($0, rank: shape.count, context: node.label) })
        for axis in resolved where shape[axis] != 1 {
            throw GlamError.invalidModel("\(node.label): cannot squeeze axis \(axis) of size \(shape[axis])")
        }
        return shape.indices.filter { !resolved.contains($0) }.map { shape[$0] }
    }

    private func unsqueezedShape(_ shape: [Int], _ inputs: [InputInfo?]) throws -> [Int] {
        guard let requested = try axes(inputs) else {
            throw GlamError.invalidModel("\(node.label): axes are missing")
        }
        let rank = shape.count + requested.count
        let resolved = try requested.map { try Shape.normalizeAxis($0, rank: rank, context: node.label) }
        guard Set(resolved).count == resolved.count else {
            throw GlamError.invalidModel("\(node.label): axes \(requested) repeat an axis")
        }
        var result: [Int] = []
        var source = shape.makeIterator()
        for axis in 0..<rank {
            result.append(resolved.contains(axis) ? 1 : source.next() ?? 1)
        }
        return result
    }
}
