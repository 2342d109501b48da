import CKernels

/// softmax(scale · Q·Kᵀ) · V per group of rows: the step `ScaledDotProductFusion` puts in place
/// of MatMul → Softmax → MatMul, such as the cross-attention of GLAM's region pooling.
///
/// Q, K and V are strided windows on earlier values (see `StridedView`), shaped
/// [G..., Lq, d], [G..., Lk, d] and [G..., Lk, d]; the output is a dense [G..., Lq, d]. A run
/// first copies each group's Q, K and V into dense rows, because the windows may be transposed
/// or spread across a wider value, and then attends blocks of 64 queries. On CPUs with AVX-512
/// each block runs `glam_kernel_attention_block`; elsewhere its scores go through two GEMMs
/// and a row softmax.
final class ScaledDotProductAttentionOperator: Operator, ParallelJob {
    /// The layout of one operand's elements in the value it reads.
    struct Window {
        var shape: [Int]
        var strides: [Int]
        var offset: Int
    }

    private let label: String
    private let windows: [Window]
    private let scale: Float
    private var groups = 0
    private var queries = 0
    private var keys = 0
    private var depth = 0
    /// Per operand, the element offset of each group's first row.
    private var groupOffsets: [[Int]] = []
    private var fused = false
    private var scratch = ThreadScratch(bytesPerThread: 0)
    private var tiles: [UnsafeMutablePointer<Float>] = []
    /// Dense copies of Q, K and V for every group, laid out [G][Lq + 2·Lk][d].
    private var packed: TensorBuffer?
    private var packedByteCount = 0
    /// Per operand, whether it is a plan-time constant (GLAM's learnt region queries), which
    /// needs copying only at the first run.
    private var isConstant = [false, false, false]
    private var constantsPacked = false
    private let failureLock = Mutex()
    private var failures = 0

