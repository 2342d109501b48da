#if canImport(Glibc)
import Glibc
#endif
import CDNNL
import CKernels
import Synchronization

/// Persistent worker threads for libglam's own parallel loops (attention heads, row blocks).
///
/// `parallelFor` splits `0..<count` over the calling thread and up to `Threading.threadCount - 1`
/// workers, each taking the next index until none are left. Inside the loop, GEMMs run
/// single-threaded (each thread's OpenMP team is set to 1), so the loop's threads and
/// oneDNN's never compete for cores. Calls from several host threads are serialised.
///
/// A plan's steps start loops a few microseconds apart, and waking a thread that sleeps on a
/// condition variable took longer than that on the VMs measured. So after a loop, workers and
/// the caller first spin on an atomic counter for about a tenth of a millisecond, and sleep only
/// when no work came (between runs). They do not spin when there are more threads than CPUs.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// PAUSE instructions a thread spins before it sleeps: about 0.1 ms at 40 ns each.
    private static let spinLimit = 2_500

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let callerLock = Mutex()
    private var workers: [pthread_t] = []
    /// Per worker, the generation when it was started, so that it joins the loop that started it
    /// even when it first runs after that loop was published. Guarded by `mutex`.
    private var launchGenerations: [Int] = []
    private let processors = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// The loop in progress. Written by the caller before it publishes a new `generation`, read
    /// by the workers after they see it.
    private var job: ParallelJob?
    private var count = 0
    /// Atomic because workers that sit out a loop read them while the caller may already be
    /// starting the next one.
    private let participants = Atomic<Int>(0)
    private let spins = Atomic<Int>(0)
    /// Raised once per loop; workers compare it with the last loop they joined.
    private let generation = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    /// Workers of the loop in progress that have not finished it.
    private let active = Atomic<Int>(0)

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
        while workers.count < threads - 1, startWorker() {}
        // A thread that could not be started leaves its share to the others.
        let threads = min(threads, workers.count + 1)
        self.job = job
        self.count = count
        participants.store(threads - 1, ordering: .relaxed)
        spins.store(Threading.threadCount <= processors ? WorkerPool.spinLimit : 0, ordering: .relaxed)
        next.store(0, ordering: .relaxed)
        active.store(threads - 1, ordering: .relaxed)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        // The caller is worker 0 and runs its GEMMs single-threaded too.
        let previousTeam = omp_get_max_threads()
        omp_set_num_threads(1)
        drain(job, worker: 0)
        omp_set_num_threads(previousTeam)

        var spun = 0
        let limit = spins.load(ordering: .relaxed)
        while active.load(ordering: .acquiring) > 0 && spun < limit {
            glam_cpu_relax()
            spun += 1
        }
        pthread_mutex_lock(mutex)
        while active.load(ordering: .acquiring) > 0 {
            pthread_cond_wait(done, mutex)
        }
        self.job = nil
        pthread_mutex_unlock(mutex)
    }

    /// Takes indices until none are left.
    private func drain(_ job: ParallelJob, worker: Int) {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            job.run(index: index, worker: worker)
        }
    }

    /// Starts worker `workers.count + 1`. The identifier travels in the thread argument itself,
    /// so no context object is allocated that the never-ending worker would keep alive.
    @discardableResult
    private func startWorker() -> Bool {
        let identifier = workers.count + 1
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { argument in
            WorkerPool.shared.workerLoop(identifier: Int(bitPattern: argument))
            return nil
        }, UnsafeMutableRawPointer(bitPattern: identifier)) == 0 else {
            return false
        }
        pthread_detach(thread)
        workers.append(thread)
        launchGenerations.append(generation.load(ordering: .relaxed))
        return true
    }

    private func workerLoop(identifier: Int) {
        omp_set_num_threads(1)
        pthread_mutex_lock(mutex)
        var seen = launchGenerations[identifier - 1]
        pthread_mutex_unlock(mutex)
        while true {
            seen = waitForLoop(after: seen)
            guard identifier <= participants.load(ordering: .relaxed) else { continue }
            join(worker: identifier)
            if active.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(done)
                pthread_mutex_unlock(mutex)
            }
        }
    }

    /// Runs this worker's share of the loop in progress. A separate call so that the worker's
    /// reference to the job ends before it reports the loop done: `parallelFor(_:_:)` checks
    /// that no reference to its closure outlives the loop.
    @inline(never)
    private func join(worker: Int) {
        guard let job else { return }
        drain(job, worker: worker)
    }

    /// Returns the generation of the next loop after `seen`: spins for a while, then sleeps.
    private func waitForLoop(after seen: Int) -> Int {
        var spun = 0
        let limit = spins.load(ordering: .relaxed)
        while spun < limit {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            glam_cpu_relax()
            spun += 1
        }
        pthread_mutex_lock(mutex)
        while generation.load(ordering: .acquiring) == seen {
            pthread_cond_wait(wake, mutex)
        }
        pthread_mutex_unlock(mutex)
        return generation.load(ordering: .acquiring)
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
