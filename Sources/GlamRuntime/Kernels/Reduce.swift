/// ReduceMean, ReduceSum and ReduceL2 over `axes`, with `keepdims` (default 1).
///
/// Axes are an attribute before the opset where they became an input (13 for ReduceSum, 18 for
/// the others). With no axes every axis is reduced, unless `noop_with_empty_axes = 1` (input
/// form only), which makes the node an identity. Sums accumulate in double.
final class ReduceOperator: Operator {
    enum Kind {
        case mean, sum, l2
    }

    private let node: Node
    private let kind: Kind
    private let opset: Int
    private var reduced: [Bool] = []
    private var identity = false
    /// Per input axis, the output offset one step along it moves (0 on reduced axes).
    private var keptStrides: [Int] = []
    /// Working arrays of a run, sized in `prepare` and reused, so that a run allocates nothing.
    private var sums: [Double] = []
    private var index: [Int] = []
    /// When the reduced axes are adjacent, the input as [outer, reduced, inner]; FLOAT inputs
    /// of that form take a direct loop instead of the general index walk.
    private var blocks: (outer: Int, reduced: Int, inner: Int)?

    init(node: Node, kind: Kind, opset: Int) {
        self.node = node
        self.kind = kind
        self.opset = opset
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let shape = input.type.shape
        let reader = AttributeReader(node: node)
        let keepDimensions = try reader.int("keepdims", default: 1) != 0
        let axesAreInput = opset >= (kind == .sum ? 13 : 18)

        var axes: [Int]?
        if axesAreInput {
            if inputs.optional(1) != nil {
                axes = try inputs.constantIntegers(1, of: node, role: "axes")
            }
        } else {
            axes = try reader.ints("axes")
        }
        if axes?.isEmpty ?? true {
            let noop = try reader.int("noop_with_empty_axes", default: 0) != 0
            identity = axesAreInput && noop
            axes = identity ? [] : Array(0..<shape.count)
        }
        let resolved = try Set((axes ?? []).map { try Shape.normalizeAxis($0, rank: shape.count, context: node.label) })
        reduced = shape.indices.map { resolved.contains($0) }

        let dataType = input.type.dataType
        guard dataType.isFloatingPoint && dataType != .bfloat16 || (kind == .sum && dataType.isInteger) else {
            throw GlamError.unsupported("\(node.label): data type \(dataType) is not supported")
        }
        if identity {
            return [input.type]
        }
        let keptShape = shape.enumerated().map { reduced[$0.offset] ? 1 : $0.element }
        keptStrides = Shape.strides(keptShape).enumerated().map { reduced[$0.offset] ? 0 : $0.element }
        sums = [Double](repeating: 0, count: try Shape.elementCount(keptShape, context: node.label))
        index = [Int](repeating: 0, count: shape.count)
        blocks = nil
        if let first = reduced.firstIndex(of: true), let last = reduced.lastIndex(of: true),
           reduced[first...last].allSatisfy({ $0 }) {
            blocks = (try Shape.elementCount(Array(shape[..<first]), context: node.label),
                      try Shape.elementCount(Array(shape[first...last]), context: node.label),
                      try Shape.elementCount(Array(shape[(last + 1)...]), context: node.label))
        }
        var outputShape: [Int] = []
        for (axis, dimension) in shape.enumerated() {
            if !reduced[axis] {
                outputShape.append(dimension)
            } else if keepDimensions {
                outputShape.append(1)
            }
        }
        return [TensorType(dataType, outputShape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        let output = outputs[0]
        if identity {
            output.rawPointer.copyMemory(from: input.rawPointer, byteCount: input.byteCount)
            return
        }

        let shape = input.shape
        // Moved out of the operator for the run and back after it, so that writing to them
        // does not copy them.
        var sums: [Double] = []
        var index: [Int] = []
        swap(&sums, &self.sums)
        swap(&index, &self.index)
        defer {
            swap(&sums, &self.sums)
            swap(&index, &self.index)
        }
        guard sums.count == output.count, index.count == shape.count, keptStrides.count == shape.count else {
            throw GlamError.invalidModel("\(node.label): the input shape \(shape) differs from the one the plan was built for")
        }
        for cell in sums.indices { sums[cell] = 0 }
        for axis in index.indices { index[axis] = 0 }
        if let blocks, input.dataType == .float {
            accumulate(input.pointer(as: Float.self), blocks, into: &sums)
        } else {
            accumulate(input, into: &sums, index: &index)
        }
        let counts = output.count == 0 ? 0 : input.count / max(output.count, 1)

        for cell in 0..<output.count {
            let value: Double
            switch kind {
            case .sum: value = sums[cell]
            case .mean: value = counts == 0 ? .nan : sums[cell] / Double(counts)
            case .l2: value = sums[cell].squareRoot()
            }
            CastOperator.store(.floating(value), into: output, at: cell)
        }
    }

    /// Sums a FLOAT input laid out as [outer, reduced, inner] into `sums` [outer, inner].
    private func accumulate(_ input: UnsafeMutablePointer<Float>, _ blocks: (outer: Int, reduced: Int, inner: Int),
                            into sums: inout [Double]) {
        let squares = kind == .l2
        sums.withUnsafeMutableBufferPointer { sums in
            var source = input
            for outer in 0..<blocks.outer {
                let row = outer * blocks.inner
                for _ in 0..<blocks.reduced {
                    for inner in 0..<blocks.inner {
                        let value = Double(source[inner])
                        sums[row + inner] += squares ? value * value : value
                    }
                    source += blocks.inner
                }
            }
        }
    }

    /// Walks any input in order; each element adds into the output cell its kept axes select.
    private func accumulate(_ input: Tensor, into sums: inout [Double], index: inout [Int]) {
        let shape = input.shape
        let keptStrides = self.keptStrides
        var target = 0
        for position in 0..<input.count {
            let value = input.elementAsDouble(at: position)
            sums[target] += kind == .l2 ? value * value : value
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                target += keptStrides[axis]
                if index[axis] < shape[axis] { break }
                target -= keptStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
