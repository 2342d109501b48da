/// Lets the output of a reshape, or of a transpose that moves only axes of size 1, share its
/// input's memory, so the step copies nothing and leaves the run.
///
/// Runs last: the fusions match the exporters' Reshape and Transpose steps, and the memory
/// planner keeps a shared buffer alive until the last step that reads any view of it.
enum ViewElision: PlanPass {
    static let name = "view-elision"

    static func apply(to graph: inout PlanGraph) throws {
        var removed = Set<Int>()
        for (index, step) in graph.steps.enumerated() where step.kernel.isView && step.outputs.count == 1 {
            let output = step.outputs[0]
            guard let source = step.inputs.first ?? nil, graph.constants[source] == nil,
                  graph.types[source].dataType == graph.types[output].dataType else { continue }
            graph.aliases[output] = source
            removed.insert(index)
        }
        graph.steps = rewriteSteps(graph.steps, replacing: [:], removing: removed)
    }

    /// Follows `aliases` from `slot` to the value that owns the memory.
    static func owner(of slot: Int, in aliases: [Int: Int]) -> Int {
        var current = slot
        while let next = aliases[current] {
            current = next
        }
        return current
    }
}
