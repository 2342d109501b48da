import GlamImageIO
import GlamMammography
import GlamPipeline
import GlamRuntime
import XCTest

/// The embedded demo bundle on the real NYU left pair, from PNG pixels to alignment.
final class EndToEndTests: XCTestCase {
    static let repository: String = {
        let parts = String(describing: #filePath).split(separator: "/").dropLast(3)
        return "/" + parts.joined(separator: "/")
    }()
    static let bundle = repository + "/models/glam-demo"
    static let images = repository + "/Tests/Fixtures/mammograms/nyu"

    static func stored(_ name: String) throws -> StoredImage {
        let decoded = try PNGFile.read(path: "\(images)/\(name).png")
        return StoredImage(width: decoded.width, height: decoded.height, values: decoded.samples.map(Float.init))
    }

    /// The model's own reference: GLAM's preprocessing of this pair and PyTorch's encoder outputs.
    static func reference() throws -> (input: Tensor, embedding: Tensor) {
        let set = bundle + "/encoder/test_data_set_0"
        return (try TensorFile.read(path: set + "/input_0.pb").tensor, try TensorFile.read(path: set + "/output_0.pb").tensor)
    }

    func testEncodePairMatchesReferenceEmbedding() throws {
        let model = try GlamModel(bundlePath: Self.bundle)
        XCTAssertTrue(model.isUntrained, "the demo bundle must be reported as untrained")
        let pair = try model.encode(cc: try Self.stored("L-CC"), mlo: try Self.stored("L-MLO"), laterality: .left)
        let (input, embedding) = try Self.reference()
        let side = model.geometry.imageSize
        let plane = side * side
        let referenceInput = input.values(as: Float.self)
        let referenceEmbedding = embedding.values(as: Float.self)
        let width = model.geometry.embedDim

        for (index, encoding) in [pair.cc, pair.mlo].enumerated() {
            let label = index == 0 ? "CC" : "MLO"
            // The reference batch is [2, 3, side, side]; channel 0 of each view is enough.
            let expected = referenceInput[(index * 3 * plane)..<(index * 3 * plane + plane)]
            let meanAbsDiff = zip(encoding.preprocessed.input, expected).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(plane)
            let reference = Array(referenceEmbedding[(index * width)..<((index + 1) * width)])
            let cosine = zip(encoding.embedding, reference).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            print("NYU L-\(label): input mean abs diff \(meanAbsDiff), embedding cosine \(cosine)")
            XCTAssertLessThanOrEqual(meanAbsDiff, 0.03, "\(label) model input")
            XCTAssertGreaterThanOrEqual(cosine, 0.99, "\(label) embedding")
        }
    }

    func testAlignmentAttentionAndHeatmap() throws {
        let model = try GlamModel(bundlePath: Self.bundle)
        let cc = try Self.stored("L-CC")
        let mlo = try Self.stored("L-MLO")
        let pair = try model.encode(cc: cc, mlo: mlo, laterality: .left)
        let alignment = try model.align(pair)
        let regions = model.geometry.regions

        for column in 0..<regions {
            for row in 0..<regions {
                let weights = alignment.attentionRow(from: .cc, row: row, column: column)
                XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-4, "attention row (\(row), \(column)) must sum to 1")
            }
        }

        // A point on the CC maps to one region; the MLO heatmap is non-zero only in that column.
        let grid = RegionGrid(geometry: model.geometry)
        let inverse = try XCTUnwrap(pair.cc.preprocessed.originalToInput.inverted)
        let point = inverse.apply(x: 2.5 * grid.regionSide, y: 4.5 * grid.regionSide)
        let width = mlo.width / 8
        let height = mlo.height / 8
        var heat = [Float](repeating: -1, count: width * height)
        let region = try heat.withUnsafeMutableBufferPointer {
            try alignment.heatmap(from: .cc, x: point.x, y: point.y, width: width, height: height, into: $0)
        }
        XCTAssertEqual(region.row, 4)
        XCTAssertEqual(region.column, 2)
        XCTAssertFalse(heat.contains(-1), "every heatmap cell must be written")
        XCTAssertGreaterThan(heat.filter { $0 > 0 }.count, 0)
        for j in 0..<height {
            for i in 0..<width where heat[j * width + i] > 0 {
                let original = ((Double(i) + 0.5) * 8, (Double(j) + 0.5) * 8)
                let cell = grid.region(atOriginal: original.0, original.1, of: pair.mlo.preprocessed)
                XCTAssertEqual(cell?.column, region.column, "heat outside the source column at cell (\(i), \(j))")
            }
        }
    }

    func testRegionGridMapsBackOntoTheOriginal() throws {
        let model = try GlamModel(bundlePath: Self.bundle)
        let cc = try Self.stored("L-CC")
        let pair = try model.encode(cc: cc, mlo: try Self.stored("L-MLO"), laterality: .left)
        let corners = try RegionGrid(geometry: model.geometry).corners(of: pair.cc.preprocessed)
        let regions = model.geometry.regions
        XCTAssertEqual(corners.count, 2 * (regions + 1) * (regions + 1))
        // The grid's first corner is the crop's top-left corner, inside the original image.
        XCTAssertGreaterThanOrEqual(corners[0], -1)
        XCTAssertGreaterThanOrEqual(corners[1], -1)
        XCTAssertLessThan(corners[0], Double(cc.width))
        for index in stride(from: 0, to: corners.count, by: 2) {
            let back = pair.cc.preprocessed.originalToInput.apply(x: corners[index], y: corners[index + 1])
            let expectedU = Double((index / 2) % (regions + 1)) * RegionGrid(geometry: model.geometry).regionSide
            XCTAssertEqual(back.x, expectedU, accuracy: 1e-6)
        }
    }

    func testMissingMetadataNamesTheKey() throws {
        let directory = NSTemporaryDirectory() + "glam-bundle-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let malformed = Self.repository + "/Tests/Fixtures/malformed"
        for name in ["encoder.onnx", "align.onnx"] {
            try FileManager.default.copyItem(atPath: malformed + "/external_inside.onnx", toPath: directory + "/" + name)
        }
        try FileManager.default.copyItem(atPath: malformed + "/weights.bin", toPath: directory + "/weights.bin")
        XCTAssertThrowsError(try GlamModel(bundlePath: directory)) { error in
            XCTAssertTrue(String(describing: error).contains("glam.image_size"), "\(error)")
        }
    }

    func testMismatchedBundleGraphsAreRejected() throws {
        let directory = NSTemporaryDirectory() + "glam-mixed-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.repository + "/Tests/Fixtures/glam-tiny-opset18/encoder.onnx",
                                         toPath: directory + "/encoder.onnx")
        try FileManager.default.copyItem(atPath: Self.bundle + "/align.onnx", toPath: directory + "/align.onnx")
        XCTAssertThrowsError(try GlamModel(bundlePath: directory)) { error in
            XCTAssertTrue(String(describing: error).contains("differ"), "\(error)")
        }
    }
}
