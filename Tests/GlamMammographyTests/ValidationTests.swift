import XCTest
@testable import GlamMammography

final class ValidationTests: XCTestCase {
    private func error(of image: StoredImage, options: PreprocessOptions = .init()) -> PreprocessError? {
        do {
            _ = try Preprocessor.preprocess(image, laterality: .left, view: .cc, options: options)
            return nil
        } catch let error as PreprocessError {
            return error
        } catch {
            XCTFail("unexpected error type: \(error)")
            return nil
        }
    }

    func testRejectsEmptyAndHugeSizes() {
        XCTAssertEqual(error(of: StoredImage(width: 0, height: 10, values: [])),
                       .invalidSize(width: 0, height: 10, reason: "both sides must be positive"))
        let wide = error(of: StoredImage(width: 70_000, height: 1, values: []))
        XCTAssertTrue(wide?.description.contains("at most 65536") ?? false, "\(String(describing: wide))")
        let many = error(of: StoredImage(width: 65_536, height: 65_536, values: []))
        XCTAssertTrue(many?.description.contains("pixels") ?? false, "\(String(describing: many))")
        let overflow = error(of: StoredImage(width: Int.max, height: Int.max, values: []))
        XCTAssertNotNil(overflow)
    }

    func testRejectsValueCountMismatch() {
        XCTAssertEqual(error(of: StoredImage(width: 4, height: 4, values: [Float](repeating: 1, count: 15))),
                       .valueCountMismatch(count: 15, width: 4, height: 4))
    }

    func testRejectsNonFiniteValuesWithCount() {
        var values = [Float](repeating: 1, count: 64)
        values[3] = .nan
        values[9] = .infinity
        let failure = error(of: StoredImage(width: 8, height: 8, values: values))
        XCTAssertEqual(failure, .nonFiniteValues(count: 2))
        XCTAssertTrue(failure?.description.contains("2 NaN or infinite") ?? false)
    }

    func testRejectsBlankImages() {
        XCTAssertEqual(error(of: StoredImage(width: 8, height: 8, values: [Float](repeating: 0, count: 64))),
                       .noPositiveValues(maximum: 0))
        XCTAssertThrowsError(try Preprocessor.preprocessCached(GrayImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 64)),
                                                               laterality: .left, view: .mlo))
    }

    func testRejectsInvalidOptions() {
        var options = PreprocessOptions()
        options.pixelStd = 0
        let image = StoredImage(width: 8, height: 8, values: [Float](repeating: 1, count: 64))
        XCTAssertNotNil(error(of: image, options: options))
        options = PreprocessOptions()
        options.imageSize = -1
        XCTAssertNotNil(error(of: image, options: options))
    }

    func testMonochrome1IsInverted() throws {
        let image = StoredImage(width: 2, height: 1, values: [0, 4000], isMonochrome1: true)
        XCTAssertEqual(try EightBitConversion.convert(image).pixels, [255, 0])
        let plain = StoredImage(width: 2, height: 1, values: [1000, 4000])
        XCTAssertEqual(try EightBitConversion.convert(plain).pixels, [64, 255])
    }

    /// Tiny and degenerate images run through every step without trapping.
    func testSmallImagesDoNotCrash() throws {
        for (width, height) in [(1, 1), (1, 7), (7, 1), (3, 3), (40, 30)] {
            var values = [Float](repeating: 0, count: width * height)
            values[values.count / 2] = 10
            for view in [MammographyView.cc, .mlo] {
                var options = PreprocessOptions()
                options.removeFilmArtifacts = width > 3
                let result = try Preprocessor.preprocess(StoredImage(width: width, height: height, values: values),
                                                         laterality: .right, view: view, options: options)
                XCTAssertEqual(result.input.count, 518 * 518)
                XCTAssertGreaterThanOrEqual(result.input.min() ?? -2, -1)
                XCTAssertLessThanOrEqual(result.input.max() ?? 2, 1)
            }
        }
    }
}
