/// The input and output of a plan pass: the run-time steps with their typed slots and known constants.
///
/// Passes run after shape binding and constant folding, so every value has a concrete type and
/// every constant is a tensor; they rewrite the list of steps and must leave every graph output
/// computing the same values.
struct PlanGraph {
    var steps: [Plan.Step]
    let types: [TensorType]
    /// Values known at plan time, by slot.
    let constants: [Int: Tensor]
    /// Slots the plan returns; passes must not remove their producers.
    let pinned: Set<Int>
    let options: PlanOptions
    /// Working memory that the plan's fused linear layers share.
    let gemmWorkspace = ThreadScratch.gemm()
    /// Values that share another value's memory instead of being computed, by slot: the slot of
    /// the value whose bytes they are (see `ViewElision`).
    var aliases: [Int: Int] = [:]

    /// Returns the step that produces each slot.
    func producers() -> [Int: Int] {
        var result: [Int: Int] = [:]
        for (index, step) in steps.enumerated() {
            for slot in step.outputs { result[slot] = index }
        }
        return result
    }

    /// Returns the steps that read each slot (a step appears once per input that reads it).
    func consumers() -> [Int: [Int]] {
        var result: [Int: [Int]] = [:]
        for (index, step) in steps.enumerated() {
            for case let slot? in step.inputs { result[slot, default: []].append(index) }
        }
        return result
    }
}

/// One rewrite of a plan's steps.
protocol PlanPass {
    static var name: String { get }
    static func apply(to graph: inout PlanGraph) throws
}

/// The passes the plan compiler runs, in order.
enum PlanPasses {
    /// Clean-up runs first so the fusions see one copy of each value, and again last because a
    /// fusion can leave a step whose only reader it absorbed.
    static let all: [PlanPass.Type] = [
        CommonSubexpressionElimination.self, DeadStepElimination.self,
        AttentionFusion.self, GeluFusion.self, LinearFusion.self, LinearGeluFusion.self,
        ScaledDotProductFusion.self, DeadStepElimination.self, ViewElision.self,
    ]

    static func run(_ graph: inout PlanGraph) throws {
        for pass in all {
            try pass.apply(to: &graph)
        }
    }
}
