/// Assigns buffers to the run-time values of a plan so that values whose lifetimes do not
/// overlap share memory.
///
/// A value lives from the step that produces it to the last step that reads it; graph outputs
/// live to the end. Steps are walked in order: each output takes the smallest free buffer that
/// fits (or a new one), and buffers of values read for the last time are freed after the step,
/// so a step's outputs never share memory with its own inputs.
struct MemoryPlanner {
    struct Assignment {
        var buffers: [Int: TensorBuffer]
        /// Bytes of all buffers created, the plan's arena size.
        var byteCount: Int
    }

    let steps: [Plan.Step]
    let types: [TensorType]
    /// Slots that must keep their buffer to the end (graph outputs).
    let pinned: Set<Int>

    func assign() throws -> Assignment {
        var lastUse: [Int: Int] = [:]
        for (index, step) in steps.enumerated() {
            for case let slot? in step.inputs {
                lastUse[slot] = index
            }
        }

        var buffers: [Int: TensorBuffer] = [:]
        var free: [TensorBuffer] = []
        var total = 0
        for (index, step) in steps.enumerated() {
            for slot in step.outputs {
                let type = types[slot]
                if type.dataType == .string {
                    // STRING values keep their elements in the buffer object, so they never share one.
                    buffers[slot] = try Tensor(dataType: .string, shape: type.shape).buffer
                    continue
                }
                let size = try Shape.elementCount(type.shape) * (type.dataType.byteSize ?? 0)
                if let fit = free.indices.filter({ free[$0].byteCount >= size }).min(by: { free[$0].byteCount < free[$1].byteCount }) {
                    buffers[slot] = free.remove(at: fit)
                } else {
                    let buffer = try TensorBuffer(byteCount: size)
                    total += size
                    buffers[slot] = buffer
                }
            }

            var released = Set<Int>()
            let unread = step.outputs.filter { lastUse[$0] == nil }
            let finished = step.inputs.compactMap { $0 }.filter { lastUse[$0] == index }
            for slot in unread + finished where !pinned.contains(slot) && !released.contains(slot) {
                guard let buffer = buffers[slot], types[slot].dataType != .string else { continue }
                released.insert(slot)
                free.append(buffer)
            }
        }
        return Assignment(buffers: buffers, byteCount: total)
    }
}
