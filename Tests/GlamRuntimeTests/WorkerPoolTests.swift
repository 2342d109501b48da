#if canImport(Glibc)
import Glibc
#endif
@testable import GlamRuntime
import XCTest

/// The worker pool's closure loops, which check that no thread keeps the closure after the loop.
final class WorkerPoolTests: XCTestCase {
    func testClosureLoopsCoverEveryIndexAndReturn() {
        let previous = Threading.threadCount
        Threading.setThreadCount(2)
        defer { Threading.setThreadCount(previous) }

        // Each loop starts after the workers have gone to sleep, as at plan time, so that the
        // caller may finish the loop before a worker wakes up. A worker that still held the
        // closure when the caller returned would trap here.
        for count in 2..<200 {
            usleep(1_000)
            let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
            sums.initialize(repeating: 0)
            WorkerPool.shared.parallelFor(count) { index, _ in
                var sum = 0.0
                for step in 0..<2_000 { sum += Double(step % (index + 2)) }
                sums[index] = sum
            }
            XCTAssertTrue(sums.allSatisfy { $0 > 0 }, "loop of \(count)")
            sums.deallocate()
        }
    }
}
