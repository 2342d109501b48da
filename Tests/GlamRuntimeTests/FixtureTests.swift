import GlamRuntime
import XCTest

/// GLAM encoder and alignment-head exports against their stored PyTorch outputs.
final class FixtureTests: XCTestCase {
    static let tolerance = Tolerance.fixture
    static let minimumEmbeddingCosine = 0.99999

    private func checkGraph(_ folder: String, graph: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let test = try BackendTest(modelPath: "\(folder)/\(graph).onnx")
        let results = try test.run(directory: "\(folder)/\(graph)", tolerance: Self.tolerance)
        XCTAssertFalse(results.isEmpty, "no outputs compared in \(folder)/\(graph)", file: file, line: line)
        for result in results {
            let label = "\(folder.split(separator: "/").last ?? "")/\(graph) \(result.dataSet) \(result.name)"
            print("\(label): max abs diff \(result.comparison.maxAbsoluteDifference), cosine \(result.comparison.cosine)")
            XCTAssertNil(result.comparison.mismatch, label, file: file, line: line)
            XCTAssertLessThanOrEqual(result.comparison.maxAbsoluteDifference, Self.tolerance.absolute, label, file: file, line: line)
            if result.name == "embedding" {
                XCTAssertGreaterThanOrEqual(result.comparison.cosine, Self.minimumEmbeddingCosine, label, file: file, line: line)
            }
        }
    }

    private func checkFixture(_ folder: String) throws {
        try checkGraph(folder, graph: "encoder")
        try checkGraph(folder, graph: "align")
    }

    func testTinyOpset17() throws {
        try checkFixture(FixturePaths.fixture("glam-tiny-opset17"))
    }

    func testTinyOpset18() throws {
        try checkFixture(FixturePaths.fixture("glam-tiny-opset18"))
    }

    func testDemoOpset18() throws {
        try checkFixture(FixturePaths.bundle("glam-demo"))
    }

    func testSmallOpset18FromShared() throws {
        let folder = FixturePaths.shared + "/fixtures/glam-small-opset18"
        guard FixturePaths.exists(folder + "/encoder.onnx") else {
            throw XCTSkip("glam-small-opset18 is not in ../shared/fixtures; skipping the ViT-S/14 check")
        }
        try checkFixture(folder)
    }

    func testTinyOpset17PassesONNXChecker() throws {
        // IR 8 / opset 17 is within libonnx 1.12, so loading also ran its checker and shape inference.
        let model = try ModelImporter.load(path: FixturePaths.fixture("glam-tiny-opset17/encoder.onnx"))
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.opsetVersion(for: ""), 17)
        XCTAssertEqual(model.metadataValue("glam.image_size"), "112")
    }

    func testDynamicBatchIsBoundAtPlanTime() throws {
        let model = try ModelImporter.load(path: FixturePaths.fixture("glam-tiny-opset18/encoder.onnx"))
        let single = try Plan(model: model, inputShapes: ["image": [1, 3, 112, 112]])
        let pair = try Plan(model: model, inputShapes: ["image": [2, 3, 112, 112]])
        XCTAssertEqual(single.outputs.first { $0.name == "patch_tokens" }?.type.shape.first, 1)
        XCTAssertEqual(pair.outputs.first { $0.name == "patch_tokens" }?.type.shape.first, 2)
        XCTAssertGreaterThan(pair.foldedNodeCount, 0, "shape subgraphs should be folded at plan time")
        XCTAssertFalse(pair.stepKinds.contains("Shape"), "no Shape node should remain in the run-time steps")
    }

    func testPlanReusesBuffersAcrossRuns() throws {
        let folder = FixturePaths.fixture("glam-tiny-opset18")
        let test = try BackendTest(modelPath: folder + "/encoder.onnx")
        let feeds = try test.inputs(of: folder + "/encoder/test_data_set_0")
        let plan = try Plan(model: test.model, inputShapes: feeds.mapValues(\.shape))
        let first = try plan.run(feeds)
        let second = try plan.run(feeds)
        for (name, tensor) in first {
            let again = try XCTUnwrap(second[name])
            XCTAssertTrue(tensor.hasSameContents(as: again), "\(name) changed between runs of one plan")
        }
    }
}