    private enum Phase {
        case pack(sources: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>))
        case attend(target: UnsafeMutablePointer<Float>)
    }
    private var phase: Phase?

    /// - Parameters:
    ///   - query, key, value: the windows the three inputs are read through.
    ///   - scale: the factor on every score before the softmax.
    init(label: String, query: Window, key: Window, value: Window, scale: Float) {
        self.label = label
        self.windows = [query, key, value]
        self.scale = scale
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        guard inputs.count == 3 else {
            throw GlamError.invalidModel("\(label): scaled dot-product attention takes Q, K and V")
        }
        let (query, key, value) = (windows[0], windows[1], windows[2])
        let rank = query.shape.count
        guard rank >= 2, key.shape.count == rank, value.shape.count == rank,
              query.shape.dropLast(2) == key.shape.dropLast(2), key.shape == value.shape,
              query.shape[rank - 1] == key.shape[rank - 1] else {
            throw GlamError.invalidModel(
                "\(label): Q \(query.shape), K \(key.shape) and V \(value.shape) do not form an attention")
        }
        for (window, input) in zip(windows, inputs) {
            guard let input, input.type.dataType == .float, window.strides.count == rank,
                  try Self.fits(window, in: input.type.shape) else {
                throw GlamError.invalidModel("\(label): an operand window leaves its FLOAT input")
            }
        }

        let lead = Array(query.shape.dropLast(2))
        groups = try Shape.elementCount(lead, context: label)
        (queries, keys, depth) = (query.shape[rank - 2], key.shape[rank - 2], query.shape[rank - 1])
        groupOffsets = windows.map { window in
            (0..<groups).map { group in
                var rest = group
                var offset = window.offset
                for axis in lead.indices.reversed() {
                    offset += rest % lead[axis] * window.strides[axis]
                    rest /= lead[axis]
                }
                return offset
            }
        }

        fused = AttentionOperator.fusedKernelAllowed && glam_kernel_attention_supported() != 0
        let tileElements = fused ? Int(glam_kernel_attention_workspace(depth)) : AttentionOperator.blockRows * keys
        scratch = ThreadScratch(bytesPerThread: try Shape.elementCount([tileElements, 4], context: label))
        packedByteCount = try Shape.elementCount([groups, queries + 2 * keys, depth, 4], context: label)
        packed = nil
        tiles = []
        isConstant = inputs.map { $0?.constant != nil }
        constantsPacked = false
        return [TensorType(.float, query.shape)]
    }

    /// True when every element the window reaches lies inside a value of `shape`.
    private static func fits(_ window: Window, in shape: [Int]) throws -> Bool {
        let count = try Shape.elementCount(shape)
        guard !window.shape.contains(0) else { return true }
        var last = window.offset
        for (extent, stride) in zip(window.shape, window.strides) {
            guard stride >= 0 else { return false }
            last += (extent - 1) * stride
        }
        return window.offset >= 0 && last < count
    }

    var flops: Int { 4 * groups * queries * keys * depth }

    var scratchByteCount: Int {
        let perThread = scratch.bytesPerThread.multipliedReportingOverflow(by: max(1, Threading.threadCount))
        let total = perThread.partialValue.addingReportingOverflow(packedByteCount)
        return perThread.overflow || total.overflow ? Int.max : total.partialValue
    }

    private var blocks: Int { (queries + AttentionOperator.blockRows - 1) / AttentionOperator.blockRows }
    private var groupSize: Int { (queries + 2 * keys) * depth }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        // An empty output has nothing to compute (the kernel also rejects a depth of 0).
        guard groups > 0, queries > 0, depth > 0 else { return }
        let sources = (UnsafePointer(try inputs.at(0).pointer(as: Float.self)),
                       UnsafePointer(try inputs.at(1).pointer(as: Float.self)),
                       UnsafePointer(try inputs.at(2).pointer(as: Float.self)))
        try scratch.reserve(threads: max(1, Threading.threadCount))
        tiles = scratch.pointers
        if packed == nil {
            packed = try TensorBuffer(byteCount: packedByteCount)
        }

        failures = 0
        phase = .pack(sources: sources)
        WorkerPool.shared.parallelFor(groups * 3, job: self)
        constantsPacked = true
        phase = .attend(target: outputs[0].pointer(as: Float.self))
        WorkerPool.shared.parallelFor(groups * blocks, job: self)
        phase = nil
        if failures > 0 {
            throw GlamError.unsupported("\(label): attention failed in \(failures) block(s) (\(keys) keys, depth \(depth))")
        }
    }

    /// Runs one job of the phase in progress; called by `WorkerPool`.
    func run(index: Int, worker: Int) {
        guard let packed = packed?.pointer.assumingMemoryBound(to: Float.self) else { return }
        switch phase {
        case .pack(let sources):
            let (group, operand) = (index / 3, index % 3)
            if constantsPacked && isConstant[operand] {
                return
            }
            let source: UnsafePointer<Float>
            switch operand {
            case 0: source = sources.0
            case 1: source = sources.1
            default: source = sources.2
            }
            let window = windows[operand]
            let rank = window.shape.count
            let (rowStride, columnStride) = (window.strides[rank - 2], window.strides[rank - 1])
            let rows = operand == 0 ? queries : keys
            var target = packed + group * groupSize + (operand == 0 ? 0 : (queries + (operand - 1) * keys) * depth)
            let first = groupOffsets[operand][group]
            for row in 0..<rows {
                let start = source + first + row * rowStride
                if columnStride == 1 {
                    target.update(from: start, count: depth)
                } else {
                    for column in 0..<depth {
                        target[column] = start[column * columnStride]
                    }
                }
                target += depth
            }
        case .attend(let target):
            let (group, block) = (index / blocks, index % blocks)
            let first = block * AttentionOperator.blockRows
            let rows = min(AttentionOperator.blockRows, queries - first)
            let q = packed + group * groupSize + first * depth
            let k = packed + group * groupSize + queries * depth
            let v = k + keys * depth
            let out = target + (group * queries + first) * depth
            if fused {
                if glam_kernel_attention_block(q, depth, k, v, depth, rows, keys, depth, scale, out, depth, tiles[worker]) != 0 {
                    failureLock.withLock { failures += 1 }
                }
                return
            }
            do {
                try AttentionOperator.attendWithGEMMs(q: q, k: k, v: v, inputStride: depth, rows: rows, keys: keys,
                                                      depth: depth, scale: scale, out: out, outStride: depth,
                                                      scores: tiles[worker])
            } catch {
                failureLock.withLock { failures += 1 }
            }
        case nil:
            break
        }
    }
}
