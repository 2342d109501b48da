/// Replaces a ViT block's self-attention subgraph with one `AttentionOperator` step.
///
/// Matches, from each Softmax over the last axis of a [B, H, N, N] tensor:
///
///     X [B, N, 3·H·dh] → Reshape [B, N, 3, H, dh] → Transpose (2, 0, 3, 1, 4)
///       → Gather 0 → Mul scale ─┐
///       → Gather 1 → Transpose (0, 1, 3, 2) → MatMul → Softmax → MatMul → Transpose (0, 2, 1, 3) → Reshape [B, N, H·dh]
///       → Gather 2 ────────────────────────────────────────────┘
///
/// as both PyTorch exporters (TorchScript and dynamo) write DINOv2 attention. Every
/// intermediate must have exactly the consumers shown and none may be a graph output, so the
/// rewrite cannot change any other value.
enum AttentionFusion: PlanPass {
    static let name = "attention-fusion"

    static func apply(to graph: inout PlanGraph) throws {
        let index = StepIndex(graph)
        var removed = Set<Int>()
        var replacements: [Int: Plan.Step] = [:]

        for (position, step) in graph.steps.enumerated() where step.node.opType == "Softmax" {
            guard let match = Matcher(index: index).match(softmax: position),
                  removed.isDisjoint(with: match.steps) else { continue }
            let kernel = AttentionOperator(label: "attention at \(step.node.label)", heads: match.heads,
                                           headDim: match.headDim, scale: match.scale)
            _ = try kernel.prepare([InputInfo(type: graph.types[match.input], constant: nil)])
            let last = graph.steps[match.finalStep]
            let node = Node(name: "fused_attention_\(step.node.name)", opType: "Attention", domain: "com.libglam",
                            inputs: [graph.steps[match.firstStep].node.inputs[0]], outputs: last.node.outputs)
            replacements[match.finalStep] = Plan.Step(node: node, kernel: kernel, inputs: [match.input], outputs: last.outputs)
            removed.formUnion(match.steps)
        }

        graph.steps = rewriteSteps(graph.steps, replacing: replacements, removing: removed)
    }

    struct Match {
        var steps: Set<Int>
        var firstStep: Int
        var finalStep: Int
        var input: Int
        var heads: Int
        var headDim: Int
        var scale: Float
    }

    private struct Matcher {
        let index: StepIndex

        private var graph: PlanGraph { index.graph }
        private var consumers: [Int: [Int]] { index.consumers }
        private func step(_ position: Int) -> Plan.Step { index.step(position) }
        private func producer(of slot: Int?, _ opType: String) -> Int? { index.producer(of: slot, opType) }
        private func soleConsumer(of slot: Int, _ opType: String) -> Int? { index.soleConsumer(of: slot, opType) }
        private func scalar(_ slot: Int?) -> Float? { index.scalar(slot) }

        private func perm(_ position: Int) -> [Int]? {
            if case .ints(let values)? = step(position).node.attributes["perm"] { return values }
            return nil
        }

        private func gatherIndex(_ position: Int) -> Int? {
            let gather = step(position)
            if case .int(let axis)? = gather.node.attributes["axis"], axis != 0 { return nil }
            guard gather.inputs.count == 2, let slot = gather.inputs[1], let value = graph.constants[slot], value.count == 1,
                  let indices = try? value.integerValues(context: "gather") else { return nil }
            return indices[0]
        }

