import Foundation
import GlamImageIO
import XCTest

final class ImageIOTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("glam-imageio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testGrayPNGRoundTrip() throws {
        let pixels = (0..<(37 * 11)).map { UInt8($0 % 256) }
        let path = directory.appendingPathComponent("gray.png").path
        try PNGFile.writeGray(path: path, width: 37, height: 11, pixels: pixels)
        let decoded = try PNGFile.read(path: path)
        XCTAssertEqual(decoded.width, 37)
        XCTAssertEqual(decoded.height, 11)
        XCTAssertEqual(decoded.channels, 1)
        XCTAssertEqual(decoded.bitDepth, 8)
        XCTAssertEqual(decoded.samples, pixels.map { UInt16($0) })
    }

    func testRGBPNGRoundTrip() throws {
        let rgb = (0..<(5 * 4 * 3)).map { UInt8(($0 * 7) % 256) }
        let path = directory.appendingPathComponent("rgb.png").path
        try PNGFile.writeRGB(path: path, width: 5, height: 4, rgb: rgb)
        let decoded = try PNGFile.read(path: path)
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.samples, rgb.map { UInt16($0) })
    }

    func testPGMRoundTrip() throws {
        let pixels = (0..<(9 * 6)).map { UInt8(($0 * 5) % 256) }
        let path = directory.appendingPathComponent("image.pgm").path
        try PGMFile.write(path: path, width: 9, height: 6, pixels: pixels)
        let image = try PGMFile.read(path: path)
        XCTAssertEqual(image.maxval, 255)
        XCTAssertEqual(image.samples, pixels.map { UInt16($0) })

        let wide = GrayImageData(width: 3, height: 1, maxval: 4095, samples: [0, 4095, 300])
        try PGMFile.write(path: path, image: wide)
        XCTAssertEqual(try PGMFile.read(path: path).samples, [0, 4095, 300])
    }

    func testMissingAndInvalidFilesThrow() throws {
        let missing = directory.appendingPathComponent("missing.png").path
        XCTAssertThrowsError(try PNGFile.read(path: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing), "\(error)")
        }
        let notPNG = directory.appendingPathComponent("text.png").path
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: notPNG))
        XCTAssertThrowsError(try PNGFile.read(path: notPNG))
        XCTAssertThrowsError(try PGMFile.read(path: notPNG))
        XCTAssertThrowsError(try PNGFile.writeGray(path: notPNG, width: 2, height: 2, pixels: [1, 2, 3]))
    }
}
