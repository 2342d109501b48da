import GlamRuntime
import XCTest

/// ONNX's node conformance tests from Debian's libonnx-testdata.
final class ConformanceTests: XCTestCase {
    func testNodeSuitePassesForSupportedOperators() throws {
        let root = ConformanceSuite.debianNodeTestRoot
        XCTAssertTrue(FixturePaths.exists(root), "\(root) is missing; install libonnx-testdata (make deps)")
        let results = try ConformanceSuite(root: root).run()

        var passed = 0
        var failed: [String] = []
        var skippedOperator = 0
        var skippedValueType: [String] = []
        for result in results {
            switch result.outcome {
            case .passed: passed += 1
            case .failed(let reason): failed.append("\(result.name): \(reason)")
            case .skipped: skippedOperator += 1
            case .skippedValueType: skippedValueType.append(result.name)
            }
        }
        print("ONNX node conformance: \(passed) passed, \(failed.count) failed, "
              + "\(skippedOperator) skipped (unsupported operator), \(skippedValueType.count) skipped (sequence/optional value)")

        XCTAssertEqual(failed, [], "node tests with only supported operators must pass")
        // libonnx-testdata 1.12 has 272 node tests whose operators and value types libglam supports.
        XCTAssertGreaterThanOrEqual(passed, 272)
        XCTAssertEqual(skippedValueType.sorted(), ["test_identity_opt", "test_identity_sequence"])
    }

    func testSkippedTestsUseOnlyUnsupportedOperators() throws {
        let root = ConformanceSuite.debianNodeTestRoot
        guard FixturePaths.exists(root) else {
            throw XCTSkip("\(root) is missing; install libonnx-testdata (make deps)")
        }
        for name in ["test_add", "test_gemm_all_attributes", "test_layer_normalization_4d_axis1"] {
            let model = try ModelImporter.load(path: "\(root)/\(name)/model.onnx")
            XCTAssertTrue(model.unsupportedOperators.isEmpty, name)
        }
        let model = try ModelImporter.load(path: "\(root)/test_argmax_default_axis_example/model.onnx")
        XCTAssertEqual(model.unsupportedOperators.map(\.opType), ["ArgMax"])
    }
}
