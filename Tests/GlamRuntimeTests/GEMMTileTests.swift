import CKernels
@testable import GlamRuntime
import XCTest

/// libglam's AVX-512 GEMM tiles against a double-precision reference, on shapes that leave
/// partial micro-kernel rows, partial column strips and several slices of the inner dimension.
final class GEMMTileTests: XCTestCase {
    private struct Case {
        let rows: Int
        let inner: Int
        let columns: Int
        let bias: Bool
        var rowBias = false
        var transposedB = false
        let gelu: Bool
        let residual: Bool
        /// Columns per tile; 0 for the default.
        var tileColumns = 0
        /// B is packed once with glam_gemm_pack_b and the tiles read that copy.
        var prepacked = false
    }

    private let cases = [
        Case(rows: 1, inner: 1, columns: 1, bias: false, gelu: false, residual: false),
        Case(rows: 13, inner: 7, columns: 31, bias: true, gelu: false, residual: false),
        Case(rows: 15, inner: 385, columns: 33, bias: true, gelu: true, residual: false),
        Case(rows: 197, inner: 800, columns: 513, bias: true, gelu: false, residual: true),
        Case(rows: 29, inner: 96, columns: 1030, bias: false, gelu: true, residual: true),
        Case(rows: 17, inner: 588, columns: 70, bias: false, rowBias: true, gelu: false, residual: false),
        Case(rows: 30, inner: 401, columns: 45, bias: true, transposedB: true, gelu: false, residual: false),
        Case(rows: 81, inner: 384, columns: 400, bias: true, gelu: true, residual: true, tileColumns: 96),
        Case(rows: 20, inner: 50, columns: 70, bias: true, gelu: false, residual: false, tileColumns: 33),
        Case(rows: 197, inner: 800, columns: 513, bias: true, gelu: true, residual: true, prepacked: true),
        Case(rows: 30, inner: 401, columns: 45, bias: true, transposedB: true, gelu: false, residual: false,
             tileColumns: 32, prepacked: true),
    ]

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
    }

    private func expected(_ c: Case, a: [Float], b: [Float], bias: [Float], rowBias: [Float], residual: [Float]) -> [Double] {
        var result = [Double](repeating: 0, count: c.rows * c.columns)
        for row in 0..<c.rows {
            for column in 0..<c.columns {
                var sum = (c.bias ? Double(bias[column]) : 0) + (c.rowBias ? Double(rowBias[row]) : 0)
                for k in 0..<c.inner {
                    let weight = c.transposedB ? b[column * c.inner + k] : b[k * c.columns + column]
                    sum += Double(a[row * c.inner + k]) * Double(weight)
                }
                if c.gelu {
                    sum = 0.5 * sum * (1 + erf(sum / 2.0.squareRoot()))
                }
                if c.residual {
                    sum += Double(residual[row * c.columns + column])
                }
                result[row * c.columns + column] = sum
            }
        }
        return result
    }

    func testTilesMatchReference() throws {
        try XCTSkipIf(glam_gemm_supported() == 0, "libglam's GEMM tiles need AVX-512F")
        let workspace = try TensorBuffer(byteCount: ThreadScratch.gemmBytesPerThread)
        let scratch = workspace.pointer.assumingMemoryBound(to: Float.self)
        for (index, c) in cases.enumerated() {
            let seed = UInt64(index * 4)
            let a = values(c.rows * c.inner, seed: seed + 1)
            let b = values(c.inner * c.columns, seed: seed + 2)
            let bias = values(c.columns, seed: seed + 3)
            let residual = values(c.rows * c.columns, seed: seed + 4)
            let rowBias = values(c.rows, seed: seed + 5)
            var output = [Float](repeating: .nan, count: c.rows * c.columns)

            let packed = try TensorBuffer(byteCount: glam_gemm_packed_b_floats(c.inner, c.columns) * 4)
            if c.prepacked {
                XCTAssertEqual(glam_gemm_pack_b(b, c.transposedB ? c.inner : c.columns, c.transposedB ? 1 : 0, c.inner,
                                                c.columns, packed.pointer.assumingMemoryBound(to: Float.self)), 0)
            }

            // Concatenated so that one closure reaches every operand.
            let operands = a + b + bias + rowBias + residual
            let status: [Int32] = operands.withUnsafeBufferPointer { all in
                output.withUnsafeMutableBufferPointer { output in
                    guard let base = all.baseAddress else { return [] }
                    let bBase = base + a.count
                    let biasBase = bBase + b.count
                    let rowBiasBase = biasBase + bias.count
                    let residualBase = rowBiasBase + rowBias.count
                    var problem = glam_gemm_problem(
                        rows: c.rows, inner: c.inner, columns: c.columns, a: base, lda: c.inner,
                        b: bBase, ldb: c.transposedB ? c.inner : c.columns, transpose_b: c.transposedB ? 1 : 0,
                        c: output.baseAddress, ldc: c.columns,
                        bias: c.bias ? biasBase : nil, row_bias: c.rowBias ? rowBiasBase : nil,
                        residual: c.residual ? residualBase : nil, ld_residual: c.columns, gelu: c.gelu ? 1 : 0,
                        tile_columns: c.tileColumns,
                        packed_b: c.prepacked ? UnsafePointer(packed.pointer.assumingMemoryBound(to: Float.self)) : nil)
                    // Tiles in reverse order, as another thread might take them.
                    let count = glam_gemm_tile_count(&problem)
                    return (0..<count).reversed().map { glam_gemm_tile(&problem, $0, scratch) }
                }
            }
            XCTAssertEqual(Set(status), [0], "case \(c)")

            let reference = expected(c, a: a, b: b, bias: bias, rowBias: rowBias, residual: residual)
            var worst = 0.0
            for i in 0..<reference.count {
                worst = max(worst, abs(Double(output[i]) - reference[i]))
            }
            // Float sums of up to 800 products of values in [-0.5, 0.5] round to about 1e-5 (1.07e-5
            // measured on the largest case). A wrong index or a missed slice errs by 0.01 or more.
            XCTAssertLessThanOrEqual(worst, 5e-5, "case \(c): max abs diff \(worst)")
        }
    }

    func testTileOutOfRangeIsRejected() throws {
        try XCTSkipIf(glam_gemm_supported() == 0, "libglam's GEMM tiles need AVX-512F")
        let workspace = try TensorBuffer(byteCount: ThreadScratch.gemmBytesPerThread)
        let a = [Float](repeating: 1, count: 1)
        a.withUnsafeBufferPointer { a in
            var problem = glam_gemm_problem(rows: 1, inner: 1, columns: 1, a: a.baseAddress, lda: 1, b: a.baseAddress, ldb: 1,
                                            transpose_b: 0, c: nil, ldc: 1, bias: nil, row_bias: nil, residual: nil,
                                            ld_residual: 1, gelu: 0, tile_columns: 0, packed_b: nil)
            XCTAssertEqual(glam_gemm_tile_count(&problem), 1)
            XCTAssertEqual(glam_gemm_tile(&problem, 1, workspace.pointer.assumingMemoryBound(to: Float.self)), -1)
            XCTAssertEqual(glam_gemm_tile(&problem, 0, nil), -1)
        }
    }

    func testNarrowTilesForFewRows() {
        // GLAM's 81 regions by 384 columns: one row tile, so the columns are split for two threads.
        let regions = glam_gemm_problem(rows: 81, inner: 384, columns: 384, a: nil, lda: 384, b: nil, ldb: 384,
                                        transpose_b: 0, c: nil, ldc: 384, bias: nil, row_bias: nil, residual: nil,
                                        ld_residual: 384, gelu: 0, tile_columns: 0, packed_b: nil)
        XCTAssertEqual(TileGEMM.tileColumns(for: regions, threads: 2), 96)
        XCTAssertEqual(TileGEMM.tileColumns(for: regions, threads: 1), 0)

        // Enough row tiles already: the default width stays.
        var tokens = regions
        tokens.rows = 2748
        XCTAssertEqual(TileGEMM.tileColumns(for: tokens, threads: 2), 0)
    }
}
