import Foundation
import GlamImageIO
import XCTest
@testable import GlamMammography

/// The whole pipeline from the NYU exam's original 8-bit PNG files (2000x2600) in the fixtures.
final class OriginalImageTests: XCTestCase {
    func testOriginalPNGsMatchReferenceCache() throws {
        let cases = try ReferenceData.cases().filter { $0.name == "L-CC" || $0.name == "L-MLO" }
        XCTAssertEqual(cases.count, 2)
        for reference in cases {
            let path = ReferenceData.fixtureRoot.appendingPathComponent("nyu/\(reference.name).png").path
            let decoded = try PNGFile.read(path: path)
            XCTAssertEqual(decoded.channels, 1)
            XCTAssertEqual(decoded.bitDepth, 8)
            let stored = StoredImage(width: decoded.width, height: decoded.height, values: decoded.samples.map { Float($0) })

            let eightBit = try EightBitConversion.convert(stored)
            let size = Preprocessor.cacheSize(width: eightBit.width, height: eightBit.height, longSide: 1024)
            let cache = AreaResize.resize(eightBit, width: size.width, height: size.height)
            let expectedCache = try ReferenceData.grayImage(path: reference.cachePath)
            XCTAssertEqual(cache.width, expectedCache.width, reference.name)
            XCTAssertEqual(cache.height, expectedCache.height, reference.name)
            var total = 0
            var largest = 0
            for i in 0..<min(cache.pixels.count, expectedCache.pixels.count) {
                let difference = abs(Int(cache.pixels[i]) - Int(expectedCache.pixels[i]))
                total += difference
                largest = max(largest, difference)
            }
            let cacheDifference = Double(total) / Double(cache.pixels.count)

            let start = Date()
            let result = try Preprocessor.preprocess(stored, laterality: reference.laterality, view: reference.view)
            let milliseconds = Date().timeIntervalSince(start) * 1000
            let tensor = try ReferenceData.tensor(path: reference.inputTensorPath)
            let inputDifference = ReferenceData.meanAbsoluteDifference(result.input, tensor.values.prefix(518 * 518))
            let iou = result.report.finalCrop.intersectionOverUnion(reference.cropBox)
            print("\(reference.name) from PNG: cache mean abs diff \(fmt(cacheDifference)) levels (max \(largest)), "
                + "crop IoU \(fmt(iou)), input mean abs diff \(fmt(inputDifference)), whole preprocess \(fmt(milliseconds)) ms")

            XCTAssertLessThanOrEqual(cacheDifference, 0.05, "\(reference.name) cache")
            XCTAssertLessThanOrEqual(largest, 1, "\(reference.name) cache worst pixel")
            XCTAssertGreaterThanOrEqual(iou, 0.95, "\(reference.name) crop IoU")
            XCTAssertLessThanOrEqual(inputDifference, 0.03, "\(reference.name) input")
            XCTAssertEqual(result.originalWidth, 2000)
            XCTAssertEqual(result.originalHeight, 2600)
            if let expected = reference.angleDegrees, let alignment = result.report.alignment {
                XCTAssertLessThanOrEqual(abs(alignment.angleDegrees - expected), 2, "\(reference.name) angle")
            }
        }
    }
}
