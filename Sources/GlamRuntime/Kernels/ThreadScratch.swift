import CKernels

/// Per-thread working memory of one size, for kernels whose parallel jobs each need a buffer
/// (`glam_gemm_tile`, `glam_kernel_attention_block`), indexed by the `worker` of a parallel loop.
///
/// A plan runs its steps one after another and serves one run at a time, so its fused linear
/// layers share one set (`gemm`, 0.75 MiB per thread) instead of holding one each.
final class ThreadScratch {
    /// Bytes of each thread's buffer, 64-byte aligned.
    let bytesPerThread: Int
    private var buffers: [TensorBuffer] = []
    /// Base pointers of the buffers, so that a run does not rebuild the array.
    private(set) var pointers: [UnsafeMutablePointer<Float>] = []

    /// Bytes one thread needs for libglam's GEMM tiles.
    static var gemmBytesPerThread: Int { Int(glam_gemm_workspace_floats()) * 4 }

    init(bytesPerThread: Int) {
        self.bytesPerThread = bytesPerThread
    }

    /// Creates a set sized for libglam's GEMM tiles.
    static func gemm() -> ThreadScratch {
        ThreadScratch(bytesPerThread: gemmBytesPerThread)
    }

    /// Grows the set to `threads` buffers; allocates only when the thread count rose since the last call.
    func reserve(threads: Int) throws {
        guard buffers.count < threads else { return }
        buffers += try (buffers.count..<threads).map { _ in try TensorBuffer(byteCount: bytesPerThread) }
        pointers = buffers.map { $0.pointer.assumingMemoryBound(to: Float.self) }
    }
}
