import Foundation
import GlamImageIO
import GlamMammography
import GlamPipeline
import XCTest

/// One model shared by several threads gives each of them the single-threaded results: the
/// encoder's bit for bit, the alignment head's to within 1e-6.
final class ConcurrencyTests: XCTestCase {
    func testEightThreadsShareOneModel() throws {
        let model = try GlamModel(bundlePath: EndToEndTests.bundle)
        let cc = try EndToEndTests.stored("L-CC")
        let mlo = try EndToEndTests.stored("L-MLO")
        let reference = try model.encode(cc: cc, mlo: mlo, laterality: .left)
        let referenceAlignment = try model.align(reference)

        let threads = 8
        let rounds = 2
        let results = Results()
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for round in 0..<rounds {
                    do {
                        let pair = try model.encode(cc: cc, mlo: mlo, laterality: .left)
                        let alignment = try model.align(pair)
                        var problems: [String] = []
                        // The encoder is bit-identical; oneDNN's multi-threaded sgemm may round the
                        // alignment head's products differently when host threads run it at once
                        // (measured: at most 1.5e-8), so those are compared to 1e-6.
                        if pair.cc.embedding != reference.cc.embedding { problems.append("CC embedding") }
                        if pair.mlo.embedding != reference.mlo.embedding { problems.append("MLO embedding") }
                        if pair.mlo.patchTokens != reference.mlo.patchTokens { problems.append("MLO patch tokens") }
                        for (name, values, expected) in [("cc_to_mlo", alignment.ccToMlo, referenceAlignment.ccToMlo),
                                                         ("cc_regions", alignment.ccRegions, referenceAlignment.ccRegions)] {
                            let difference = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
                            if values.count != expected.count || difference > 1e-6 {
                                problems.append("\(name) (max abs diff \(difference))")
                            }
                        }
                        results.record(problems.map { "thread \(thread) round \(round): \($0)" })
                    } catch {
                        results.fail("thread \(thread) round \(round): \(error)")
                    }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 300), .success, "threads did not finish within 300 s")
        XCTAssertEqual(results.failures, [])
        XCTAssertEqual(results.mismatches, [], "results must be identical to the single-threaded run")
        XCTAssertEqual(results.completed, threads * rounds)
    }
}

/// What the worker threads report, behind a lock.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var mismatches: [String] = []
    private(set) var failures: [String] = []
    private(set) var completed = 0

    func record(_ problems: [String]) {
        lock.lock()
        mismatches += problems
        completed += 1
        lock.unlock()
    }

    func fail(_ message: String) {
        lock.lock()
        failures.append(message)
        lock.unlock()
    }
}
