/// Turns a `Model` and bound input shapes into the steps, buffers and constants of a `Plan`.
struct PlanBuilder {
    let model: Model
    let binding: InputBinding
    var options = PlanOptions()

    private var slotByName: [String: Int] = [:]
    /// Per slot: the tensor, or nil for a run-time value whose buffer the memory plan assigns.
    private var values: [Tensor?] = []
    private var types: [TensorType] = []
    private var isConstant: [Bool] = []
    /// True when some input had a symbolic dimension bound by the caller, which makes the
    /// exporter's fixed dimensions in value_info inapplicable.
    private var boundSymbolicDimension = false
    /// Bytes allocated so far for inputs and folded constants, against `options.maxMemoryBytes`.
    private var allocatedBytes = 0

    init(model: Model, binding: InputBinding) {
        self.model = model
        self.binding = binding
    }

    struct Result {
        var inputs: [Plan.Input]
        var outputs: [Plan.Output]
        var steps: [Plan.Step]
        var values: [Tensor]
        var foldedNodeCount: Int
        var arenaByteCount: Int
        var arenaOffsets: [Int: Int]
    }

    mutating func build() throws -> Result {
        let unsupported = model.unsupportedOperators
        guard unsupported.isEmpty else {
            let list = unsupported.map(\.description).joined(separator: "; ")
            throw GlamError.unsupported("the model uses \(unsupported.count) unsupported operator node(s): \(list)")
        }

        for (name, tensor) in model.graph.initializers.sorted(by: { $0.key < $1.key }) {
            _ = addValue(name, tensor, constant: true)
        }
        let inputs = try bindInputs()

        var steps: [Plan.Step] = []
        var folded = 0
        for node in try topologicalOrder() {
            if let step = try plan(node) {
                steps.append(step)
            } else {
                folded += 1
            }
        }

        let outputs = try model.graph.outputs.map { declared -> Plan.Output in
            guard let slot = slotByName[declared.name] else {
                throw GlamError.invalidModel("graph output '\(declared.name)' is not produced by any node")
            }
            let type = types[slot]
            try check(type, against: declared, role: "graph output")
            return Plan.Output(name: declared.name, type: type, slot: slot)
        }
        for declared in model.graph.valueInfo {
            if let slot = slotByName[declared.name] {
                try check(types[slot], against: declared, role: "value")
            }
        }

        var constants: [Int: Tensor] = [:]
        for (slot, value) in values.enumerated() where isConstant[slot] {
            constants[slot] = value
        }
        var graph = PlanGraph(steps: steps, types: types, constants: constants, pinned: Set(outputs.map(\.slot)),
                              options: options)
        if options.optimize {
            try PlanPasses.run(&graph)
        }
        steps = graph.steps
        let aliases = graph.aliases

        // Kernels that the passes created were not counted with the model's nodes.
        for step in steps where step.node.domain == "com.libglam" {
            try reserve(bytes: step.kernel.scratchByteCount, for: "\(step.node.name) working memory")
        }
        if steps.contains(where: { $0.kernel is LinearOperator }) {
            let bytes = ThreadScratch.gemmBytesPerThread.multipliedReportingOverflow(by: max(1, Threading.threadCount))
            try reserve(bytes: bytes.overflow ? Int.max : bytes.partialValue, for: "GEMM working memory")
        }

        var planner = MemoryPlanner(steps: steps, types: types, pinned: Set(outputs.map(\.slot)))
        planner.aliases = aliases
        if let limit = options.maxMemoryBytes {
            planner.maxByteCount = min(planner.maxByteCount, max(0, limit - allocatedBytes))
        }
        let memory = try planner.assign()
        let bound = try values.enumerated().map { slot, value -> Tensor in
            if let value {
                return value
            }
            let owner = ViewElision.owner(of: slot, in: aliases)
            if owner != slot {
                guard let buffer = values[owner]?.buffer ?? memory.buffers[owner] else {
                    throw GlamError.invalidModel("value #\(slot) views value #\(owner), which has no memory; report this plan as a bug")
                }
                return try Tensor(dataType: types[slot].dataType, shape: types[slot].shape, buffer: buffer)
            }
            guard let buffer = memory.buffers[slot] else {
                // A value a pass fused away: no step reads or writes it any more.
                return try Tensor(dataType: .float, shape: [0])
            }
            return try Tensor(dataType: types[slot].dataType, shape: types[slot].shape, buffer: buffer)
        }
        return Result(inputs: inputs, outputs: outputs, steps: steps, values: bound, foldedNodeCount: folded,
                      arenaByteCount: memory.byteCount, arenaOffsets: memory.offsets)
    }

