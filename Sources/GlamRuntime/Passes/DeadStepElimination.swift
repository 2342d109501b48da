/// Removes steps whose outputs no graph output depends on.
///
/// ONNX exporters leave such nodes behind (an unused Shape branch, a value that only fed a
/// debugging output), and fusions can orphan a step when they absorb its only reader. Steps are
/// in execution order, so one backward sweep from the graph outputs finds every live step.
enum DeadStepElimination: PlanPass {
    static let name = "dead-step-elimination"

    static func apply(to graph: inout PlanGraph) throws {
        var live = graph.pinned
        var keep = [Bool](repeating: false, count: graph.steps.count)

        for index in graph.steps.indices.reversed() {
            let step = graph.steps[index]
            guard step.outputs.contains(where: { live.contains($0) }) else { continue }
            keep[index] = true
            for case let slot? in step.inputs {
                live.insert(slot)
            }
        }

        graph.steps = graph.steps.indices.filter { keep[$0] }.map { graph.steps[$0] }
    }
}
