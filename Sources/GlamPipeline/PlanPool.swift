import GlamRuntime

/// Plans for one model and input binding, handed out one per concurrent caller.
///
/// A plan's buffers serve one run at a time; the pool builds another plan when every existing
/// one is busy, so threads sharing a model run in parallel, and keeps idle plans for reuse.
final class PlanPool: @unchecked Sendable {
    private let model: Model
    private let binding: InputBinding
    private let options: PlanOptions
    private let lock = Mutex()
    private var idle: [Plan]

    init(model: Model, binding: InputBinding, options: PlanOptions = PlanOptions()) throws {
        // Every plan of the pool would fold the same constant subgraphs; fold them once.
        self.model = ConstantFolding.foldConstantNodes(in: model)
        self.binding = binding
        self.options = options
        self.idle = [try Plan(model: self.model, binding: binding, options: options)]
    }

    /// The arena size of one plan in bytes.
    var arenaByteCount: Int {
        lock.withLock { idle.first?.arenaByteCount ?? 0 }
    }

    func withPlan<Result>(_ body: (Plan) throws -> Result) throws -> Result {
        let plan = try lock.withLock { idle.popLast() } ?? Plan(model: model, binding: binding, options: options)
        defer { lock.withLock { idle.append(plan) } }
        return try body(plan)
    }
}
