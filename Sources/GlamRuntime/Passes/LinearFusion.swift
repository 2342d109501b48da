/// Fuses a linear layer and what follows it into one `LinearOperator` step:
///
///     x → MatMul W → Add b                       → y = x·W + b
///     x → MatMul W → Add b → Mul γ → Add r       → y = r + (x·W + b) ⊙ γ   (ViT LayerScale + residual)
///
/// W must be a constant [K, N] and b, γ constants of N values; either operand order of the Add
/// and Mul is accepted. Every intermediate must have one consumer and none may be a graph output.
enum LinearFusion: PlanPass {
    static let name = "linear-fusion"

    static func apply(to graph: inout PlanGraph) throws {
        let index = StepIndex(graph)
        var removed = Set<Int>()
        var replacements: [Int: Plan.Step] = [:]

        for (position, step) in graph.steps.enumerated() where step.node.opType == "MatMul" {
            guard step.inputs.count == 2, let x = step.inputs[0], let weightSlot = step.inputs[1],
                  let weights = graph.constants[weightSlot], weights.rank == 2, weights.dataType == .float,
                  graph.types[x].dataType == .float, graph.types[x].shape.count >= 2 else { continue }
            let n = weights.shape[1]
            let product = step.outputs[0]
            guard let addBias = index.soleConsumer(of: product, "Add"),
                  let bias = constantOperand(of: addBias, beside: product, count: n, index: index) else { continue }

            var matched: Set<Int> = [position, addBias]
            var final = addBias
            var scale: Tensor?
            var residual: Int?
            let biased = index.step(addBias).outputs[0]
            if let multiply = index.soleConsumer(of: biased, "Mul"),
               let gamma = constantOperand(of: multiply, beside: biased, count: n, index: index),
               let addResidual = index.soleConsumer(of: index.step(multiply).outputs[0], "Add") {
                let scaled = index.step(multiply).outputs[0]
                let others = index.step(addResidual).inputs.compactMap { $0 }.filter { $0 != scaled }
                if others.count == 1, graph.constants[others[0]] == nil,
                   graph.types[others[0]] == graph.types[index.step(addResidual).outputs[0]] {
                    scale = gamma
                    residual = others[0]
                    matched.formUnion([multiply, addResidual])
                    final = addResidual
                }
            }
            guard removed.isDisjoint(with: matched) else { continue }

            let label = "linear at \(step.node.label)"
            let kernel = try LinearOperator(label: label, weights: weights, bias: bias, scale: scale, hasResidual: residual != nil,
                                            precision: graph.options.precision, workspace: graph.gemmWorkspace)
            var inputs: [Int?] = [x]
            var infos = [InputInfo(type: graph.types[x], constant: nil)]
            if let residual {
                inputs.append(residual)
                infos.append(InputInfo(type: graph.types[residual], constant: nil))
            }
            _ = try kernel.prepare(infos)
            let node = Node(name: "fused_linear_\(step.node.name)", opType: "Linear", domain: "com.libglam",
                            inputs: inputs.map { _ in "" }, outputs: index.step(final).node.outputs)
            replacements[final] = Plan.Step(node: node, kernel: kernel, inputs: inputs, outputs: index.step(final).outputs)
            removed.formUnion(matched)
        }
        graph.steps = rewriteSteps(graph.steps, replacing: replacements, removing: removed)
    }

    /// The constant operand of a binary step beside `slot`, when it holds `count` values.
    private static func constantOperand(of step: Int, beside slot: Int, count: Int, index: StepIndex) -> Tensor? {
        let inputs = index.step(step).inputs
        guard inputs.count == 2, inputs.contains(slot) else { return nil }
        let other = inputs[0] == slot ? inputs[1] : inputs[0]
        guard let other, let value = index.graph.constants[other], value.count == count, value.dataType == .float,
              value.shape.last == count || value.rank == 0 else { return nil }
        return value
    }
}
