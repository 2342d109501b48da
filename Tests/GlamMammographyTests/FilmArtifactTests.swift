import Foundation
import XCTest
@testable import GlamMammography

/// Digitised film (CBIS-DDSM P_00173) where GLAM's output is visibly wrong: the right CC keeps
/// the burned-in "RCC" label, which stretches the crop to the whole film width, and the right
/// MLO rotation drags the bright film-edge strip into the crop. GLAM's reference outputs are not
/// the target here; these tests check `removeFilmArtifacts` against what the images show.
final class FilmArtifactTests: XCTestCase {
    private func reference(_ name: String) throws -> (ReferenceCase, GrayImage) {
        let found = try ReferenceData.cases().first { $0.name == name }
        let reference = try XCTUnwrap(found, "\(name) missing from reference.json")
        return (reference, try ReferenceData.grayImage(path: reference.cachePath))
    }

    private var filmOptions: PreprocessOptions {
        var options = PreprocessOptions()
        options.removeFilmArtifacts = true
        return options
    }

    /// Returns whether the cache pixel centre lands inside the model input.
    private func landsInInput(_ result: PreprocessedView, x: Int, y: Int) -> Bool {
        let point = result.originalToInput.apply(x: Double(x) + 0.5, y: Double(y) + 0.5)
        let size = Double(result.imageSize)
        return point.x >= 0 && point.x < size && point.y >= 0 && point.y < size
    }

    func testRightCCLabelExcludedBreastKept() throws {
        let (reference, cache) = try reference("Mass-Test_P_00173_RIGHT_CC")
        // From viewing the cache: "15" and "RCC" lie in the top-left corner, the breast against
        // the right edge (chest wall) between rows 300 and 850.
        let labelBox = PixelBox(x0: 0, y0: 0, x1: 110, y1: 180)
        let breastCore = PixelBox(x0: 450, y0: 300, x1: cache.width - 1, y1: 850)
        var labelBright = 0
        for y in labelBox.y0...labelBox.y1 {
            for x in labelBox.x0...labelBox.x1 where cache.pixels[y * cache.width + x] > 200 { labelBright += 1 }
        }
        XCTAssertGreaterThan(labelBright, 500, "the label is no longer where the test expects it")

        let glam = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: .cc)
        let film = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: .cc, options: filmOptions)

        XCTAssertTrue(landsInInput(glam, x: 50, y: 130), "GLAM's rules are expected to keep the label")
        for y in stride(from: labelBox.y0, through: labelBox.y1, by: 10) {
            for x in stride(from: labelBox.x0, through: labelBox.x1, by: 10) {
                XCTAssertFalse(landsInInput(film, x: x, y: y), "label pixel (\(x), \(y)) is inside the input")
            }
        }
        for y in stride(from: breastCore.y0, through: breastCore.y1, by: 25) {
            for x in stride(from: breastCore.x0, through: breastCore.x1, by: 25) {
                XCTAssertTrue(landsInInput(film, x: x, y: y), "breast pixel (\(x), \(y)) is outside the input")
            }
        }
        XCTAssertTrue(film.report.finalFlipped, "the chest wall is on the right and must move to the left")
        let labelArtifacts = film.report.removedFilmArtifacts.filter { $0.box.x0 > cache.width / 2 }
            .filter { $0.box.y1 < 200 }
        XCTAssertFalse(labelArtifacts.isEmpty, "no removed artifact at the mirrored label position")

        let crop = film.report.finalCrop
        print("RIGHT_CC with film artifacts removed: crop \(crop) (GLAM \(glam.report.finalCrop)), "
            + "\(film.report.removedFilmArtifacts.count) artifacts removed")
    }

    func testRightMLOFilmEdgeExcludedBreastKept() throws {
        let (reference, cache) = try reference("Mass-Test_P_00173_RIGHT_MLO")
        // From viewing the cache: a bright strip runs down the left film edge (columns 0-2), the
        // breast lies against the right edge.
        var stripPoints: [(Int, Int)] = []
        for y in stride(from: 150, through: 1000, by: 50) where cache.pixels[y * cache.width + 1] > 80 {
            stripPoints.append((1, y))
        }
        XCTAssertGreaterThan(stripPoints.count, 12, "the film edge strip is no longer where the test expects it")
        let breastPoints = [(550, 400), (500, 500), (450, 550), (550, 600), (600, 700), (640, 800)]

        let glam = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: .mlo)
        let film = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: .mlo, options: filmOptions)

        XCTAssertTrue(stripPoints.contains { landsInInput(glam, x: $0.0, y: $0.1) },
                      "GLAM's rules are expected to keep part of the strip")
        for (x, y) in stripPoints {
            XCTAssertFalse(landsInInput(film, x: x, y: y), "film-edge pixel (\(x), \(y)) is inside the input")
        }
        for (x, y) in breastPoints {
            XCTAssertTrue(landsInInput(film, x: x, y: y), "breast pixel (\(x), \(y)) is outside the input")
        }
        let alignment = try XCTUnwrap(film.report.alignment)
        XCTAssertTrue(alignment.lineFound)
        XCTAssertTrue(alignment.flipped)
        print("RIGHT_MLO with film artifacts removed: angle \(fmt(alignment.angleDegrees)) (GLAM "
            + "\(fmt(glam.report.alignment?.angleDegrees ?? .nan))), aligned \(film.report.stageWidth)x\(film.report.stageHeight) "
            + "(GLAM \(glam.report.stageWidth)x\(glam.report.stageHeight))")
    }

    /// Film-artifact removal must not change the outcome where GLAM is already right.
    func testFilmOptionKeepsCorrectCases() throws {
        for reference in try ReferenceData.cases() where !ParityTests.referenceWrong.contains(reference.name) {
            let cache = try ReferenceData.grayImage(path: reference.cachePath)
            let result = try Preprocessor.preprocessCached(cache, laterality: reference.laterality, view: reference.view,
                                                           options: filmOptions)
            let tensor = try ReferenceData.tensor(path: reference.inputTensorPath)
            let difference = ReferenceData.meanAbsoluteDifference(result.input, tensor.values.prefix(518 * 518))
            let iou = result.report.finalCrop.intersectionOverUnion(reference.cropBox)
            print("\(reference.name) with film artifacts removed: crop IoU \(fmt(iou)), input mean abs diff \(fmt(difference))")
            XCTAssertGreaterThanOrEqual(iou, 0.95, reference.name)
            XCTAssertLessThanOrEqual(difference, 0.03, reference.name)
        }
    }
}
