/// Iteration over a broadcast output, one innermost row at a time.
///
/// Adjacent axes that are contiguous in every operand are merged first, so a same-shape or
/// bias-like broadcast becomes one long row and the inner loops run over plain strides.
struct BroadcastLayout {
    /// The coalesced output shape.
    let shape: [Int]
    /// Per operand, its strides over `shape` (0 on broadcast axes).
    let strides: [[Int]]

    init(outputShape: [Int], operandShapes: [[Int]]) {
        var shape = outputShape
        var strides = operandShapes.map { Shape.broadcastStrides($0, to: outputShape) }

        // Drop axes of length 1; they contribute nothing to the iteration.
        let keep = shape.indices.filter { shape[$0] != 1 }
        shape = keep.map { shape[$0] }
        strides = strides.map { operand in keep.map { operand[$0] } }

        var axis = shape.count - 1
        while axis > 0 {
            let mergeable = strides.allSatisfy { $0[axis - 1] == $0[axis] * shape[axis] }
            if mergeable {
                shape[axis - 1] *= shape[axis]
                shape.remove(at: axis)
                for index in strides.indices {
                    strides[index][axis - 1] = strides[index][axis]
                    strides[index].remove(at: axis)
                }
            }
            axis -= 1
        }

        if shape.isEmpty {
            shape = [1]
            strides = strides.map { _ in [0] }
        }
        self.shape = shape
        self.strides = strides
        self.innerStrides = strides.map { $0[$0.count - 1] }
    }

    var rowLength: Int { shape[shape.count - 1] }

    /// The stride of each operand along the innermost axis; stored, so a run reads it without
    /// building an array.
    let innerStrides: [Int]

    /// Calls `body(outputOffset, operandOffsets)` for each innermost row, in output order.
    ///
    /// Keeps its counters in stack storage, so iterating allocates nothing on the heap.
    func forEachRow(_ body: (Int, UnsafeMutableBufferPointer<Int>) throws -> Void) rethrows {
        let outerRank = shape.count - 1
        var outerCount = 1
        for axis in 0..<outerRank {
            outerCount *= shape[axis]
        }
        if shape.contains(0) {
            return
        }

        try withUnsafeTemporaryAllocation(of: Int.self, capacity: outerRank + strides.count) { storage in
            storage.initialize(repeating: 0)
            let index = UnsafeMutableBufferPointer(rebasing: storage[0..<outerRank])
            let offsets = UnsafeMutableBufferPointer(rebasing: storage[outerRank...])
            let length = rowLength
            for row in 0..<outerCount {
                try body(row * length, offsets)
                var axis = outerRank - 1
                while axis >= 0 {
                    index[axis] += 1
                    for operand in offsets.indices {
                        offsets[operand] += strides[operand][axis]
                    }
                    if index[axis] < shape[axis] {
                        break
                    }
                    for operand in offsets.indices {
                        offsets[operand] -= strides[operand][axis] * shape[axis]
                    }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
