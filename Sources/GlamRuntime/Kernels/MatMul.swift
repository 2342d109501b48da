/// MatMul: numpy matmul semantics, batched with broadcast batch dimensions; 1-D operands are
/// promoted to matrices and the added axis removed from the result. FLOAT and DOUBLE, via BLAS.
final class MatMulOperator: Operator {
    private let node: Node
    private var m = 0
    private var n = 0
    private var k = 0
    private var batchShape: [Int] = []
    private var shapeA: [Int] = []
    private var shapeB: [Int] = []
    /// True when every batch of A multiplies the same B, so all of A runs as one taller GEMM.
    private var sharedRightOperand = false
    /// Per output batch, the batch index of A and of B after broadcasting.
    private var batchOperands: [(a: Int, b: Int)] = []

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let a = try inputs.required(0, of: node)
        let b = try inputs.required(1, of: node)
        guard a.type.dataType == b.type.dataType else {
            throw GlamError.invalidModel("\(node.label): inputs mix \(a.type.dataType) and \(b.type.dataType)")
        }
        try BLAS.requireGEMMType(a.type.dataType, node: node)
        guard !a.type.shape.isEmpty, !b.type.shape.isEmpty else {
            throw GlamError.invalidModel("\(node.label): MatMul inputs must have rank 1 or more")
        }

        shapeA = a.type.shape.count == 1 ? [1, a.type.shape[0]] : a.type.shape
        shapeB = b.type.shape.count == 1 ? [b.type.shape[0], 1] : b.type.shape
        m = shapeA[shapeA.count - 2]
        k = shapeA[shapeA.count - 1]
        n = shapeB[shapeB.count - 1]
        guard shapeB[shapeB.count - 2] == k else {
            throw GlamError.invalidModel("\(node.label): cannot multiply \(a.type.shape) by \(b.type.shape)")
        }
        batchShape = try Shape.broadcast([Array(shapeA.dropLast(2)), Array(shapeB.dropLast(2))], context: node.label)

        let batchA = Array(shapeA.dropLast(2))
        let batchB = Array(shapeB.dropLast(2))
        sharedRightOperand = batchB.reduce(1, *) == 1 && batchA == batchShape
        batchOperands = []
        if !sharedRightOperand {
            let stridesA = Shape.broadcastStrides(batchA, to: batchShape)
            let stridesB = Shape.broadcastStrides(batchB, to: batchShape)
            let batchStrides = Shape.strides(batchShape)
            let batchCount = try Shape.elementCount(batchShape, context: node.label)
            batchOperands.reserveCapacity(batchCount)
            for batch in 0..<batchCount {
                var operands = (a: 0, b: 0)
                var remainder = batch
                for axis in 0..<batchShape.count {
                    let index = remainder / batchStrides[axis]
                    remainder %= batchStrides[axis]
                    operands.a += index * stridesA[axis]
                    operands.b += index * stridesB[axis]
                }
                batchOperands.append(operands)
            }
        }

        var outputShape = batchShape
        if a.type.shape.count > 1 { outputShape.append(m) }
        if b.type.shape.count > 1 { outputShape.append(n) }
        return [TensorType(a.type.dataType, outputShape)]
    }

    var flops: Int { 2 * batchShape.reduce(1, *) * m * n * k }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let a = try inputs.at(0)
        let b = try inputs.at(1)
        if a.dataType == .float {
            try multiply(Float.self, a, b, outputs[0])
        } else {
            try multiply(Double.self, a, b, outputs[0])
        }
    }

    private func multiply<Element: BinaryFloatingPoint>(_ type: Element.Type, _ a: Tensor, _ b: Tensor, _ output: Tensor) throws {
        let x = a.pointer(as: Element.self)
        let y = b.pointer(as: Element.self)
        let z = output.pointer(as: Element.self)

        // A shared right operand (a weight matrix) lets all batches of A run as one taller GEMM.
        if sharedRightOperand {
            let rows = batchShape.reduce(1, *) * m
            try BLAS.gemm(Element.self, transposeA: false, transposeB: false, m: rows, n: n, k: k,
                          alpha: 1, a: x, lda: k, b: y, ldb: n, beta: 0, c: z, ldc: n)
            return
        }

        for (batch, operands) in batchOperands.enumerated() {
            let (offsetA, offsetB) = operands
            try BLAS.gemm(Element.self, transposeA: false, transposeB: false, m: m, n: n, k: k,
                          alpha: 1, a: x + offsetA * m * k, lda: k, b: y + offsetB * k * n, ldb: n,
                          beta: 0, c: z + batch * m * n, ldc: n)
        }
    }
}
