#if canImport(Glibc)
import Glibc
#endif
import CDNNL

/// Persistent worker threads for libglam's own parallel loops (attention heads, row blocks).
///
/// `parallelFor` splits `0..<count` over the calling thread and up to `Threading.threadCount - 1`
/// workers, each taking the next index until none are left. Inside the loop, GEMMs run
/// single-threaded (each thread's OpenMP team is set to 1), so the loop's threads and
/// oneDNN's never compete for cores. Calls from several host threads are serialised.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let callerLock = Mutex()
    private var workers: [pthread_t] = []

    // Job state, guarded by `mutex`.
    private var job: ParallelJob?
    private var count = 0
    private var next = 0
    private var active = 0
    private var generation = 0
    private var participants = 0

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
    }

    /// Runs `body(index, worker)` for every index in `0..<count`; `worker` is in
    /// `0..<Threading.threadCount` and identifies per-thread scratch memory.
    ///
    /// Passing the closure to the workers costs one heap allocation per call; kernels on the
    /// hot path use `parallelFor(_:job:)` instead.
    func parallelFor(_ count: Int, _ body: (Int, Int) -> Void) {
        if min(Threading.threadCount, count) <= 1 {
            for index in 0..<count { body(index, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            parallelFor(count, job: ClosureJob(escapable))
        }
    }

    /// Runs `job.run(index:worker:)` for every index in `0..<count`, as `parallelFor(_:_:)` does,
    /// without allocating: the job is an object its owner keeps between runs.
    func parallelFor(_ count: Int, job: ParallelJob) {
        let threads = min(Threading.threadCount, count)
        if threads <= 1 {
            for index in 0..<count { job.run(index: index, worker: 0) }
            return
        }
        callerLock.withLock {
            run(count: count, threads: threads, job: job)
        }
    }

    private func run(count: Int, threads: Int, job: ParallelJob) {
        pthread_mutex_lock(mutex)
        while workers.count < threads - 1 {
            startWorker()
        }
        self.job = job
        self.count = count
        self.next = 0
        self.participants = threads - 1
        self.active = threads - 1
        generation += 1
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        // The caller is worker 0 and runs its GEMMs single-threaded too.
        let previousTeam = omp_get_max_threads()
        omp_set_num_threads(1)
        drain(worker: 0)
        omp_set_num_threads(previousTeam)

        pthread_mutex_lock(mutex)
        while active > 0 {
            pthread_cond_wait(done, mutex)
        }
        self.job = nil
        pthread_mutex_unlock(mutex)
    }

    /// Takes indices until none are left.
    private func drain(worker: Int) {
        while true {
            pthread_mutex_lock(mutex)
            let index = next
            next += 1
            let current = job
            let limit = count
            pthread_mutex_unlock(mutex)
            guard index < limit, let current else { return }
            current.run(index: index, worker: worker)
        }
    }

    /// Starts worker `workers.count + 1`. The identifier travels in the thread argument itself,
    /// so no context object is allocated that the never-ending worker would keep alive.
    private func startWorker() {
        let identifier = workers.count + 1
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { argument in
            WorkerPool.shared.workerLoop(identifier: Int(bitPattern: argument))
            return nil
        }, UnsafeMutableRawPointer(bitPattern: identifier)) == 0 else {
            return
        }
        pthread_detach(thread)
        workers.append(thread)
    }

    private func workerLoop(identifier: Int) {
        omp_set_num_threads(1)
        var seen = 0
        pthread_mutex_lock(mutex)
        while true {
            while generation == seen || identifier > participants {
                if generation != seen { seen = generation }
                pthread_cond_wait(wake, mutex)
            }
            seen = generation
            pthread_mutex_unlock(mutex)
            drain(worker: identifier)
            pthread_mutex_lock(mutex)
            active -= 1
            if active == 0 {
                pthread_cond_signal(done)
            }
        }
    }
}

/// The body of a parallel loop, kept by its owner so that starting the loop allocates nothing.
/// `run` is called from several threads at once, with distinct indices.
protocol ParallelJob: AnyObject {
    func run(index: Int, worker: Int)
}

/// Adapts a closure to `ParallelJob` for loops off the hot path.
private final class ClosureJob: ParallelJob {
    private let body: (Int, Int) -> Void

    init(_ body: @escaping (Int, Int) -> Void) {
        self.body = body
    }

    func run(index: Int, worker: Int) {
        body(index, worker)
    }
}
