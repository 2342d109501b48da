/// Slice: `starts`, `ends`, `axes` as attributes before opset 10, as inputs (with `steps`) after.
///
/// Starts and ends are clamped as ONNX specifies, so an end of INT64_MAX means "to the end" and
/// negative steps walk backwards.
final class SliceOperator: Operator {
    private let node: Node
    private let opset: Int
    private var offset = 0
    private var strides: [Int] = []

    init(node: Node, opset: Int) {
        self.node = node
        self.opset = opset
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let shape = input.type.shape
        let rank = shape.count
        var starts: [Int]
        var ends: [Int]
        var axes: [Int]?
        var steps: [Int]?
        if opset < 10 {
            let reader = AttributeReader(node: node)
            guard let start = try reader.ints("starts"), let end = try reader.ints("ends") else {
                throw GlamError.invalidModel("\(node.label): attributes 'starts' and 'ends' are required")
            }
            starts = start
            ends = end
            axes = try reader.ints("axes")
        } else {
            starts = try inputs.constantIntegers(1, of: node, role: "starts")
            ends = try inputs.constantIntegers(2, of: node, role: "ends")
            if inputs.optional(3) != nil { axes = try inputs.constantIntegers(3, of: node, role: "axes") }
            if inputs.optional(4) != nil { steps = try inputs.constantIntegers(4, of: node, role: "steps") }
        }
        let resolvedAxes = try (axes ?? Array(0..<starts.count)).map {
            try Shape.normalizeAxis($0, rank: rank, context: node.label)
        }
        let resolvedSteps = steps ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, resolvedAxes.count == starts.count, resolvedSteps.count == starts.count,
              Set(resolvedAxes).count == resolvedAxes.count else {
            throw GlamError.invalidModel("\(node.label): starts, ends, axes and steps must have one entry per distinct axis")
        }

        let inputStrides = Shape.strides(shape)
        var outputShape = shape
        var first = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        for (position, axis) in resolvedAxes.enumerated() {
            let dimension = shape[axis]
            let stride = resolvedSteps[position]
            guard stride != 0 else {
                throw GlamError.invalidModel("\(node.label): step 0 on axis \(axis)")
            }
            var start = starts[position] < 0 ? starts[position] &+ dimension : starts[position]
            var end = ends[position] < 0 ? ends[position] &+ dimension : ends[position]
            if stride > 0 {
                start = min(max(start, 0), dimension)
                end = min(max(end, 0), dimension)
                outputShape[axis] = end > start ? (end - start + stride - 1) / stride : 0
            } else {
                start = min(max(start, 0), dimension - 1)
                end = min(max(end, -1), dimension - 1)
                outputShape[axis] = start > end ? (start - end - stride - 1) / -stride : 0
            }
            first[axis] = start
            step[axis] = stride
        }
        offset = zip(first, inputStrides).reduce(0) { $0 + $1.0 * $1.1 }
        strides = zip(inputStrides, step).map { $0 * $1 }
        if outputShape.contains(0) {
            offset = 0
        }
        return [TensorType(input.type.dataType, outputShape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        try SizedDispatch.run(outputs[0].dataType, Visitor(input: try inputs.at(0), output: outputs[0], offset: offset, strides: strides))
    }

    private struct Visitor: SizedVisitor {
        let input: Tensor
        let output: Tensor
        let offset: Int
        let strides: [Int]

        func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws {
            StridedCopy.run(shape: output.shape, sourceStrides: strides,
                            source: input.pointer(as: Word.self) + offset, target: output.pointer(as: Word.self))
        }
    }
}