        func match(softmax: Int) -> Match? {
            let soft = step(softmax)
            guard let scoresSlot = soft.inputs.first ?? nil, graph.types[scoresSlot].shape.count == 4 else { return nil }
            let scoresShape = graph.types[scoresSlot].shape
            var axis = -1
            if case .int(let value)? = soft.node.attributes["axis"] { axis = value }
            guard axis == -1 || axis == 3, graph.types[scoresSlot].dataType == .float else { return nil }

            // Q·Kᵀ and its operands.
            guard let scoreMatMul = producer(of: scoresSlot, "MatMul"), soleConsumer(of: scoresSlot, "Softmax") == softmax,
                  let scaledSlot = step(scoreMatMul).inputs[0], let keysSlot = step(scoreMatMul).inputs[1],
                  let scaling = producer(of: scaledSlot, "Mul"), soleConsumer(of: scaledSlot, "MatMul") == scoreMatMul,
                  let keyTranspose = producer(of: keysSlot, "Transpose"), soleConsumer(of: keysSlot, "MatMul") == scoreMatMul,
                  perm(keyTranspose) == [0, 1, 3, 2] else { return nil }

            let mulInputs = step(scaling).inputs
            guard mulInputs.count == 2 else { return nil }
            let (querySlot, scale): (Int?, Float?) = scalar(mulInputs[1]) != nil ? (mulInputs[0], scalar(mulInputs[1]))
                                                                                   : (mulInputs[1], scalar(mulInputs[0]))
            guard let querySlot, let scale, let queryGather = producer(of: querySlot, "Gather"),
                  soleConsumer(of: querySlot, "Mul") == scaling,
                  let keySlot = step(keyTranspose).inputs[0], let keyGather = producer(of: keySlot, "Gather"),
                  soleConsumer(of: keySlot, "Transpose") == keyTranspose else { return nil }

            // P·V and the head merge.
            let probabilities = soft.outputs[0]
            guard let valueMatMul = soleConsumer(of: probabilities, "MatMul"), step(valueMatMul).inputs[0] == probabilities,
                  let valueSlot = step(valueMatMul).inputs[1], let valueGather = producer(of: valueSlot, "Gather"),
                  soleConsumer(of: valueSlot, "MatMul") == valueMatMul,
                  let merge = soleConsumer(of: step(valueMatMul).outputs[0], "Transpose"), perm(merge) == [0, 2, 1, 3],
                  let final = soleConsumer(of: step(merge).outputs[0], "Reshape") else { return nil }

            // The packed projection split into q, k and v.
            let gathers = [queryGather, keyGather, valueGather]
            guard gathers.map(gatherIndex) == [0, 1, 2], let packedSlot = step(queryGather).inputs[0],
                  gathers.allSatisfy({ step($0).inputs[0] == packedSlot }), !graph.pinned.contains(packedSlot),
                  let readers = consumers[packedSlot], Set(readers) == Set(gathers), readers.count == 3,
                  let split = producer(of: packedSlot, "Transpose"), perm(split) == [2, 0, 3, 1, 4],
                  let reshapedSlot = step(split).inputs[0], soleConsumer(of: reshapedSlot, "Transpose") == split,
                  let unpack = producer(of: reshapedSlot, "Reshape"), let input = step(unpack).inputs[0] else { return nil }

            let inputShape = graph.types[input].shape
            let reshaped = graph.types[reshapedSlot].shape
            let output = graph.types[step(final).outputs[0]].shape
            guard inputShape.count == 3, reshaped.count == 5, reshaped[2] == 3 else { return nil }
            let (batch, tokens, heads, headDim) = (inputShape[0], inputShape[1], reshaped[3], reshaped[4])
            guard reshaped == [batch, tokens, 3, heads, headDim], inputShape[2] == 3 * heads * headDim,
                  scoresShape == [batch, heads, tokens, tokens], output == [batch, tokens, heads * headDim],
                  graph.types[input].dataType == .float else { return nil }

            let steps: Set<Int> = [unpack, split, queryGather, keyGather, valueGather, scaling, keyTranspose,
                                   scoreMatMul, softmax, valueMatMul, merge, final]
            for position in steps where position != final {
                if step(position).outputs.contains(where: { graph.pinned.contains($0) }) { return nil }
            }
            return Match(steps: steps, firstStep: unpack, finalStep: final, input: input, heads: heads,
                         headDim: headDim, scale: scale)
        }
    }
}
