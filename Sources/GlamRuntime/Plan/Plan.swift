/// A model bound to concrete input shapes, ready to run.
///
/// Building a plan infers every value's type and shape, folds every node whose inputs are known
/// (initializers, constants, and shape computations such as Shape → Gather → Concat → Reshape),
/// and allocates one buffer per remaining intermediate value. `run` then only does tensor
/// arithmetic over those buffers, which are reused from run to run.
///
/// A plan runs one request at a time: concurrent `run` calls on one plan are serialised by a
/// lock. Build one plan per thread for parallel inference.
public final class Plan: @unchecked Sendable {
    struct Step {
        let node: Node
        let kernel: Operator
        /// Slot per node input; nil for an omitted optional input.
        let inputs: [Int?]
        let outputs: [Int]
    }

    /// A graph input the caller feeds.
    public struct Input: Sendable {
        public let name: String
        public let type: TensorType
        let slot: Int
        /// True when the input's value was bound at plan time (see `InputBinding.values`).
        public let isValueBound: Bool
    }

    /// A graph output the plan returns.
    public struct Output: Sendable {
        public let name: String
        public let type: TensorType
        let slot: Int
    }

    public let inputs: [Input]
    public let outputs: [Output]
    let steps: [Step]
    /// Every value of the plan by slot: initializers, folded constants, input and intermediate buffers.
    let values: [Tensor]
    /// The number of nodes that were folded at plan time.
    public let foldedNodeCount: Int
    /// Bytes of the arena that run-time intermediate values share.
    public let arenaByteCount: Int
    /// Arena offset of each intermediate value, by slot.
    let arenaOffsets: [Int: Int]

    /// Per step, the tensors it reads and writes, gathered once so that a run allocates no
    /// per-step arrays.
    private let stepOperands: [[Tensor?]]
    private let stepResults: [[Tensor]]

    private let lock = Mutex()

    init(inputs: [Input], outputs: [Output], steps: [Step], values: [Tensor], foldedNodeCount: Int, arenaByteCount: Int,
         arenaOffsets: [Int: Int]) {
        self.arenaOffsets = arenaOffsets
        self.inputs = inputs
        self.outputs = outputs
        self.steps = steps
        self.values = values
        self.foldedNodeCount = foldedNodeCount
        self.arenaByteCount = arenaByteCount
        self.stepOperands = steps.map { step in step.inputs.map { slot in slot.map { values[$0] } } }
        self.stepResults = steps.map { step in step.outputs.map { values[$0] } }
    }

    /// Builds a plan for `model`; `inputShapes` binds inputs whose declared shape is not fully fixed.
    public convenience init(model: Model, inputShapes: [String: [Int]] = [:]) throws {
        try self.init(model: model, binding: InputBinding(shapes: inputShapes))
    }

    /// Builds a plan for `model` with full control over how inputs are bound and compiled.
    public convenience init(model: Model, binding: InputBinding, options: PlanOptions = PlanOptions()) throws {
        var builder = PlanBuilder(model: model, binding: binding)
        builder.options = options
        let built = try builder.build()
        self.init(inputs: built.inputs, outputs: built.outputs, steps: built.steps, values: built.values,
                  foldedNodeCount: built.foldedNodeCount, arenaByteCount: built.arenaByteCount,
                  arenaOffsets: built.arenaOffsets)
    }

    /// One run-time step as `glam inspect --plan` prints it.
    public struct StepSummary: Sendable {
        public let opType: String
        public let domain: String
        public let outputShapes: [[Int]]
        /// Arena offset of each output, or nil for values outside the arena (graph inputs, strings).
        public let outputOffsets: [Int?]
        public let flops: Int
    }

    /// The compiled steps, in execution order.
    public var stepSummaries: [StepSummary] {
        steps.map { step in
            StepSummary(opType: step.node.opType, domain: step.node.domain,
                        outputShapes: step.outputs.map { values[$0].shape },
                        outputOffsets: step.outputs.map { arenaOffsets[$0] },
                        flops: step.kernel.flops)
        }
    }

    /// The op type of each run-time step, in execution order.
    public var stepKinds: [String] { steps.map(\.node.opType) }

    /// The number of kernel calls one run makes.
    public var stepCount: Int { steps.count }

    /// Runs the plan. Every input must be fed with exactly its bound type and shape; the returned
    /// tensors are copies that stay valid after the next run.
    public func run(_ feeds: [String: Tensor], profile: Profile? = nil) throws -> [String: Tensor] {
        try run(feeds, profile: profile) { outputs in
            var results: [String: Tensor] = [:]
            results.reserveCapacity(self.outputs.count)
            for output in self.outputs {
                results[output.name] = try outputs[output.name]?.copy()
            }
            return results
        }
    }

    /// Runs the plan and passes its outputs to `body` in place, without copying them.
    ///
    /// The tensors in `outputs` are views of the plan's arena: they are valid only inside `body`,
    /// and the next run overwrites them. Apart from what `body` does, a run after the first
    /// allocates no memory.
    public func run<Result>(_ feeds: [String: Tensor], profile: Profile? = nil,
                            readingOutputs body: (PlanOutputs) throws -> Result) throws -> Result {
        try lock.withLock {
            try execute(feeds, profile: profile)
            return try body(PlanOutputs(plan: self))
        }
    }

