import CKernels

/// A fused linear layer: `y = x · W + b`, optionally scaled per output column and added to a
/// residual: `y = r + (x · W + b) ⊙ γ`, as `LinearFusion` builds it from MatMul, Add, Mul, Add,
/// or followed by GELU: `y = GELU(x · W + b)`, as `LinearGeluFusion` makes it.
///
/// γ is folded into W and b when the plan is built (W·diag(γ), b ⊙ γ). On CPUs with AVX-512 a
/// FLOAT run is one pass of libglam's GEMM tiles, which add the bias, apply GELU and add the
/// residual while each tile is still in registers. Elsewhere a run writes `r + b′` (or `b′`)
/// into every output row, accumulates one BLAS GEMM into it and applies GELU in a last pass.
/// In bfloat16 precision the GEMM is oneDNN's bf16 matmul with W packed once at plan time.
///
/// For the tiles, W is copied once at plan time into the order they read it
/// (`glam_gemm_pack_b`), which measured 10-15% faster per GEMM than each tile copying its part
/// of W at every run. A folded W·diag(γ) is then kept only in that order, so the fold costs no
/// memory beyond the model's own weights.
final class LinearOperator: Operator {
    private let label: String
    /// K × N, the model's initializer itself when there is no scale to fold in; nil when the folded
    /// values exist only in `packedWeights`.
    private let weights: Tensor?
    /// W in the tiles' order, when the plan runs FLOAT GEMMs in libglam's tiles.
    private let packedWeights: TensorBuffer?
    private let bias: [Float]
    private let inputWidth: Int
    private let outputWidth: Int
    private let hasResidual: Bool
    /// Whether GELU (erf form) follows the bias.
    let appliesGELU: Bool
    private let precision: PlanOptions.Precision
    private var rows = 0
    private var bf16Product: OpaquePointer?
    /// Runs the tile GEMM over the worker threads, with the plan's shared workspace.
    private let tiles: TileGEMM

    /// `weights` is K × N row-major, `bias` and `scale` have N values.
    convenience init(label: String, weights: Tensor, bias: Tensor, scale: Tensor?, hasResidual: Bool,
                     precision: PlanOptions.Precision = .float32, workspace: ThreadScratch = ThreadScratch.gemm()) throws {
        guard weights.rank == 2, weights.dataType == .float, bias.dataType == .float, bias.count == weights.shape[1] else {
            throw GlamError.invalidModel("\(label): linear fusion needs FLOAT weights [K, N] and a bias of N values")
        }
        let (k, n) = (weights.shape[0], weights.shape[1])
        var b = bias.values(as: Float.self)
        if let scale {
            guard scale.count == n, scale.dataType == .float else {
                throw GlamError.invalidModel("\(label): the scale must have \(n) FLOAT values")
            }
            let gamma = scale.pointer(as: Float.self)
            for column in 0..<n { b[column] *= gamma[column] }
        }

        let packed = precision == .float32 && BLAS.usesTiles && k > 0 && n > 0
            ? try LinearOperator.pack(weights, scale: scale, label: label) : nil
        // The tiles read only the packed copy; the others need W·diag(γ) in plain rows.
        var plainWeights: Tensor? = weights
        if packed != nil && scale != nil {
            plainWeights = nil
        } else if let scale {
            let folded = try Tensor(dataType: .float, shape: [k, n])
            let source = weights.pointer(as: Float.self)
            let target = folded.pointer(as: Float.self)
            let gamma = scale.pointer(as: Float.self)
            for row in 0..<k {
                let offset = row * n
                for column in 0..<n { target[offset + column] = source[offset + column] * gamma[column] }
            }
            plainWeights = folded
        }
        self.init(label: label, weights: plainWeights, packedWeights: packed, shape: (k, n), bias: b, hasResidual: hasResidual,
                  appliesGELU: false, precision: precision, workspace: workspace)
    }

    /// Copies W (times γ per column, when given) into the tiles' order, strip by strip over the
    /// worker threads, because packing is most of a model's plan time. Returns nil when the
    /// tiles cannot run on this CPU.
    private static func pack(_ weights: Tensor, scale: Tensor?, label: String) throws -> TensorBuffer? {
        let (k, n) = (weights.shape[0], weights.shape[1])
        let floats = glam_gemm_packed_b_floats(k, n).multipliedReportingOverflow(by: 4)
        guard !floats.overflow else {
            throw GlamError.invalidModel("\(label): weights [\(k), \(n)] are too large to pack; check the model's weight shapes")
        }
        let buffer = try TensorBuffer(byteCount: floats.partialValue, zeroed: false)
        let source = weights.pointer(as: Float.self)
        let gamma = scale.map { UnsafePointer($0.pointer(as: Float.self)) }
        let target = buffer.pointer.assumingMemoryBound(to: Float.self)
        let failures = Mutex()
        var failed = false
        WorkerPool.shared.parallelFor((n + 31) / 32) { strip, _ in
            if glam_gemm_pack_b_strips(source, n, 0, k, n, strip, 1, gamma, target) != 0 {
                failures.withLock { failed = true }
            }
        }
        return failed ? nil : buffer
    }

