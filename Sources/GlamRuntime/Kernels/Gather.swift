/// Gather: takes slices of `data` along `axis` at INT32 or INT64 `indices` (negative count from the end).
final class GatherOperator: Operator {
    private let node: Node
    private(set) var axis = 0
    /// The validated indices when they are a plan-time constant, so a run need not read them.
    private(set) var constantIndices: [Int]?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let data = try inputs.required(0, of: node)
        let indices = try inputs.required(1, of: node)
        guard indices.type.dataType == .int64 || indices.type.dataType == .int32 else {
            throw GlamError.invalidModel("\(node.label): indices must be INT32 or INT64, got \(indices.type.dataType)")
        }
        guard data.type.dataType.byteSize != nil else {
            throw GlamError.unsupported("\(node.label): data type \(data.type.dataType) is not supported")
        }
        let shape = data.type.shape
        axis = try Shape.normalizeAxis(try AttributeReader(node: node).int("axis", default: 0), rank: shape.count, context: node.label)
        constantIndices = nil
        if let constant = indices.constant {
            let values = try constant.integerValues(context: node.label)
            try validate(values, length: shape[axis])
            constantIndices = values
        }
        let outputShape = Array(shape[..<axis]) + indices.type.shape + Array(shape[(axis + 1)...])
        return [TensorType(data.type.dataType, outputShape)]
    }

    private func validate(_ indices: [Int], length: Int) throws {
        for index in indices where index < -length || index >= length {
            throw GlamError.invalidArgument("\(node.label): index \(index) is out of range for axis \(axis) of length \(length)")
        }
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let data = try inputs.at(0)
        let length = data.shape[axis]
        let indices: [Int]
        if let constantIndices {
            indices = constantIndices
        } else {
            indices = try inputs.at(1).integerValues(context: node.label)
            try validate(indices, length: length)
        }

        let output = outputs[0]
        let elementSize = data.dataType.byteSize ?? 0
        let outer = data.shape[..<axis].reduce(1, *)
        let block = data.shape[(axis + 1)...].reduce(1, *) * elementSize
        var target = output.rawPointer
        for row in 0..<outer {
            let base = data.rawPointer + row * length * block
            for index in indices {
                let resolved = index < 0 ? index + length : index
                target.copyMemory(from: base + resolved * block, byteCount: block)
                target += block
            }
        }
    }
}
