import GlamRuntime
import XCTest

/// Results must not depend on how many threads OpenBLAS uses.
final class ThreadCountTests: XCTestCase {
    override func tearDown() {
        Threading.setThreadCount(2)
    }

    func testOneAndTwoThreadsAgree() throws {
        let folder = FixturePaths.bundle("glam-demo")
        let test = try BackendTest(modelPath: folder + "/encoder.onnx")
        let feeds = try test.inputs(of: folder + "/encoder/test_data_set_0")
        let plan = try Plan(model: test.model, inputShapes: feeds.mapValues(\.shape))

        Threading.setThreadCount(1)
        let single = try plan.run(feeds)
        Threading.setThreadCount(2)
        let double = try plan.run(feeds)

        for (name, tensor) in single {
            let other = try XCTUnwrap(double[name])
            let comparison = Comparison.compare(other, tensor, tolerance: Tolerance(absolute: 1e-5))
            print("\(name): 1 vs 2 threads max abs diff \(comparison.maxAbsoluteDifference)")
            XCTAssertLessThanOrEqual(comparison.maxAbsoluteDifference, 1e-5, name)
        }
    }
}
