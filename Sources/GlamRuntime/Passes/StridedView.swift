/// A strided window on the memory of one plan value: element `i` of the window is element
/// `offset + Σ i[a]·strides[a]` of the value.
///
/// Fusions use it to read an operand through the reshapes, transposes and single-index gathers
/// that produced it, instead of having those steps copy it first.
struct StridedView: Equatable {
    var slot: Int
    /// The shape of the value `slot`, whose dense layout the window indexes.
    var valueShape: [Int]
    /// The window's own shape.
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    /// Creates the dense window on all of `slot`.
    init(slot: Int, shape: [Int]) {
        self.slot = slot
        self.valueShape = shape
        self.shape = shape
        self.strides = Shape.strides(shape)
        self.offset = 0
    }

    /// Returns the same elements with the last two axes swapped.
    func swappingLastAxes() -> StridedView {
        var result = self
        let rank = shape.count
        guard rank >= 2 else { return result }
        result.shape.swapAt(rank - 1, rank - 2)
        result.strides.swapAt(rank - 1, rank - 2)
        return result
    }

    /// Follows the producers of `slot` back through steps that only move elements and returns
    /// the window on the earliest value reached. Stops at a step of any other kind, at a value
    /// without a producer (an input or a constant), and where a window would not stay strided.
    static func trace(_ slot: Int, in index: StepIndex) -> StridedView {
        let graph = index.graph
        var view = StridedView(slot: slot, shape: graph.types[slot].shape)
        guard !view.shape.contains(0) else { return view }

        while let position = index.producer[view.slot] {
            let step = index.step(position)
            guard let source = step.inputs.first ?? nil, step.outputs.first == view.slot,
                  graph.types[source].dataType == graph.types[view.slot].dataType else { break }
            let sourceShape = graph.types[source].shape
            let next: StridedView?
            if step.kernel.isView {
                // Same bytes in the same order: the window carries over unchanged.
                next = view.moved(to: source, shape: sourceShape)
            } else if let transpose = step.kernel as? TransposeOperator {
                let dense = Shape.strides(sourceShape)
                next = view.mapped(to: source, shape: sourceShape) { axis in dense[transpose.perm[axis]] }
            } else if let gather = step.kernel as? GatherOperator, let indices = gather.constantIndices,
                      indices.count == 1, step.inputs.count == 2, let indexSlot = step.inputs[1] {
                next = view.gathered(from: source, shape: sourceShape, axis: gather.axis, index: indices[0],
                                     indexRank: graph.types[indexSlot].shape.count)
            } else {
                next = nil
            }
            guard let next else { break }
            view = next
        }
        return view
    }

    private func moved(to source: Int, shape sourceShape: [Int]) -> StridedView {
        var result = self
        result.slot = source
        result.valueShape = sourceShape
        return result
    }

    /// Splits the window into coordinates of the value's own axes: a base index per value axis
    /// and, per window axis of extent above 1, the value axis it walks and by how many steps.
    /// Nil when a window axis crosses value axes or the window leaves the value.
    private func decompose() -> (base: [Int], steps: [(axis: Int, multiple: Int)?])? {
        guard !valueShape.contains(0) else { return nil }
        let dense = Shape.strides(valueShape)
        var base: [Int] = []
        var rest = offset
        for stride in dense {
            base.append(rest / stride)
            rest %= stride
        }

        var reach = base
        var steps: [(axis: Int, multiple: Int)?] = []
        for (axis, extent) in shape.enumerated() {
            guard extent > 1 else {
                steps.append(nil)
                continue
            }
            let stride = strides[axis]
            // Along axes of size above 1 the dense strides strictly fall, so at most one fits.
            guard let walked = valueShape.indices.first(where: { valueShape[$0] > 1 && dense[$0] <= stride && stride % dense[$0] == 0 })
            else { return nil }
            let multiple = stride / dense[walked]
            reach[walked] += multiple * (extent - 1)
            steps.append((walked, multiple))
        }
        for axis in valueShape.indices where reach[axis] >= valueShape[axis] {
            return nil
        }
        return (base, steps)
    }

    /// Re-expresses the window on `source`, where one step along axis `b` of the current value is
    /// `sourceStride(b)` elements of the source's memory.
    private func mapped(to source: Int, shape sourceShape: [Int], sourceStride: (Int) -> Int) -> StridedView? {
        guard let (base, steps) = decompose() else { return nil }
        var result = self
        result.slot = source
        result.offset = base.indices.reduce(0) { $0 + base[$1] * sourceStride($1) }
        result.strides = steps.map { step in step.map { $0.multiple * sourceStride($0.axis) } ?? 0 }
        result.valueShape = sourceShape
        return result
    }

    private func gathered(from source: Int, shape sourceShape: [Int], axis: Int, index: Int, indexRank: Int) -> StridedView? {
        guard indexRank <= 1, axis < sourceShape.count else { return nil }
        let dense = Shape.strides(sourceShape)
        let position = index < 0 ? index + sourceShape[axis] : index
        guard var result = mapped(to: source, shape: sourceShape, sourceStride: { valueAxis in
            if valueAxis < axis { return dense[valueAxis] }
            if valueAxis < axis + indexRank { return 0 }
            return dense[valueAxis - indexRank + 1]
        }) else { return nil }
        result.offset += position * dense[axis]
        return result
    }
}
