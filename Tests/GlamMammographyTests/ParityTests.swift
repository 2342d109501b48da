import Foundation
import XCTest
@testable import GlamMammography

/// Parity with GLAM's own preprocessing on real mammograms, starting from GLAM's 8-bit cache.
final class ParityTests: XCTestCase {
    /// Film cases where GLAM's output is visibly wrong; `FilmArtifactTests` checks them instead.
    static let referenceWrong: Set<String> = ["Mass-Test_P_00173_RIGHT_CC", "Mass-Test_P_00173_RIGHT_MLO"]

    func testCachedImagesMatchReference() throws {
        for reference in try ReferenceData.cases() {
            let cache = try ReferenceData.grayImage(path: reference.cachePath)
            let start = Date()
            let result = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: reference.view)
            let seconds = Date().timeIntervalSince(start)

            let tensor = try ReferenceData.tensor(path: reference.inputTensorPath)
            XCTAssertEqual(tensor.dims, [3, 518, 518], reference.name)
            let difference = ReferenceData.meanAbsoluteDifference(result.input, tensor.values.prefix(518 * 518))
            let iou = result.report.finalCrop.intersectionOverUnion(reference.cropBox)
            var line = "\(reference.name): crop \(result.report.finalCrop) vs \(reference.cropBox) IoU \(fmt(iou)), "
                + "input mean abs diff \(fmt(difference)), flipped \(result.report.finalFlipped) vs \(reference.finalFlipped), "
                + "\(fmt(seconds * 1000)) ms"

            var angleDifference: Double?
            if let alignment = result.report.alignment {
                line += ", angle \(fmt(alignment.angleDegrees)) vs \(reference.angleDegrees.map(fmt) ?? "none")"
                line += ", aligned \(result.report.stageHeight)x\(result.report.stageWidth)"
                if let shape = reference.alignedShape { line += " vs \(shape.height)x\(shape.width)" }
                if let expected = reference.angleDegrees, reference.lineFound {
                    angleDifference = abs(alignment.angleDegrees - expected)
                }
                if FileManager.default.fileExists(atPath: reference.alignedPath) {
                    let aligned = try ReferenceData.grayImage(path: reference.alignedPath)
                    if let mine = alignedImage(cache: cache), mine.width == aligned.width, mine.height == aligned.height {
                        var total = 0
                        for i in 0..<mine.pixels.count { total += abs(Int(mine.pixels[i]) - Int(aligned.pixels[i])) }
                        line += ", aligned mean abs diff \(fmt(Double(total) / Double(mine.pixels.count))) levels"
                    }
                }
            }
            print(line)

            if Self.referenceWrong.contains(reference.name) {
                print("  \(reference.name): reference is wrong here (film label or border kept); parity not asserted")
                continue
            }
            XCTAssertGreaterThanOrEqual(iou, 0.95, "\(reference.name) crop IoU")
            XCTAssertLessThanOrEqual(difference, 0.03, "\(reference.name) input mean abs diff")
            XCTAssertEqual(result.report.finalFlipped, reference.finalFlipped, "\(reference.name) final flip")
            if let angleDifference {
                XCTAssertLessThanOrEqual(angleDifference, 2, "\(reference.name) pectoral angle")
            }
        }
    }

    private func alignedImage(cache: GrayImage) -> GrayImage? {
        MLOAlignment.align(cache, options: PreprocessOptions()).image
    }
}

func fmt(_ value: Double) -> String {
    String(format: "%.4f", value)
}
