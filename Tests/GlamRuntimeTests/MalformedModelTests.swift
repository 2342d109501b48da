import GlamRuntime
import XCTest

/// Broken or hostile model files produce errors that name the problem, never a crash.
final class MalformedModelTests: XCTestCase {
    private func malformed(_ name: String) -> String {
        FixturePaths.fixture("malformed/\(name)")
    }

    private func expectError(_ kind: GlamError.Kind, containing fragments: [String],
                             file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let glamError = error as? GlamError else {
                return XCTFail("expected GlamError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(glamError.kind, kind, glamError.message, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(glamError.message.contains(fragment), "'\(fragment)' not in: \(glamError.message)", file: file, line: line)
            }
        }
    }

    func testTruncatedFileIsRejected() throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: FixturePaths.fixture("glam-tiny-opset18/encoder.onnx"))))
        for length in [1, 100, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try {
                let model = try ModelImporter.load(bytes: Array(bytes.prefix(length)))
                _ = try Plan(model: model, inputShapes: ["image": [1, 3, 112, 112]])
            }(), "truncated to \(length) bytes")
        }
    }

    func testRandomBytesAreRejected() {
        var generator = SystemRandomNumberGenerator()
        for size in [16, 1024, 65536] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertThrowsError(try {
                let model = try ModelImporter.load(bytes: bytes)
                _ = try Plan(model: model)
            }(), "\(size) random bytes")
        }
    }

    func testMissingNodeInputIsReported() {
        expectError(.invalidModel, containing: ["add_ghost", "ghost"]) {
            let model = try ModelImporter.load(path: malformed("missing_input.onnx"))
            _ = try Plan(model: model)
        }
    }

    func testUnsupportedOperatorIsReportedAtLoad() throws {
        let model = try ModelImporter.load(path: malformed("unsupported_operator.onnx"))
        let unsupported = model.unsupportedOperators
        XCTAssertEqual(unsupported.count, 1)
        XCTAssertEqual(unsupported.first?.opType, "FancyNorm")
        XCTAssertEqual(unsupported.first?.domain, "com.example")
        XCTAssertEqual(unsupported.first?.opset, 1)
        XCTAssertEqual(unsupported.first?.nodeName, "fancy")
        expectError(.unsupported, containing: ["FancyNorm", "com.example", "opset 1", "fancy"]) {
            _ = try Plan(model: model)
        }
    }

    func testExternalDataInsideFolderLoads() throws {
        let model = try ModelImporter.load(path: malformed("external_inside.onnx"))
        let plan = try Plan(model: model)
        let x = try Tensor(shape: [2, 3], values: [Float](repeating: 1, count: 6))
        let y = try XCTUnwrap(plan.run(["x": x])["y"])
        XCTAssertEqual(y.values(as: Float.self), [1, 2, 3, 4, 5, 6])
    }

    func testExternalDataOutsideFolderIsRejected() {
        expectError(.invalidModel, containing: ["../outside.bin", "leaves the model's folder"]) {
            _ = try ModelImporter.load(path: malformed("external_parent.onnx"))
        }
        expectError(.invalidModel, containing: ["/etc/passwd", "absolute"]) {
            _ = try ModelImporter.load(path: malformed("external_absolute.onnx"))
        }
        expectError(.io, containing: ["missing.bin"]) {
            _ = try ModelImporter.load(path: malformed("external_missing.onnx"))
        }
    }

    func testExternalDataSymlinkEscapeIsRejected() throws {
        let directory = NSTemporaryDirectory() + "glam-symlink-\(getpid())"
        let outside = NSTemporaryDirectory() + "glam-outside-\(getpid()).bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try FileManager.default.copyItem(atPath: malformed("external_inside.onnx"), toPath: directory + "/model.onnx")
        try Data(count: 24).write(to: URL(fileURLWithPath: outside))
        try FileManager.default.createSymbolicLink(atPath: directory + "/weights.bin", withDestinationPath: outside)

        expectError(.invalidModel, containing: ["weights.bin", "outside the model's folder"]) {
            _ = try ModelImporter.load(path: directory + "/model.onnx")
        }
    }

    func testExternalDataFromMemoryIsRejected() throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: malformed("external_inside.onnx"))))
        expectError(.invalidModel, containing: ["loaded from memory"]) {
            _ = try ModelImporter.load(bytes: bytes)
        }
    }

    func testWrongInputShapeIsRejectedAtRun() throws {
        let model = try ModelImporter.load(path: malformed("external_inside.onnx"))
        let plan = try Plan(model: model)
        let wrong = try Tensor(shape: [3, 2], values: [Float](repeating: 1, count: 6))
        expectError(.invalidArgument, containing: ["'x'", "[3, 2]"]) {
            _ = try plan.run(["x": wrong])
        }
        expectError(.invalidArgument, containing: ["'x'", "not fed"]) {
            _ = try plan.run([:])
        }
    }
}

/// Inputs the loader fuzzer once crashed on; each must now end in an error.
final class FuzzRegressionTests: XCTestCase {
    func testFuzzRegressionsAreRejected() throws {
        let folder = FixturePaths.fixture("fuzz-regressions/loader")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            XCTAssertThrowsError(try {
                let model = try ModelImporter.load(bytes: bytes)
                _ = try Plan(model: model)
            }(), name)
        }
    }
}
