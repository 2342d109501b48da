import CDNNL
import CKernels

/// Runs FLOAT GEMMs in libglam's AVX-512 tiles (`glam_gemm_tile`) over the worker threads.
///
/// Its job state and workspace are reused from call to call, so a call allocates nothing once
/// the workspace has grown to the thread count. Fused linear layers and convolutions own one
/// each, and the linear layers of a plan share their workspace. `shared` serves `BLAS.gemm`.
/// Its lock admits one product at a time, which the worker pool would serialise anyway.
final class TileGEMM: ParallelJob, @unchecked Sendable {
    static let shared = TileGEMM()

    private let lock = Mutex()
    /// Per-thread working memory of the tiles.
    let workspace: ThreadScratch
    private var workspacePointers: [UnsafeMutablePointer<Float>] = []
    private let problem: UnsafeMutablePointer<glam_gemm_problem> = {
        let pointer = UnsafeMutablePointer<glam_gemm_problem>.allocate(capacity: 1)
        pointer.initialize(to: glam_gemm_problem())
        return pointer
    }()
    private let failureLock = Mutex()
    private var failedTile: Int?

    init(workspace: ThreadScratch = ThreadScratch.gemm()) {
        self.workspace = workspace
    }

    deinit {
        problem.deallocate()
    }

    /// Computes `product` over the worker threads. Must not be called from inside a parallel
    /// loop; `BLAS.gemm` uses `glam_gemm_serial` there.
    func run(_ product: glam_gemm_problem) throws {
        try lock.withLock {
            let threads = max(1, Threading.threadCount)
            try workspace.reserve(threads: threads)
            workspacePointers = workspace.pointers
            failedTile = nil
            problem.pointee = product
            problem.pointee.tile_columns = TileGEMM.tileColumns(for: product, threads: threads)
            let tiles = glam_gemm_tile_count(problem)
            WorkerPool.shared.parallelFor(tiles, job: self)
            if let failedTile {
                throw GlamError(.outOfMemory, "GEMM of \(product.rows)×\(product.inner) by \(product.inner)×\(product.columns): libglam's AVX-512 tiles rejected tile \(failedTile)")
            }
        }
    }

    /// Narrows the tiles of a product with few row tiles, such as a linear layer over GLAM's 81
    /// regions, so that each thread gets at least two; 0 keeps the default width.
    static func tileColumns(for product: glam_gemm_problem, threads: Int) -> Int {
        let rows = Int(GLAM_GEMM_TILE_ROWS)
        let rowTiles = (product.rows + rows - 1) / rows
        let columnTiles = (2 * threads + rowTiles - 1) / max(1, rowTiles)
        guard threads > 1, columnTiles > 1, product.columns > 0 else { return 0 }
        let width = ((product.columns + columnTiles - 1) / columnTiles + 31) / 32 * 32
        return min(Int(GLAM_GEMM_TILE_COLUMNS), width)
    }

    /// Computes one tile of the product in progress; called by `WorkerPool`.
    func run(index: Int, worker: Int) {
        if glam_gemm_tile(problem, index, workspacePointers[worker]) != 0 {
            failureLock.withLock { failedTile = index }
        }
    }
}
