import CKernels

/// Gemm: `Y = alpha · op(A) · op(B) + beta · C` with `transA`/`transB`, C optional (opset 11+) and
/// broadcast to (M, N). FLOAT and DOUBLE, via BLAS.
final class GemmOperator: Operator {
    private let node: Node
    private var transposeA = false
    private var transposeB = false
    private var alpha: Float = 1
    private var beta: Float = 1
    private var m = 0
    private var n = 0
    private var k = 0
    /// True when M·N·K reaches `BLAS.smallProductLimit`, below which OpenBLAS is faster than the tiles.
    private var tileSized = false
    /// The layout of C broadcast to [M, N], when C is present.
    private var biasLayout: BroadcastLayout?

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let a = try inputs.required(0, of: node)
        let b = try inputs.required(1, of: node)
        let reader = AttributeReader(node: node)
        transposeA = try reader.int("transA", default: 0) != 0
        transposeB = try reader.int("transB", default: 0) != 0
        alpha = try reader.float("alpha", default: 1)
        beta = try reader.float("beta", default: 1)
        try BLAS.requireGEMMType(a.type.dataType, node: node)
        guard a.type.shape.count == 2, b.type.shape.count == 2, b.type.dataType == a.type.dataType else {
            throw GlamError.invalidModel("\(node.label): A and B must be matrices of one type, got \(a.type) and \(b.type)")
        }
        m = transposeA ? a.type.shape[1] : a.type.shape[0]
        k = transposeA ? a.type.shape[0] : a.type.shape[1]
        let kB = transposeB ? b.type.shape[1] : b.type.shape[0]
        n = transposeB ? b.type.shape[0] : b.type.shape[1]
        guard k == kB else {
            throw GlamError.invalidModel("\(node.label): inner dimensions differ: \(a.type.shape) and \(b.type.shape)")
        }
        let product = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k).partialValue
        tileSized = product >= BLAS.smallProductLimit
        if let c = inputs.optional(2) {
            let broadcast = try Shape.broadcast([c.type.shape, [m, n]], context: node.label)
            guard broadcast == [m, n], c.type.dataType == a.type.dataType else {
                throw GlamError.invalidModel("\(node.label): C of \(c.type) does not broadcast to [\(m), \(n)]")
            }
            biasLayout = BroadcastLayout(outputShape: [m, n], operandShapes: [c.type.shape])
        }
        return [TensorType(a.type.dataType, [m, n])]
    }

    var flops: Int { 2 * m * n * k }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let a = try inputs.at(0)
        if a.dataType == .float {
            try compute(Float.self, inputs, outputs[0])
        } else {
            try compute(Double.self, inputs, outputs[0])
        }
    }

    private func compute<Element: BinaryFloatingPoint>(_ type: Element.Type, _ inputs: [Tensor?], _ output: Tensor) throws {
        let a = try inputs.at(0)
        let b = try inputs.at(1)
        let y = output.pointer(as: Element.self)
        var accumulate: Element = 0
        let bias = inputs.count > 2 && beta != 0 ? inputs[2] : nil

        // The usual exported linear layer, Y = A · Bᵀ + c with c one row, runs in the tiles
        // with c as their bias epilogue.
        if Element.self == Float.self, alpha == 1, beta == 1, !transposeA, tileSized, BLAS.usesTiles,
           bias == nil || bias?.count == n {
            try BLAS.multiplyInTiles(glam_gemm_problem(
                rows: m, inner: k, columns: n, a: a.pointer(as: Float.self), lda: a.shape[1],
                b: b.pointer(as: Float.self), ldb: b.shape[1], transpose_b: transposeB ? 1 : 0,
                c: output.pointer(as: Float.self), ldc: n, bias: bias?.pointer(as: Float.self), row_bias: nil,
                residual: nil, ld_residual: n, gelu: 0, tile_columns: 0, packed_b: nil))
            return
        }

        if let c = bias {
            try BroadcastCopy.run(c, into: output, layout: biasLayout)
            if beta != 1 {
                let scale = Element(beta)
                for index in 0..<output.count { y[index] *= scale }
            }
            accumulate = 1
        }
        try BLAS.gemm(Element.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                      alpha: Element(alpha), a: a.pointer(as: Element.self), lda: a.shape[1],
                      b: b.pointer(as: Element.self), ldb: b.shape[1],
                      beta: accumulate, c: y, ldc: n)
    }
}
