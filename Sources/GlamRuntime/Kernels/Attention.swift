import CKernels

/// Fused multi-head self-attention, the replacement `AttentionFusion` puts in place of a ViT
/// block's Reshape → Transpose → Gather q/k/v → scale → Q·Kᵀ → Softmax → ·V → Transpose → Reshape.
///
/// Input: the packed projection [B, N, 3·H·dh] (q, k, v in that order, heads inside each).
/// Output: [B, N, H·dh]. Per batch item and head, rows of Q are taken in blocks of
/// `blockRows`; each block's scores (blockRows × N) stay in a per-thread scratch tile that fits
/// in L2 cache, are scaled inside the GEMM, normalised by a vectorised softmax and multiplied
/// by V, written straight into the output's head columns. K is read through the GEMM's
/// transpose flag, so Kᵀ is never materialised.
final class AttentionOperator: Operator {
    static let blockRows = 64

    private let label: String
    private let heads: Int
    private let headDim: Int
    private let scale: Float
    private var batch = 0
    private var tokens = 0
    private var scratch: [TensorBuffer] = []
    /// Base pointers of `scratch`, so that a run does not rebuild the array.
    private var tiles: [UnsafeMutablePointer<Float>] = []
    /// Serialises the recording of a worker's error; one lock for the operator's lifetime.
    private let failureLock = Mutex()

    init(label: String, heads: Int, headDim: Int, scale: Float) {
        self.label = label
        self.heads = heads
        self.headDim = headDim
        self.scale = scale
    }

    var description: String { "Attention(heads \(heads), head dim \(headDim), scale \(scale))" }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        guard let input = inputs.first ?? nil, input.type.dataType == .float, input.type.shape.count == 3,
              input.type.shape[2] == 3 * heads * headDim else {
            throw GlamError.invalidModel("\(label): fused attention needs FLOAT [B, N, \(3 * heads * headDim)]")
        }
        batch = input.type.shape[0]
        tokens = input.type.shape[1]
        let tile = try Shape.elementCount([AttentionOperator.blockRows, tokens]) * 4
        scratch = try (0..<max(1, Threading.threadCount)).map { _ in try TensorBuffer(byteCount: tile) }
        tiles = scratch.map { $0.pointer.assumingMemoryBound(to: Float.self) }
        return [TensorType(.float, [batch, tokens, heads * headDim])]
    }

    var flops: Int { 4 * batch * heads * tokens * tokens * headDim }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let x = try inputs.at(0).pointer(as: Float.self)
        let y = outputs[0].pointer(as: Float.self)
        let width = heads * headDim
        let blocks = (tokens + AttentionOperator.blockRows - 1) / AttentionOperator.blockRows
        let jobs = batch * heads * blocks
        if scratch.count < Threading.threadCount {
            scratch += try (scratch.count..<Threading.threadCount).map { _ in
                try TensorBuffer(byteCount: AttentionOperator.blockRows * tokens * 4)
            }
            tiles = scratch.map { $0.pointer.assumingMemoryBound(to: Float.self) }
        }
        let tiles = self.tiles
        let failureLock = self.failureLock
        var failure: Error?

        WorkerPool.shared.parallelFor(jobs) { job, worker in
            let block = job % blocks
            let head = (job / blocks) % heads
            let item = job / (blocks * heads)
            let first = block * AttentionOperator.blockRows
            let rows = min(AttentionOperator.blockRows, tokens - first)
            let packed = x + item * tokens * 3 * width
            let q = packed + first * 3 * width + head * headDim
            let k = packed + width + head * headDim
            let v = packed + 2 * width + head * headDim
            let scores = tiles[worker]
            do {
                try BLAS.gemm(Float.self, transposeA: false, transposeB: true, m: rows, n: tokens, k: headDim,
                              alpha: scale, a: q, lda: 3 * width, b: k, ldb: 3 * width, beta: 0, c: scores, ldc: tokens)
                glam_kernel_softmax_rows(scores, rows, tokens)
                let out = y + (item * tokens + first) * width + head * headDim
                try BLAS.gemm(Float.self, transposeA: false, transposeB: false, m: rows, n: headDim, k: tokens,
                              alpha: 1, a: scores, lda: tokens, b: v, ldb: 3 * width, beta: 0, c: out, ldc: width)
            } catch {
                failureLock.withLock { failure = error }
            }
        }
        if let failure {
            throw failure
        }
    }
}