    private mutating func addValue(_ name: String, _ tensor: Tensor?, type: TensorType? = nil, constant: Bool) -> Int {
        let slot = values.count
        values.append(tensor)
        types.append(type ?? tensor.map { TensorType($0.dataType, $0.shape) } ?? TensorType(.undefined, []))
        isConstant.append(constant)
        slotByName[name] = slot
        return slot
    }

    private mutating func bindInputs() throws -> [Plan.Input] {
        let runtimeInputs = model.graph.runtimeInputs
        for name in Array(binding.shapes.keys) + Array(binding.values.keys)
        where !runtimeInputs.contains(where: { $0.name == name }) {
            throw GlamError.invalidArgument("'\(name)' is not an input of this model; inputs are \(runtimeInputs.map(\.name))")
        }

        var bound: [Plan.Input] = []
        for declared in runtimeInputs {
            guard let dataType = declared.dataType else {
                throw GlamError.unsupported("input '\(declared.name)' is not a tensor; sequence, map and optional inputs are not supported")
            }
            if let value = binding.values[declared.name] {
                guard value.dataType == dataType else {
                    throw GlamError.invalidArgument("value for input '\(declared.name)' is \(value.dataType); the model declares \(dataType)")
                }
                try checkBound(value.shape, of: declared)
                let slot = addValue(declared.name, try value.copy(), constant: true)
                bound.append(Plan.Input(name: declared.name, type: TensorType(dataType, value.shape), slot: slot, isValueBound: true))
                continue
            }
            let shape = try resolveShape(of: declared)
            try reserve(TensorType(dataType, shape), for: "input '\(declared.name)'")
            let tensor = try Tensor(dataType: dataType, shape: shape)
            let slot = addValue(declared.name, tensor, constant: false)
            bound.append(Plan.Input(name: declared.name, type: TensorType(dataType, shape), slot: slot, isValueBound: false))
        }
        return bound
    }

    private mutating func resolveShape(of input: ValueInfo) throws -> [Int] {
        let declared = input.shape
        guard let requested = binding.shapes[input.name] else {
            guard let declared else {
                throw GlamError.invalidArgument("input '\(input.name)' declares no shape; pass one when building the plan")
            }
            return try declared.enumerated().map { axis, dimension in
                guard case .fixed(let value) = dimension else {
                    throw GlamError.invalidArgument(
                        "input '\(input.name)' dimension \(axis) is '\(dimension)'; pass a concrete shape for it when building the plan")
                }
                return value
            }
        }

        try checkBound(requested, of: input)
        return requested
    }

    /// Checks a caller-bound shape against the declared one, unless the binding overrides declarations.
    private mutating func checkBound(_ requested: [Int], of input: ValueInfo) throws {
        guard requested.allSatisfy({ $0 >= 0 }) else {
            throw GlamError.invalidArgument("shape \(requested) for input '\(input.name)' has a negative dimension")
        }
        _ = try Shape.elementCount(requested, context: "input '\(input.name)'")
        if binding.overridesDeclaredShapes {
            boundSymbolicDimension = true
            return
        }
        if let declared = input.shape {
            guard declared.count == requested.count else {
                throw GlamError.invalidArgument(
                    "shape \(requested) for input '\(input.name)' has rank \(requested.count); the model declares \(declared)")
            }
            for (axis, dimension) in declared.enumerated() {
                switch dimension {
                case .fixed(let value) where value != requested[axis]:
                    throw GlamError.invalidArgument(
                        "shape \(requested) for input '\(input.name)' differs from the model's fixed dimension \(axis) = \(value)")
                case .fixed:
                    break
                default:
                    boundSymbolicDimension = true
                }
            }
        }
    }

