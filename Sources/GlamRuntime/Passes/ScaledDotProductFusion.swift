/// Replaces softmax(Q·Kᵀ)·V, written as MatMul → Softmax → MatMul, with one
/// `ScaledDotProductAttentionOperator` step that reads Q, K and V where they already lie.
///
/// Matches from each Softmax over the last axis:
///
///     Q ─[Mul c]─┐
///                MatMul ─[Mul c | Div c]─ Softmax ─ MatMul ─ out
///     Kᵀ ─[Mul c]┘                            V ────┘
///
/// where each c is a scalar constant (all fold into one scale), Q is [G..., Lq, d], Kᵀ is
/// [G..., d, Lk] and V is [G..., Lk, d] with the same leading axes. The scores and the
/// probabilities must have no other reader. Q, Kᵀ and V are then traced back through reshapes,
/// transposes and single-index gathers (`StridedView.trace`), so the fused step reads the
/// earliest value and the copies in between run only if something else reads them. This is the shape of PyTorch's multi-head attention with
/// learnt queries, as GLAM's region pooling exports it. A ViT block's self-attention is taken
/// whole by `AttentionFusion` first.
enum ScaledDotProductFusion: PlanPass {
    static let name = "scaled-dot-product-fusion"

    static func apply(to graph: inout PlanGraph) throws {
        let index = StepIndex(graph)
        var removed = Set<Int>()
        var replacements: [Int: Plan.Step] = [:]

        for (position, step) in graph.steps.enumerated() {
            guard let match = match(softmax: position, index: index), removed.isDisjoint(with: match.steps),
                  replacements[match.final] == nil else { continue }
            let kernel = ScaledDotProductAttentionOperator(
                label: "attention at \(step.node.label)", query: match.query.window, key: match.key.window,
                value: match.value.window, scale: match.scale)
            let slots = [match.query.slot, match.key.slot, match.value.slot]
            let infos = slots.map { InputInfo(type: graph.types[$0], constant: graph.constants[$0]) }
            guard (try? kernel.prepare(infos)) != nil else { continue }

            let last = index.step(match.final)
            let node = Node(name: "fused_sdpa_\(step.node.name)", opType: "ScaledDotProductAttention",
                            domain: "com.libglam", inputs: [], outputs: last.node.outputs)
            replacements[match.final] = Plan.Step(node: node, kernel: kernel, inputs: slots, outputs: last.outputs)
            removed.formUnion(match.steps)
        }

        graph.steps = rewriteSteps(graph.steps, replacing: replacements, removing: removed)
    }

    struct Match {
        /// The steps the fused step replaces, `final` included.
        var steps: Set<Int>
        var final: Int
        var query: StridedView
        var key: StridedView
        var value: StridedView
        var scale: Float
    }

    static func match(softmax position: Int, index: StepIndex) -> Match? {
        let graph = index.graph
        let softmax = index.step(position)
        guard let kernel = softmax.kernel as? SoftmaxOperator, let scoresSlot = softmax.inputs.first ?? nil,
              graph.types[scoresSlot].dataType == .float, let length = graph.types[scoresSlot].shape.last,
              kernel.normalizesLastAxis(of: length) else { return nil }

        // P·V must be the probabilities' only reader.
        let probabilities = softmax.outputs[0]
        guard let final = index.soleConsumer(of: probabilities, "MatMul"), index.step(final).inputs.count == 2,
              index.step(final).inputs[0] == probabilities, let valueSlot = index.step(final).inputs[1] else { return nil }

        // Scores, optionally scaled after the product.
        var steps: Set<Int> = [position, final]
        var scale: Float = 1
        var scores = scoresSlot
        if let scaling = index.producer[scores], index.soleConsumer(of: scores, softmax.node.opType) == position,
           let (input, factor) = scalarFactor(of: scaling, index: index) {
            steps.insert(scaling)
            scale *= factor
            scores = input
        }
        guard let product = index.producer(of: scores, "MatMul"), index.consumers[scores]?.count == 1,
              !graph.pinned.contains(scores), index.step(product).inputs.count == 2,
              var querySlot = index.step(product).inputs[0], var keysSlot = index.step(product).inputs[1] else { return nil }
        steps.insert(product)

        // Scalar factors on either operand.
        for operand in [0, 1] {
            let slot = operand == 0 ? querySlot : keysSlot
            guard let scaling = index.producer(of: slot, "Mul") ?? index.producer(of: slot, "Div"),
                  let (input, factor) = scalarFactor(of: scaling, index: index) else { continue }
            scale *= factor
            if operand == 0 { querySlot = input } else { keysSlot = input }
        }

        let (q, kT, v) = (graph.types[querySlot].shape, graph.types[keysSlot].shape, graph.types[valueSlot].shape)
        let rank = q.count
        guard rank >= 2, kT.count == rank, v.count == rank, q.dropLast(2) == kT.dropLast(2), q.dropLast(2) == v.dropLast(2),
              q[rank - 1] == kT[rank - 2], kT[rank - 1] == v[rank - 2], v[rank - 1] == q[rank - 1],
              [querySlot, keysSlot, valueSlot].allSatisfy({ graph.types[$0].dataType == .float }),
              scale.isFinite else { return nil }

        return Match(steps: steps, final: final, query: StridedView.trace(querySlot, in: index),
                     key: StridedView.trace(keysSlot, in: index).swappingLastAxes(),
                     value: StridedView.trace(valueSlot, in: index), scale: scale)
    }

    /// For a Mul or Div step by a FLOAT scalar constant, its other input and the factor it applies.
    private static func scalarFactor(of position: Int, index: StepIndex) -> (Int, Float)? {
        let step = index.step(position)
        guard step.inputs.count == 2, let left = step.inputs[0], let right = step.inputs[1] else { return nil }
        switch step.node.opType {
        case "Mul":
            if let factor = index.scalar(right) { return (left, factor) }
            if let factor = index.scalar(left) { return (right, factor) }
        case "Div":
            if let divisor = index.scalar(right), divisor != 0 { return (left, 1 / divisor) }
        default:
            break
        }
        return nil
    }
}

extension StridedView {
    /// The window without its slot, as the attention operator takes it.
    var window: ScaledDotProductAttentionOperator.Window {
        ScaledDotProductAttentionOperator.Window(shape: shape, strides: strides, offset: offset)
    }
}
