@testable import GlamRuntime
import XCTest

/// The fusion passes fire on GLAM's encoder and change no result beyond rounding.
final class PassTests: XCTestCase {
    private func runBoth(_ folder: String, graph: String) throws -> (fused: Plan, plain: Plan, fusedOut: [String: Tensor], plainOut: [String: Tensor]) {
        let test = try BackendTest(modelPath: "\(folder)/\(graph).onnx")
        let feeds = try test.inputs(of: "\(folder)/\(graph)/test_data_set_0")
        let binding = InputBinding(shapes: feeds.mapValues(\.shape))
        let fused = try Plan(model: test.model, binding: binding)
        let plain = try Plan(model: test.model, binding: binding, options: PlanOptions(optimize: false))
        return (fused, plain, try fused.run(feeds), try plain.run(feeds))
    }

    func testEncoderFusionsFireOnBothExporters() throws {
        for folder in [FixturePaths.fixture("glam-tiny-opset17"), FixturePaths.fixture("glam-tiny-opset18"),
                       FixturePaths.bundle("glam-demo")] {
            let (fused, plain, _, _) = try runBoth(folder, graph: "encoder")
            let kinds = fused.stepKinds
            XCTAssertTrue(kinds.contains("Attention"), "\(folder): attention fusion did not fire")
            XCTAssertTrue(kinds.contains("Linear"), "\(folder): linear fusion did not fire")
            XCTAssertFalse(kinds.contains("Erf"), "\(folder): GELU fusion did not fire")
            XCTAssertFalse(kinds.contains("Gelu"), "\(folder): GELU stayed a separate step")
            let geluLayers = fused.steps.filter { ($0.kernel as? LinearOperator)?.appliesGELU == true }
            XCTAssertEqual(geluLayers.count, kinds.filter { $0 == "Attention" }.count,
                           "\(folder): every block's MLP should end in a linear layer with a GELU epilogue")
            XCTAssertFalse(kinds.contains("Softmax"), "\(folder): a Softmax stayed unfused")
            XCTAssertFalse(plain.stepKinds.contains("Attention"), "optimize: false must not fuse")
            XCTAssertLessThan(fused.stepCount, plain.stepCount)
        }
    }

    func testFusedAndUnfusedPlansAgree() throws {
        for folder in [FixturePaths.fixture("glam-tiny-opset17"), FixturePaths.bundle("glam-demo")] {
            for graph in ["encoder", "align"] {
                let (_, _, fused, plain) = try runBoth(folder, graph: graph)
                for (name, tensor) in plain {
                    let other = try XCTUnwrap(fused[name])
                    let comparison = Comparison.compare(other, tensor, tolerance: Tolerance(absolute: 1e-5))
                    XCTAssertLessThanOrEqual(comparison.maxAbsoluteDifference, 1e-5, "\(folder) \(graph) \(name)")
                }
            }
        }
    }

    func testArenaIsSmallerThanSeparateBuffers() throws {
        let (fused, _, _, _) = try runBoth(FixturePaths.bundle("glam-demo"), graph: "encoder")
        let separate = fused.stepSummaries.flatMap(\.outputShapes).reduce(0) { $0 + $1.reduce(4, *) }
        XCTAssertGreaterThan(fused.arenaByteCount, 0)
        XCTAssertLessThan(fused.arenaByteCount, separate / 2, "liveness should let values share memory")
    }

    func testBFloat16PrecisionStaysCloseToFloat() throws {
        let folder = FixturePaths.bundle("glam-demo")
        let test = try BackendTest(modelPath: "\(folder)/encoder.onnx")
        let feeds = try test.inputs(of: "\(folder)/encoder/test_data_set_0")
        let binding = InputBinding(shapes: feeds.mapValues(\.shape))
        let exact = try Plan(model: test.model, binding: binding).run(feeds)
        let reduced = try Plan(model: test.model, binding: binding, options: PlanOptions(precision: .bfloat16)).run(feeds)
        let a = try XCTUnwrap(exact["embedding"])
        let b = try XCTUnwrap(reduced["embedding"])
        let comparison = Comparison.compare(b, a, tolerance: Tolerance(absolute: 0))
        print("bf16 vs fp32 demo embedding: cosine \(comparison.cosine), max abs diff \(comparison.maxAbsoluteDifference)")
        XCTAssertGreaterThanOrEqual(comparison.cosine, 0.999)
        XCTAssertGreaterThan(comparison.maxAbsoluteDifference, 0, "bf16 must change the arithmetic")
    }
}
