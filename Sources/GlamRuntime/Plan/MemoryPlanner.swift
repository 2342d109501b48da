/// Places the run-time values of a plan in one arena, so values whose lifetimes do not overlap
/// share memory.
///
/// A value lives from the step that produces it to the last step that reads it; graph outputs
/// live to the end. Steps are walked in order: each output takes the smallest free block that
/// fits (splitting it) or extends the arena, and blocks of values read for the last time are
/// freed after the step, so a step's outputs never overlap its own inputs. A view (see
/// `ViewElision`) has no memory of its own: its reads count as reads of the value it views.
/// Offsets are 64-byte aligned.
struct MemoryPlanner {
    struct Assignment {
        var buffers: [Int: TensorBuffer]
        /// Byte offset of each value in the arena.
        var offsets: [Int: Int]
        /// The arena size in bytes.
        var byteCount: Int
    }

    let steps: [Plan.Step]
    let types: [TensorType]
    /// Slots that must keep their memory to the end (graph outputs).
    let pinned: Set<Int>
    /// Views and the values whose memory they share, by slot.
    var aliases: [Int: Int] = [:]
    /// The largest arena this plan may allocate, in bytes.
    var maxByteCount = TensorBuffer.maxByteCount

    private struct Block {
        var offset: Int
        var size: Int
    }

    func assign() throws -> Assignment {
        var lastUse: [Int: Int] = [:]
        for (index, step) in steps.enumerated() {
            for case let slot? in step.inputs {
                lastUse[owner(slot)] = index
            }
        }
        let pinnedOwners = Set(pinned.map(owner))

        var offsets: [Int: Int] = [:]
        var sizes: [Int: Int] = [:]
        var strings: [Int: TensorBuffer] = [:]
        var free: [Block] = []
        var end = 0
        for (index, step) in steps.enumerated() {
            for slot in step.outputs {
                let type = types[slot]
                if type.dataType == .string {
                    // STRING values keep their elements in the buffer object, so they get their own.
                    strings[slot] = try Tensor(dataType: .string, shape: type.shape).buffer
                    continue
                }
                let bytes = try Shape.elementCount(type.shape) * (type.dataType.byteSize ?? 0)
                let size = (bytes + TensorBuffer.alignment - 1) / TensorBuffer.alignment * TensorBuffer.alignment
                sizes[slot] = size
                if let fit = free.indices.filter({ free[$0].size >= size }).min(by: { free[$0].size < free[$1].size }) {
                    offsets[slot] = free[fit].offset
                    free[fit].offset += size
                    free[fit].size -= size
                    if free[fit].size == 0 { free.remove(at: fit) }
                } else {
                    offsets[slot] = end
                    let (grown, overflow) = end.addingReportingOverflow(size)
                    guard !overflow, grown <= maxByteCount else {
                        throw GlamError(.outOfMemory,
                                        "the plan's intermediate values need more than \(maxByteCount) bytes at \(step.node.label); bind smaller input shapes or raise the plan's memory limit")
                    }
                    end = grown
                }
            }

            var released = Set<Int>()
            let unread = step.outputs.filter { lastUse[$0] == nil }
            let finished = step.inputs.compactMap { $0 }.map(owner).filter { lastUse[$0] == index }
            for slot in unread + finished where !pinnedOwners.contains(slot) && !released.contains(slot) {
                guard let offset = offsets[slot], let size = sizes[slot], size > 0 else { continue }
                released.insert(slot)
                free.append(Block(offset: offset, size: size))
            }
            free = coalesce(free)
        }

        let arena = try TensorBuffer(byteCount: end)
        var buffers = strings
        for (slot, offset) in offsets {
            buffers[slot] = TensorBuffer(slice: arena, offset: offset, byteCount: sizes[slot] ?? 0)
        }
        return Assignment(buffers: buffers, offsets: offsets, byteCount: end)
    }

    private func owner(_ slot: Int) -> Int {
        ViewElision.owner(of: slot, in: aliases)
    }

    /// Merges adjacent free blocks so later, larger values can reuse them.
    private func coalesce(_ blocks: [Block]) -> [Block] {
        var merged: [Block] = []
        for block in blocks.sorted(by: { $0.offset < $1.offset }) {
            if let last = merged.last, last.offset + last.size == block.offset {
                merged[merged.count - 1].size += block.size
            } else {
                merged.append(block)
            }
        }
        return merged
    }
}
