/// Transpose: permutes axes by `perm` (default: reversed).
final class TransposeOperator: Operator {
    private let node: Node
    /// Input strides in output axis order: reading the input through them turns the transpose
    /// into a strided copy.
    private var sourceStrides: [Int] = []
    private(set) var isView = false
    /// The resolved permutation, known after `prepare`.
    private(set) var perm: [Int] = []

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let rank = input.type.shape.count
        let perm = try AttributeReader(node: node).ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw GlamError.invalidModel("\(node.label): perm \(perm) is not a permutation of \(rank) axes")
        }
        guard input.type.dataType.byteSize != nil else {
            throw GlamError.unsupported("\(node.label): data type \(input.type.dataType) is not supported")
        }
        self.perm = perm
        let inputStrides = Shape.strides(input.type.shape)
        sourceStrides = perm.map { inputStrides[$0] }

        // Axes of size 1 can move anywhere without moving a byte; only the order of the others counts.
        let moved = perm.filter { input.type.shape[$0] != 1 }
        isView = moved == moved.sorted()
        return [TensorType(input.type.dataType, perm.map { input.type.shape[$0] })]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        try SizedDispatch.run(outputs[0].dataType, Visitor(input: try inputs.at(0), output: outputs[0], strides: sourceStrides))
    }

    private struct Visitor: SizedVisitor {
        let input: Tensor
        let output: Tensor
        let strides: [Int]

        func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws {
            let source = input.pointer(as: Word.self)
            let target = output.pointer(as: Word.self)
            StridedCopy.run(shape: output.shape, sourceStrides: strides, source: source, target: target)
        }
    }
}

/// Copies a strided view of `source` into a dense `target` of the given shape.
enum StridedCopy {
    static func run<Word>(shape: [Int], sourceStrides: [Int], source: UnsafePointer<Word>, target: UnsafeMutablePointer<Word>) {
        if shape.isEmpty {
            target[0] = source[0]
            return
        }
        if shape.contains(0) {
            return
        }
        let rank = shape.count
        let length = shape[rank - 1]
        let innerStride = sourceStrides[rank - 1]
        // The counters live on the stack, so a copy allocates nothing on the heap.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank - 1) { index in
            index.initialize(repeating: 0)
            var offset = 0
            var written = 0
            let total = shape.reduce(1, *)
            while written < total {
                let row = source + offset
                let out = target + written
                if innerStride == 1 {
                    out.update(from: row, count: length)
                } else {
                    for position in 0..<length { out[position] = row[position * innerStride] }
                }
                written += length

                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    offset += sourceStrides[axis]
                    if index[axis] < shape[axis] {
                        break
                    }
                    offset -= sourceStrides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