    /// Orders nodes so each runs after the producers of its inputs, as ONNX requires of a
    /// valid graph; missing producers and cycles are errors.
    private func topologicalOrder() throws -> [Node] {
        let nodes = model.graph.nodes
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] == nil, slotByName[output] == nil else {
                    throw GlamError.invalidModel("\(node.label): output '\(output)' is already defined elsewhere in the graph")
                }
                producer[output] = index
            }
        }

        var pending = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty && slotByName[input] == nil {
                guard let source = producer[input] else {
                    throw GlamError.invalidModel(
                        "\(node.label): input '\(input)' is not a graph input, an initializer or the output of any node")
                }
                pending[index] += 1
                consumers[source].append(index)
            }
        }

        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [Node] = []
        var cursor = 0
        while cursor < ready.count {
            let index = ready[cursor]
            cursor += 1
            order.append(nodes[index])
            for consumer in consumers[index] {
                pending[consumer] -= 1
                if pending[consumer] == 0 {
                    ready.append(consumer)
                }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).first { pending[$0] > 0 }.map { nodes[$0].label } ?? "?"
            throw GlamError.invalidModel("the graph has a cycle through \(stuck)")
        }
        return order
    }

    /// Prepares one node; returns its step, or nil when the node was folded into constants.
    private mutating func plan(_ node: Node) throws -> Plan.Step? {
        let opset = model.opsetVersion(for: node.domain) ?? 0
        let kernel = try OperatorRegistry.make(node, opset: opset)
        let inputSlots: [Int?] = node.inputs.map { $0.isEmpty ? nil : slotByName[$0] }
        let infos: [InputInfo?] = inputSlots.map { slot in
            slot.map { InputInfo(type: types[$0], constant: isConstant[$0] ? values[$0] : nil) }
        }

        let prepared = try kernel.prepare(infos)
        guard prepared.count >= node.outputs.count else {
            throw GlamError.invalidModel("\(node.label) declares \(node.outputs.count) outputs; the operator produces \(prepared.count)")
        }
        let outputTypes = Array(prepared.prefix(node.outputs.count))
        try reserve(bytes: kernel.scratchByteCount, for: "\(node.label) working memory")
        for type in outputTypes {
            _ = try Shape.elementCount(type.shape, context: node.label)
        }

        let foldable = ConstantFolding.canFold(kernel, inputsAreConstant: inputSlots.map { slot in slot.map { isConstant[$0] } })
        var results: [Tensor?] = outputTypes.map { _ in nil }
        if foldable {
            for type in outputTypes {
                try reserve(type, for: node.label)
            }
            let operands: [Tensor?] = try inputSlots.map { slot in
                try slot.map { slot in try values[slot] ?? Tensor(dataType: types[slot].dataType, shape: [0]) }
            }
            results = try ConstantFolding.evaluate(kernel, outputTypes: outputTypes, operands: operands)
        }

        var outputSlots: [Int] = []
        for (index, name) in node.outputs.enumerated() {
            // An omitted optional output still gets a buffer for the kernel to write into.
            let key = name.isEmpty ? "\u{0}unused-\(values.count)" : name
            outputSlots.append(addValue(key, results[index], type: outputTypes[index], constant: foldable))
        }
        return foldable ? nil : Plan.Step(node: node, kernel: kernel, inputs: inputSlots, outputs: outputSlots)
    }

    /// Counts a tensor the builder is about to allocate against `options.maxMemoryBytes`.
    private mutating func reserve(_ type: TensorType, for owner: String) throws {
        guard options.maxMemoryBytes != nil else { return }
        try reserve(bytes: try Shape.elementCount(type.shape, context: owner) * (type.dataType.byteSize ?? 0), for: owner)
    }

    /// Counts `bytes` that the builder or a kernel is about to allocate against `options.maxMemoryBytes`.
    private mutating func reserve(bytes: Int, for owner: String) throws {
        guard let limit = options.maxMemoryBytes else { return }
        guard bytes <= limit - allocatedBytes else {
            throw GlamError(.outOfMemory,
                            "\(owner) needs \(bytes) bytes, beyond the plan's memory limit of \(limit) bytes (\(allocatedBytes) already used); bind smaller input shapes or raise PlanOptions.maxMemoryBytes")
        }
        allocatedBytes += bytes
    }

    /// Compares an inferred type with what the model declares for that value.
    private func check(_ type: TensorType, against declared: ValueInfo, role: String) throws {
        if let dataType = declared.dataType, dataType != .undefined, dataType != type.dataType {
            throw GlamError.invalidModel("\(role) '\(declared.name)' is declared \(dataType) but computes \(type.dataType)")
        }
        guard let shape = declared.shape else { return }
        guard shape.count == type.shape.count else {
            throw GlamError.invalidModel("\(role) '\(declared.name)' is declared with rank \(shape.count) but computes \(type.shape)")
        }
        if boundSymbolicDimension {
            return
        }
        for (axis, dimension) in shape.enumerated() {
            if case .fixed(let value) = dimension, value != type.shape[axis] {
                throw GlamError.invalidModel("\(role) '\(declared.name)' is declared \(shape) but computes \(type.shape) (axis \(axis))")
            }
        }
    }
}