    private init(label: String, weights: Tensor?, packedWeights: TensorBuffer?, shape: (k: Int, n: Int), bias: [Float],
                 hasResidual: Bool, appliesGELU: Bool, precision: PlanOptions.Precision, workspace: ThreadScratch) {
        self.label = label
        self.weights = weights
        self.packedWeights = packedWeights
        self.bias = bias
        self.inputWidth = shape.k
        self.outputWidth = shape.n
        self.hasResidual = hasResidual
        self.appliesGELU = appliesGELU
        self.precision = precision
        self.tiles = TileGEMM(workspace: workspace)
    }

    deinit {
        glam_bf16_matmul_free(bf16Product)
    }

    /// Returns the same layer followed by GELU, or nil when the layer adds a residual.
    func followedByGELU(label: String) -> LinearOperator? {
        guard !hasResidual, !appliesGELU else { return nil }
        return LinearOperator(label: label, weights: weights, packedWeights: packedWeights, shape: (inputWidth, outputWidth),
                              bias: bias, hasResidual: false, appliesGELU: true, precision: precision,
                              workspace: tiles.workspace)
    }

    var description: String { "Linear(\(inputWidth) → \(outputWidth)\(appliesGELU ? ", GELU" : "")\(hasResidual ? ", residual" : ""))" }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        guard let input = inputs.first ?? nil, input.type.dataType == .float, input.type.shape.last == inputWidth else {
            throw GlamError.invalidModel("\(label): the input must be FLOAT [..., \(inputWidth)]")
        }
        var shape = input.type.shape
        shape[shape.count - 1] = outputWidth
        if hasResidual {
            guard inputs.count == 2, let residual = inputs[1], residual.type == TensorType(.float, shape) else {
                throw GlamError.invalidModel("\(label): the residual must be FLOAT \(shape)")
            }
        }
        rows = input.type.shape.dropLast().reduce(1, *)
        if precision == .bfloat16 && bf16Product == nil && rows > 0 {
            guard let weights else {
                throw GlamError.invalidModel("\(label): bfloat16 needs the unpacked weights")
            }
            var message = [CChar](repeating: 0, count: 256)
            let created = glam_bf16_matmul_create(rows, inputWidth, outputWidth, weights.pointer(as: Float.self), 1,
                                                  &message, message.count)
            guard let created else {
                let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw GlamError.unsupported("\(label): \(text); use FLOAT precision on this CPU")
            }
            bf16Product = created
        }
        return [TensorType(.float, shape)]
    }

    var flops: Int { 2 * rows * inputWidth * outputWidth }

    /// The packed weights, which the plan's memory limit counts like working memory.
    var scratchByteCount: Int { packedWeights?.byteCount ?? 0 }

    /// True when a run goes to the GEMM tiles rather than to BLAS or oneDNN's bf16 matmul. Packed
    /// weights fix that choice when the plan is built.
    private var usesGEMMTiles: Bool { bf16Product == nil && (packedWeights != nil || BLAS.usesTiles) }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        guard rows > 0, outputWidth > 0 else { return }
        let x = try inputs.at(0).pointer(as: Float.self)
        let y = outputs[0].pointer(as: Float.self)
        let residual = hasResidual ? try inputs.at(1).pointer(as: Float.self) : nil
        if usesGEMMTiles && inputWidth > 0 {
            try runTiles(x, residual, y)
        } else {
            try runWithBLAS(x, residual, y)
        }
    }

    private func runTiles(_ x: UnsafeMutablePointer<Float>, _ residual: UnsafeMutablePointer<Float>?,
                          _ y: UnsafeMutablePointer<Float>) throws {
        try bias.withUnsafeBufferPointer { b in
            try tiles.run(glam_gemm_problem(
                rows: rows, inner: inputWidth, columns: outputWidth, a: x, lda: inputWidth,
                b: weights?.pointer(as: Float.self), ldb: outputWidth, transpose_b: 0, c: y, ldc: outputWidth,
                bias: b.baseAddress, row_bias: nil, residual: residual, ld_residual: outputWidth,
                gelu: appliesGELU ? 1 : 0, tile_columns: 0,
                packed_b: packedWeights.map { UnsafePointer($0.pointer.assumingMemoryBound(to: Float.self)) }))
        }
    }

    private func runWithBLAS(_ x: UnsafeMutablePointer<Float>, _ residual: UnsafeMutablePointer<Float>?,
                             _ y: UnsafeMutablePointer<Float>) throws {
        let n = outputWidth
        bias.withUnsafeBufferPointer { b in
            guard let bias = b.baseAddress else { return }
            if let residual {
                for row in 0..<rows {
                    let out = y + row * n
                    let previous = residual + row * n
                    for column in 0..<n { out[column] = previous[column] + bias[column] }
                }
            } else {
                for row in 0..<rows {
                    (y + row * n).update(from: bias, count: n)
                }
            }
        }
        if let bf16Product {
            guard glam_bf16_matmul_run(bf16Product, x, y) == 0 else {
                throw GlamError(.outOfMemory, "\(label): the oneDNN bf16 matmul failed")
            }
        } else {
            guard let weights else {
                throw GlamError.invalidModel("\(label): the weights were packed for libglam's tiles, which this run cannot use")
            }
            try BLAS.gemm(Float.self, transposeA: false, transposeB: false, m: rows, n: n, k: inputWidth,
                          alpha: 1, a: x, lda: inputWidth, b: weights.pointer(as: Float.self), ldb: n, beta: 1, c: y, ldc: n)
        }
        if appliesGELU {
            glam_kernel_gelu(y, y, rows * n)
        }
    }
}
