import CKernels

/// LayerNormalization (opset 17): normalises over the axes from `axis` (default -1) on, then
/// applies `Scale` and optional `B`, both broadcast to the normalised shape. The optional outputs
/// Mean and InvStdDev have the input's leading shape followed by ones.
///
/// Statistics accumulate in double, regardless of `stash_type`, which only makes them closer to
/// exact.
final class LayerNormalizationOperator: Operator, ParallelJob {
    /// Rows per parallel job.
    static let blockRows = 64

    private let node: Node
    private var rows = 0
    private var width = 0
    private var normalizedShape: [Int] = []
    private var epsilon: Double = 1e-5

    /// The operands of a FLOAT run in progress, read by the row-block jobs.
    private struct FloatRows {
        var x: UnsafeMutablePointer<Float>
        var y: UnsafeMutablePointer<Float>
        var scale: UnsafeMutablePointer<Float>
        var bias: UnsafeMutablePointer<Float>?
        var epsilon: Float
    }
    private var job: FloatRows?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        let scale = try inputs.required(1, of: node)
        let reader = AttributeReader(node: node)
        let shape = input.type.shape
        guard input.type.dataType.isFloatingPoint && input.type.dataType != .bfloat16 else {
            throw GlamError.unsupported("\(node.label): data type \(input.type.dataType) is not supported")
        }
        let axis = try Shape.normalizeAxis(try reader.int("axis", default: -1), rank: shape.count, context: node.label)
        epsilon = Double(try reader.float("epsilon", default: 1e-5))
        rows = shape[..<axis].reduce(1, *)
        width = shape[axis...].reduce(1, *)

        let normalized = Array(shape[axis...])
        normalizedShape = normalized
        for parameter in [scale, inputs.optional(2)].compactMap({ $0 }) {
            let broadcast = try Shape.broadcast([parameter.type.shape, normalized], context: node.label)
            guard broadcast == normalized, parameter.type.dataType == input.type.dataType else {
                throw GlamError.invalidModel("\(node.label): \(parameter.type) does not broadcast to the normalised shape \(normalized)")
            }
        }

        let statisticsShape = Array(shape[..<axis]) + [Int](repeating: 1, count: shape.count - axis)
        var outputs = [input.type]
        for _ in 1..<max(node.outputs.count, 1) {
            outputs.append(TensorType(input.type.dataType, statisticsShape))
        }
        return outputs
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        if try runFloatRows(inputs, outputs) {
            return
        }
        try ElementDispatch.floating(input.dataType, Visitor(owner: self, inputs: inputs, outputs: outputs), context: node.label)
    }

    /// Runs the common case (FLOAT, Scale and B of the normalised shape, no statistics outputs)
    /// through the vectorised kernel over row blocks on the worker threads; returns false otherwise.
    private func runFloatRows(_ inputs: [Tensor?], _ outputs: [Tensor]) throws -> Bool {
        let input = try inputs.at(0)
        let scale = try inputs.at(1)
        let bias = inputs.count > 2 ? inputs[2] : nil
        let (rows, width) = (self.rows, self.width)
        guard input.dataType == .float, outputs.count == 1, scale.count == width, bias.map({ $0.count == width }) ?? true else {
            return false
        }
        job = FloatRows(x: input.pointer(as: Float.self), y: outputs[0].pointer(as: Float.self),
                        scale: scale.pointer(as: Float.self), bias: bias?.pointer(as: Float.self),
                        epsilon: Float(self.epsilon))
        WorkerPool.shared.parallelFor((rows + LayerNormalizationOperator.blockRows - 1) / LayerNormalizationOperator.blockRows,
                                      job: self)
        return true
    }

    /// Normalises one block of rows of the run in progress; called by `WorkerPool`.
    func run(index: Int, worker: Int) {
        guard let job else { return }
        let first = index * LayerNormalizationOperator.blockRows
        glam_kernel_layer_norm(job.x + first * width, job.y + first * width,
                               min(LayerNormalizationOperator.blockRows, rows - first), width, job.scale, job.bias, job.epsilon)
    }

    private struct Visitor: FloatingVisitor {
        let owner: LayerNormalizationOperator
        let inputs: [Tensor?]
        let outputs: [Tensor]

        func visit<Element: NumericElement & BinaryFloatingPoint>(_ type: Element.Type) throws {
            let (rows, width) = (owner.rows, owner.width)
            let input = try inputs.at(0)
            let x = input.pointer(as: Element.self)
            let y = outputs[0].pointer(as: Element.self)
            let normalizedShape = owner.normalizedShape
            let scale = try expand(try inputs.at(1), to: normalizedShape)
            let bias = try (inputs.count > 2 ? inputs[2] : nil).map { try expand($0, to: normalizedShape) }
            let means = outputs.count > 1 ? outputs[1].pointer(as: Element.self) : nil
            let inverses = outputs.count > 2 ? outputs[2].pointer(as: Element.self) : nil

            for row in 0..<rows {
                let line = x + row * width
                var sum = 0.0
                for index in 0..<width { sum += Double(line[index]) }
                let mean = sum / Double(width)
                var squares = 0.0
                for index in 0..<width {
                    let centred = Double(line[index]) - mean
                    squares += centred * centred
                }
                let inverse = 1 / (squares / Double(width) + owner.epsilon).squareRoot()
                let out = y + row * width
                for index in 0..<width {
                    var value = (Double(line[index]) - mean) * inverse * scale[index]
                    if let bias { value += bias[index] }
                    out[index] = Element(value)
                }
                means?[row] = Element(mean)
                inverses?[row] = Element(inverse)
            }
        }

        /// Broadcasts a Scale or B tensor to the normalised shape, as doubles.
        private func expand(_ parameter: Tensor, to shape: [Int]) throws -> [Double] {
            let expanded = try Tensor(dataType: parameter.dataType, shape: shape)
            try BroadcastCopy.run(parameter, into: expanded)
            return expanded.doubleValues()
        }
    }
}
