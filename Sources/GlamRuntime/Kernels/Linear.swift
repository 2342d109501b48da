import CKernels

/// A fused linear layer: `y = x · W + b`, optionally scaled per output column and added to a
/// residual: `y = r + (x · W + b) ⊙ γ`, as `LinearFusion` builds it from MatMul, Add, Mul, Add.
///
/// γ is folded into W and b when the plan is built (W·diag(γ), b ⊙ γ), so a run is one pass
/// that writes `r + b′` (or `b′`) into every output row followed by one GEMM accumulating into it.
/// In bfloat16 precision the GEMM is oneDNN's bf16 matmul with W packed once at plan time.
final class LinearOperator: Operator {
    private let label: String
    /// K × N, the model's initializer itself when there is no scale to fold in.
    private let weights: Tensor
    private let bias: [Float]
    private let inputWidth: Int
    private let outputWidth: Int
    private let hasResidual: Bool
    private let precision: PlanOptions.Precision
    private var rows = 0
    private var bf16Product: OpaquePointer?

    /// `weights` is K × N row-major, `bias` and `scale` have N values.
    init(label: String, weights: Tensor, bias: Tensor, scale: Tensor?, hasResidual: Bool,
         precision: PlanOptions.Precision = .float32) throws {
        guard weights.rank == 2, weights.dataType == .float, bias.dataType == .float, bias.count == weights.shape[1] else {
            throw GlamError.invalidModel("\(label): linear fusion needs FLOAT weights [K, N] and a bias of N values")
        }
        let (k, n) = (weights.shape[0], weights.shape[1])
        var folded = weights
        var b = bias.values(as: Float.self)
        if let scale {
            guard scale.count == n, scale.dataType == .float else {
                throw GlamError.invalidModel("\(label): the scale must have \(n) FLOAT values")
            }
            folded = try Tensor(dataType: .float, shape: [k, n])
            let source = weights.pointer(as: Float.self)
            let target = folded.pointer(as: Float.self)
            let gamma = scale.pointer(as: Float.self)
            for row in 0..<k {
                let offset = row * n
                for column in 0..<n { target[offset + column] = source[offset + column] * gamma[column] }
            }
            for column in 0..<n { b[column] *= gamma[column] }
        }
        self.label = label
        self.weights = folded
        self.bias = b
        self.inputWidth = k
        self.outputWidth = n
        self.hasResidual = hasResidual
        self.precision = precision
    }

    deinit {
        glam_bf16_matmul_free(bf16Product)
    }

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

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let x = try inputs.at(0).pointer(as: Float.self)
        let y = outputs[0].pointer(as: Float.self)
        let n = outputWidth
        try bias.withUnsafeBufferPointer { b in
            guard let bias = b.baseAddress else { return }
            if hasResidual {
                let r = try inputs.at(1).pointer(as: Float.self)
                for row in 0..<rows {
                    let out = y + row * n
                    let residual = r + row * n
                    for column in 0..<n { out[column] = residual[column] + bias[column] }
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
            return
        }
        try BLAS.gemm(Float.self, transposeA: false, transposeB: false, m: rows, n: n, k: inputWidth,
                      alpha: 1, a: x, lda: inputWidth, b: weights.pointer(as: Float.self), ldb: n, beta: 1, c: y, ldc: n)
    }
}