    /// Binds the feeds and runs every step. Callers must have taken `lock`.
    private func execute(_ feeds: [String: Tensor], profile: Profile?) throws {
        Threading.prepareCallingThread()
        for input in inputs {
            if input.isValueBound {
                try checkBoundValue(input, feeds[input.name])
                continue
            }
            guard let feed = feeds[input.name] else {
                throw GlamError.invalidArgument("input '\(input.name)' (\(input.type)) is not fed")
            }
            guard feed.dataType == input.type.dataType, feed.shape == input.type.shape else {
                throw GlamError.invalidArgument(
                    "input '\(input.name)' is \(feed.dataType)\(feed.shape) but the plan is bound to \(input.type); build a plan for that shape")
            }
            try values[input.slot].assign(from: feed)
        }
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw GlamError.invalidArgument("'\(name)' is not an input of this model; inputs are \(inputs.map(\.name))")
        }

        for index in steps.indices {
            let kernel = steps[index].kernel
            if let profile {
                let start = Clock.seconds()
                try kernel.run(stepOperands[index], stepResults[index])
                profile.record(step: index, opType: steps[index].node.opType, seconds: Clock.seconds() - start)
            } else {
                try kernel.run(stepOperands[index], stepResults[index])
            }
        }
    }

    /// Returns the arena value of the output named `name`, or nil when the plan has no such output.
    fileprivate func arenaValue(of name: String) -> Tensor? {
        outputs.first { $0.name == name }.map { values[$0.slot] }
    }

    /// Checks that a value-bound input is fed again only with the value it was bound to.
    private func checkBoundValue(_ input: Input, _ feed: Tensor?) throws {
        guard let feed else { return }
        let bound = values[input.slot]
        guard feed.dataType == bound.dataType, feed.shape == bound.shape, feed.hasSameContents(as: bound) else {
            throw GlamError.invalidArgument(
                "input '\(input.name)' was bound to a fixed value when the plan was built; build a new plan to change it")
        }
    }
}

/// Time per step and per op type, collected by `Plan.run(_:profile:)`.
public final class Profile: @unchecked Sendable {
    /// Seconds per op type, summed over steps and runs.
    public private(set) var secondsByOpType: [String: Double] = [:]
    /// Seconds per step index, summed over runs.
    public private(set) var secondsByStep: [Int: Double] = [:]

    public init() {}

    func record(step: Int, opType: String, seconds: Double) {
        secondsByOpType[opType, default: 0] += seconds
        secondsByStep[step, default: 0] += seconds
    }
}

/// Compilation settings of a plan.
public struct PlanOptions: Sendable {
    /// The arithmetic of the fused linear layers.
    public enum Precision: Sendable {
        /// IEEE binary32 throughout.
        case float32
        /// Weights and activations of fused linear layers rounded to bfloat16 (8-bit
        /// mantissa), products accumulated in FLOAT; everything else stays FLOAT.
        case bfloat16
    }

    /// Runs the fusion passes when true.
    public var optimize = true
    public var precision = Precision.float32
    /// The maximum number of bytes that building the plan may allocate for bound inputs,
    /// folded constants, kernel working memory and the arena of intermediate values. Weights
    /// that the model already contains are not counted. nil leaves only the 4 GiB limit per buffer.
    public var maxMemoryBytes: Int?

    public init(optimize: Bool = true, precision: Precision = .float32, maxMemoryBytes: Int? = nil) {
        self.optimize = optimize
        self.precision = precision
        self.maxMemoryBytes = maxMemoryBytes
    }
}

/// The binding of a model's runtime inputs to shapes and, for some, values.
public struct InputBinding: Sendable {
    /// Concrete shapes for inputs whose declared shape has symbolic or unknown dimensions.
    public var shapes: [String: [Int]]
    /// Inputs whose values are fixed when the plan is built, so that nodes needing them at plan
    /// time (a Reshape's shape, Slice bounds, reduction axes; see `Model.planTimeInputNames`)
    /// can be folded. Feeding a different value later is an error.
    public var values: [String: Tensor]
    /// When true, bound shapes replace declared fixed dimensions instead of having to match them.
    /// Only for test data that contradicts its own model (ONNX's CastLike tests do).
    public var overridesDeclaredShapes: Bool

    public init(shapes: [String: [Int]] = [:], values: [String: Tensor] = [:], overridesDeclaredShapes: Bool = false) {
        self.shapes = shapes
        self.values = values
        self.overridesDeclaredShapes = overridesDeclaredShapes
    }
}

/// The outputs of a run in progress, read in place; see `Plan.run(_:profile:readingOutputs:)`.
public struct PlanOutputs {
    fileprivate let plan: Plan

    /// Returns the output named `name` as a view of the plan's arena, or nil when the plan has no
    /// such output.
    public subscript(name: String) -> Tensor? {
        plan.arenaValue(of: name)
    }
}
