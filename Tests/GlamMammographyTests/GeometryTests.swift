import Foundation
import XCTest
@testable import GlamMammography

/// The composed point maps between cache pixels and model-input pixels.
final class GeometryTests: XCTestCase {
    func testMapsInvertAndHitReferenceCropCorners() throws {
        for reference in try ReferenceData.cases() where !ParityTests.referenceWrong.contains(reference.name) {
            let cache = try ReferenceData.grayImage(path: reference.cachePath)
            let result = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: reference.view)

            let forward = result.originalToInput
            let inverse = try XCTUnwrap(forward.inverted, reference.name)
            for (x, y) in [(0.0, 0.0), (100.5, 700.25), (Double(cache.width), Double(cache.height))] {
                let back = inverse.apply(x: forward.apply(x: x, y: y).x, y: forward.apply(x: x, y: y).y)
                XCTAssertEqual(back.x, x, accuracy: 1e-6, reference.name)
                XCTAssertEqual(back.y, y, accuracy: 1e-6, reference.name)
            }

            // GLAM's crop box is in its oriented frame; undo the flip to reach the stage frame.
            let box = reference.cropBox
            var corners = [(Double(box.x0), Double(box.y0), 0.0, 0.0),
                           (Double(box.x1 + 1), Double(box.y1 + 1), 518.0, 518.0)]
            if reference.finalFlipped {
                let width = Double(result.report.stageWidth)
                corners = corners.map { (width - $0.0, $0.1, $0.2, $0.3) }
            }
            var worst = 0.0
            for (x, y, expectedX, expectedY) in corners {
                let mapped = result.stageToInput.apply(x: x, y: y)
                worst = max(worst, abs(mapped.x - expectedX), abs(mapped.y - expectedY))
            }
            print("\(reference.name): reference crop corners land \(fmt(worst)) px from the input corners")
            XCTAssertLessThanOrEqual(worst, 3, reference.name)
        }
    }

    /// Checks the rotation, flips and crops inside `originalToInput`: a cache pixel and the input
    /// pixel it maps to have the same grey level, up to the blur of resizing.
    func testMappedPixelsAgree() throws {
        for reference in try ReferenceData.cases() where !ParityTests.referenceWrong.contains(reference.name) {
            let cache = try ReferenceData.grayImage(path: reference.cachePath)
            let result = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: reference.view)
            var generator = SystemRandomNumberGenerator()
            var total = 0.0
            var count = 0
            for _ in 0..<4000 {
                let x = Int.random(in: 4..<(cache.width - 4), using: &generator)
                let y = Int.random(in: 4..<(cache.height - 4), using: &generator)
                let point = result.originalToInput.apply(x: Double(x) + 0.5, y: Double(y) + 0.5)
                let column = Int(point.x.rounded(.down))
                let row = Int(point.y.rounded(.down))
                guard column >= 2, row >= 2, column < 516, row < 516 else { continue }
                let inputLevel = Double((result.input[row * 518 + column] + 1) / 2 * 255)
                total += abs(inputLevel - Double(cache.pixels[y * cache.width + x]))
                count += 1
            }
            let meanDifference = total / Double(max(count, 1))
            print("\(reference.name): \(count) mapped pixels differ by \(fmt(meanDifference)) grey levels on average")
            XCTAssertGreaterThan(count, 1000, reference.name)
            XCTAssertLessThan(meanDifference, 8, reference.name)
        }
    }
}
