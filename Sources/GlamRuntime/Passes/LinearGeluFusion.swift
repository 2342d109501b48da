/// Moves a `Gelu` step into the `Linear` step that feeds it, as the GEMM's epilogue:
///
///     x → Linear W, b → Gelu      becomes      x → Linear W, b, GELU
///
/// The linear layer must have no residual, and its output must have the Gelu as its one reader
/// and not be a graph output.
enum LinearGeluFusion: PlanPass {
    static let name = "linear-gelu-fusion"

    static func apply(to graph: inout PlanGraph) throws {
        let index = StepIndex(graph)
        var removed = Set<Int>()
        var replacements: [Int: Plan.Step] = [:]

        for (position, step) in graph.steps.enumerated() where step.node.opType == "Linear" {
            guard let linear = step.kernel as? LinearOperator, step.outputs.count == 1,
                  let gelu = index.soleConsumer(of: step.outputs[0], "Gelu"),
                  let fused = linear.followedByGELU(label: "linear + GELU at \(step.node.label)") else { continue }

            let infos = step.inputs.map { slot in slot.map { InputInfo(type: graph.types[$0], constant: nil) } }
            _ = try fused.prepare(infos)
            let geluStep = index.step(gelu)
            let node = Node(name: "\(step.node.name)_gelu", opType: "Linear", domain: "com.libglam",
                            inputs: step.node.inputs, outputs: geluStep.node.outputs)
            replacements[gelu] = Plan.Step(node: node, kernel: fused, inputs: step.inputs, outputs: geluStep.outputs)
            removed.insert(position)
        }
        graph.steps = rewriteSteps(graph.steps, replacing: replacements, removing: removed)
    }
}
