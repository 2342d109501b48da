/// Merges steps that compute the same value twice: the same operator and attributes applied
/// to the same input slots.
///
/// PyTorch's exporters emit one node per use of a value (each reader of `x.shape` or of a
/// LayerNorm output may get its own copy). The later duplicate is dropped and its readers are
/// pointed at the first step's outputs. A duplicate that writes a graph output stays, so every
/// output keeps its own buffer.
enum CommonSubexpressionElimination: PlanPass {
    static let name = "common-subexpression-elimination"

    /// Operators whose two runs on equal inputs may differ.
    private static let nondeterministic: Set<String> = [
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    static func apply(to graph: inout PlanGraph) throws {
        var firstBySignature: [String: Int] = [:]
        var replacement: [Int: Int] = [:]
        var uniqueSteps: [Plan.Step] = []
        uniqueSteps.reserveCapacity(graph.steps.count)

        for step in graph.steps {
            let inputs = step.inputs.map { slot in slot.map { replacement[$0] ?? $0 } }
            let current = Plan.Step(node: step.node, kernel: step.kernel, inputs: inputs, outputs: step.outputs)
            let writesGraphOutput = step.outputs.contains { graph.pinned.contains($0) }
            guard !writesGraphOutput, let signature = signature(of: current) else {
                uniqueSteps.append(current)
                continue
            }

            if let first = firstBySignature[signature], uniqueSteps[first].outputs.count == step.outputs.count {
                for (duplicate, original) in zip(step.outputs, uniqueSteps[first].outputs) {
                    replacement[duplicate] = original
                }
                continue
            }
            firstBySignature[signature] = uniqueSteps.count
            uniqueSteps.append(current)
        }

        graph.steps = uniqueSteps
    }

    /// A key equal for two steps exactly when they compute the same outputs, or nil when the
    /// step must never be merged (random operators, tensor-valued or unknown attributes).
    private static func signature(of step: Plan.Step) -> String? {
        guard !nondeterministic.contains(step.node.opType) else { return nil }
        var parts = [step.node.domain, step.node.opType]
        parts.append(step.inputs.map { $0.map(String.init) ?? "-" }.joined(separator: ","))
        for name in step.node.attributes.keys.sorted() {
            guard let attribute = step.node.attributes[name], let value = signature(of: attribute) else { return nil }
            parts.append("\(name)=\(value)")
        }
        return parts.joined(separator: "|")
    }

    /// Floats are keyed by bit pattern so that -0.0 and 0.0, or two NaN payloads, stay apart.
    private static func signature(of attribute: Attribute) -> String? {
        switch attribute {
        case .int(let value): return "i\(value)"
        case .ints(let values): return "I\(values)"
        case .float(let value): return "f\(value.bitPattern)"
        case .floats(let values): return "F\(values.map(\.bitPattern))"
        case .string(let bytes): return "s\(bytes)"
        case .strings(let values): return "S\(values)"
        case .tensor, .unsupported: return nil
        }
    }
}
