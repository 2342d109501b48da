import CDNNL
import COpenBLAS
import CKernels

/// Row-major GEMM: `C = alpha · op(A) · op(B) + beta · C`.
///
/// FLOAT products with A untransposed, alpha 1 and beta 0 go to libglam's AVX-512 tiles when the
/// CPU has AVX-512 and `Threading` keeps the default backend. The others go to that backend
/// (oneDNN by default, OpenBLAS on request). DOUBLE always goes to OpenBLAS. Every
/// dimension is checked to fit CBLAS's 32-bit integers.
enum BLAS {
    /// Products below this many multiply-adds go to OpenBLAS, which runs them on the calling
    /// thread without oneDNN's one-time kernel generation (about 50 ms at the first call of a
    /// process) or an OpenMP fork; measured on the alignment heads, whose GEMMs are 81 × 96 × 96.
    static let smallProductLimit = 1 << 20


    static func gemm<Element: BinaryFloatingPoint>(
        _ type: Element.Type,
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Element, a: UnsafePointer<Element>, lda: Int,
        b: UnsafePointer<Element>, ldb: Int,
        beta: Element, c: UnsafeMutablePointer<Element>, ldc: Int
    ) throws {
        let limit = Int(Int32.max)
        guard m <= limit, n <= limit, k <= limit, lda <= limit, ldb <= limit, ldc <= limit else {
            throw GlamError(.outOfMemory, "GEMM of \(m)×\(k) by \(k)×\(n) exceeds the 32-bit BLAS interface")
        }
        if m == 0 || n == 0 {
            return
        }
        if k == 0 {
            // BLAS rejects a zero leading dimension; the product is empty, so only beta acts.
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] *= beta }
            }
            return
        }
        let orderA = transposeA ? CblasTrans : CblasNoTrans
        let orderB = transposeB ? CblasTrans : CblasNoTrans
        let product = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k).partialValue
        let small = product < smallProductLimit
        let folding = glam_thread_folding() != 0
        if Element.self == Float.self && !small && !transposeA && beta == 0 && alpha == 1 && usesTiles {
            let problem = glam_gemm_problem(
                rows: m, inner: k, columns: n,
                a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
                b: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb, transpose_b: transposeB ? 1 : 0,
                c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc,
                bias: nil, row_bias: nil, residual: nil, ld_residual: ldc, gelu: 0, tile_columns: 0, packed_b: nil)
            try multiplyInTiles(problem)
        } else if Element.self == Float.self && Threading.gemmBackend == .oneDNN && !small && !folding {
            // NOTE: oneDNN 2.6's dnnl_sgemm allocates its packing buffers inside every call. Plans
            // reach it only without AVX-512 or for products the tiles do not take (transposed A,
            // alpha ≠ 1 or beta ≠ 0), and those plans allocate per run.
            let status = dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78, Int64(m), Int64(n), Int64(k),
                                    Float(alpha), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int64(lda),
                                    UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int64(ldb),
                                    Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int64(ldc))
            guard status == dnnl_success else {
                throw GlamError(.outOfMemory, "oneDNN sgemm of \(m)×\(k) by \(k)×\(n) failed with status \(status.rawValue)")
            }
        } else if Element.self == Float.self {
            cblas_sgemm(CblasRowMajor, orderA, orderB, Int32(m), Int32(n), Int32(k),
                        Float(alpha), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb),
                        Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else if Element.self == Double.self {
            cblas_dgemm(CblasRowMajor, orderA, orderB, Int32(m), Int32(n), Int32(k),
                        Double(alpha), UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb),
                        Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        } else {
            throw GlamError.unsupported("GEMM on \(Element.self) is not supported; use FLOAT or DOUBLE")
        }
    }

    /// True when FLOAT products may go to libglam's AVX-512 tiles: the CPU has AVX-512 and the
    /// default backend is chosen (`GLAM_GEMM=openblas` keeps every product on OpenBLAS).
    static var usesTiles: Bool { Threading.gemmBackend == .oneDNN && glam_gemm_supported() != 0 }

    /// Computes a product in libglam's AVX-512 tiles, which allocate nothing per call, unlike
    /// oneDNN's sgemm. The tiles run over the worker threads, except inside a parallel loop
    /// (where each thread's OpenMP team is 1) and while constants are folded at load, where they
    /// run on the calling thread.
    static func multiplyInTiles(_ problem: glam_gemm_problem) throws {
        if omp_get_max_threads() > 1 && glam_thread_folding() == 0 {
            try TileGEMM.shared.run(problem)
            return
        }
        let status = withUnsafePointer(to: problem) { glam_gemm_serial($0) }
        guard status == 0 else {
            throw GlamError(.outOfMemory, "GEMM of \(problem.rows)×\(problem.inner) by \(problem.inner)×\(problem.columns) failed in libglam's AVX-512 tiles")
        }
    }

    static func requireGEMMType(_ dataType: DataType, node: Node) throws {
        guard dataType == .float || dataType == .double else {
            throw GlamError.unsupported("\(node.label): data type \(dataType) is not supported; expected FLOAT or DOUBLE")
        }
    }
}
