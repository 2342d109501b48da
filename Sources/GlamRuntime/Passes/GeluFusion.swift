/// Replaces the exporters' erf form of GELU with one `Gelu` step:
///
///     x → Div √2 → Erf → Add 1 → Mul 0.5 → Mul x      (PyTorch's nn.GELU, dynamo exporter)
///     x → Div √2 → Erf → Add 1 → Mul x → Mul 0.5      (TorchScript exporter)
///
/// The Add and the Mul by 0.5 may take their constant on either side. Every intermediate must
/// have exactly one consumer and none may be a graph output.
enum GeluFusion: PlanPass {
    static let name = "gelu-fusion"

    static func apply(to graph: inout PlanGraph) throws {
        let index = StepIndex(graph)
        var removed = Set<Int>()
        var replacements: [Int: Plan.Step] = [:]

        for (position, step) in graph.steps.enumerated() where step.node.opType == "Erf" {
            guard let erfInput = step.inputs.first ?? nil,
                  let divide = index.producer(of: erfInput, "Div"), index.soleConsumer(of: erfInput, "Erf") == position,
                  index.step(divide).inputs.count == 2, let x = index.step(divide).inputs[0],
                  let divisor = index.scalar(index.step(divide).inputs[1]), abs(divisor - 1.41421356) < 1e-5,
                  let addOne = index.soleConsumer(of: step.outputs[0], "Add"),
                  index.operand(of: addOne, besideScalar: 1) == step.outputs[0],
                  let (half, final) = multiplications(after: index.step(addOne).outputs[0], x: x, index: index),
                  graph.types[x].dataType == .float else { continue }

            let matched: Set<Int> = [divide, position, addOne, half, final]
            guard removed.isDisjoint(with: matched) else { continue }
            let node = Node(name: "fused_gelu_\(step.node.name)", opType: "Gelu", domain: "com.libglam",
                            inputs: [index.step(divide).node.inputs[0]], outputs: index.step(final).node.outputs)
            let kernel = UnaryMathOperator(node: node, kind: .gelu)
            _ = try kernel.prepare([InputInfo(type: graph.types[x], constant: nil)])
            replacements[final] = Plan.Step(node: node, kernel: kernel, inputs: [x], outputs: index.step(final).outputs)
            removed.formUnion(matched)
        }
        graph.steps = rewriteSteps(graph.steps, replacing: replacements, removing: removed)
    }

    /// The two multiplications that finish GELU after `erf + 1`, in either order: by 0.5 and by `x`.
    private static func multiplications(after sum: Int, x: Int, index: StepIndex) -> (Int, Int)? {
        guard let first = index.soleConsumer(of: sum, "Mul") else { return nil }
        let firstOutput = index.step(first).outputs[0]
        guard let second = index.soleConsumer(of: firstOutput, "Mul") else { return nil }
        if index.operand(of: first, besideScalar: 0.5) == sum,
           Set(index.step(second).inputs.compactMap { $0 }) == [x, firstOutput] {
            return (first, second)
        }
        if Set(index.step(first).inputs.compactMap { $0 }) == [x, sum],
           index.operand(of: second, besideScalar: 0.5) == firstOutput {
            return (first, second)
        }
        return nil
    }
}
