import CKernels

/// Per-thread working memory for the AVX-512 GEMM tiles (`glam_gemm_tile`), shared by all fused
/// linear layers of one plan.
///
/// A plan runs its steps one after another and serves one run at a time, so its linear layers
/// can share one set of buffers instead of holding one each (0.75 MiB per thread).
final class GEMMWorkspace {
    private var buffers: [TensorBuffer] = []
    /// Base pointers of `buffers`, so that a run does not rebuild the array.
    private(set) var pointers: [UnsafeMutablePointer<Float>] = []

    /// Bytes one thread needs.
    static var bytesPerThread: Int { Int(glam_gemm_workspace_floats()) * 4 }

    /// Grows the set to `threads` buffers; allocates only when the thread count rose since the last call.
    func reserve(threads: Int) throws {
        guard buffers.count < threads else { return }
        buffers += try (buffers.count..<threads).map { _ in try TensorBuffer(byteCount: GEMMWorkspace.bytesPerThread) }
        pointers = buffers.map { $0.pointer.assumingMemoryBound(to: Float.self) }
    }
}
