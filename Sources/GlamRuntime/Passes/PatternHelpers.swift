/// Lookups shared by the fusion passes.
struct StepIndex {
    let graph: PlanGraph
    let producer: [Int: Int]
    let consumers: [Int: [Int]]

    init(_ graph: PlanGraph) {
        self.graph = graph
        self.producer = graph.producers()
        self.consumers = graph.consumers()
    }

    func step(_ index: Int) -> Plan.Step { graph.steps[index] }

    /// Returns the step producing `slot` when it has the given op type.
    func producer(of slot: Int?, _ opType: String) -> Int? {
        guard let slot, let index = producer[slot], step(index).node.opType == opType else { return nil }
        return index
    }

    /// Returns the only step reading `slot` when it has the given op type and the slot is not a graph output.
    func soleConsumer(of slot: Int, _ opType: String) -> Int? {
        guard !graph.pinned.contains(slot), let readers = consumers[slot], readers.count == 1,
              step(readers[0]).node.opType == opType else { return nil }
        return readers[0]
    }

    /// Returns the value of a one-element FLOAT constant.
    func scalar(_ slot: Int?) -> Float? {
        guard let slot, let value = graph.constants[slot], value.count == 1, value.dataType == .float else { return nil }
        return value.pointer(as: Float.self)[0]
    }

    /// For a binary step, the other input when one input is a FLOAT scalar constant equal to
    /// `expected` (within 1e-6 relative).
    func operand(of index: Int, besideScalar expected: Float) -> Int? {
        let inputs = step(index).inputs
        guard inputs.count == 2 else { return nil }
        for (constant, other) in [(inputs[1], inputs[0]), (inputs[0], inputs[1])] {
            if let value = scalar(constant), abs(value - expected) <= 1e-6 * abs(expected), let other {
                return other
            }
        }
        return nil
    }
}

/// Rebuilds a step list: `replacements` take the place of the step at their index, `removed`
/// steps are dropped.
func rewriteSteps(_ steps: [Plan.Step], replacing replacements: [Int: Plan.Step], removing removed: Set<Int>) -> [Plan.Step] {
    var rewritten: [Plan.Step] = []
    rewritten.reserveCapacity(steps.count)
    for (index, step) in steps.enumerated() {
        if let replacement = replacements[index] {
            rewritten.append(replacement)
        } else if !removed.contains(index) {
            rewritten.append(step)
        }
    }
    return rewritten
}
