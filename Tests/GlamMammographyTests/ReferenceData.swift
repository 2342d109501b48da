import Foundation
import GlamImageIO
import XCTest
@testable import GlamMammography

/// Reference outputs of GLAM's own preprocessing code, stored next to the repository in
/// `../shared/mammograms`: per image the 8-bit cache, the aligned MLO, the model input and a
/// JSON file of the decisions GLAM made.
struct ReferenceCase {
    var folder: URL
    var name: String
    var laterality: Laterality
    var view: MammographyView
    var angleDegrees: Double?
    var lineFound: Bool
    var finalFlipped: Bool
    var cropBox: PixelBox
    var alignedShape: (height: Int, width: Int)?

    var cachePath: String { folder.appendingPathComponent("\(name).u8.pgm").path }
    var alignedPath: String { folder.appendingPathComponent("\(name).aligned.pgm").path }
    var inputTensorPath: String { folder.appendingPathComponent("\(name).input.pb").path }
}

enum ReferenceData {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var mammogramRoot: URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/mammograms")
    }

    static var fixtureRoot: URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures/mammograms")
    }

    /// All reference cases, or an `XCTSkip` naming the missing folder.
    static func cases() throws -> [ReferenceCase] {
        let root = mammogramRoot
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw XCTSkip("reference mammograms not found at \(root.path); parity tests skipped")
        }
        var cases: [ReferenceCase] = []
        for folderName in ["nyu-exam", "cbis-ddsm"] {
            let folder = root.appendingPathComponent(folderName)
            let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
            for name in json.keys.sorted() {
                let entry = try XCTUnwrap(json[name])
                let box = try XCTUnwrap(entry["crop_box_xyxy"] as? [Int])
                var aligned: (Int, Int)?
                if let shape = entry["aligned_shape"] as? [Int], shape.count == 2 {
                    aligned = (shape[0], shape[1])
                }
                cases.append(ReferenceCase(
                    folder: folder, name: name,
                    laterality: (entry["laterality"] as? String) == "R" ? .right : .left,
                    view: (entry["view"] as? String) == "MLO" ? .mlo : .cc,
                    angleDegrees: entry["mlo_angle_deg"] as? Double,
                    lineFound: entry["mlo_line_found"] as? Bool ?? false,
                    finalFlipped: entry["final_flipped"] as? Bool ?? false,
                    cropBox: PixelBox(x0: box[0], y0: box[1], x1: box[2], y1: box[3]),
                    alignedShape: aligned))
            }
        }
        return cases
    }

    static func grayImage(path: String) throws -> GrayImage {
        let pgm = try PGMFile.read(path: path)
        XCTAssertEqual(pgm.maxval, 255, "\(path) is not an 8-bit PGM")
        return GrayImage(width: pgm.width, height: pgm.height, pixels: pgm.samples.map { UInt8(min($0, 255)) })
    }

    /// Float data of an ONNX TensorProto: dims (field 1), data_type (field 2, 1 = float) and
    /// raw_data (field 9, little-endian float32). Other fields are skipped.
    static func tensor(path: String) throws -> (dims: [Int], values: [Float]) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var index = 0
        var dims: [Int] = []
        var values: [Float] = []

        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { break }
            }
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }

        while index < bytes.count {
            let key = try varint()
            let field = key >> 3
            switch key & 7 {
            case 0:
                let value = try varint()
                if field == 1 { dims.append(Int(value)) }
            case 1:
                index += 8
            case 2:
                let length = Int(try varint())
                guard index + length <= bytes.count else {
                    throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
                }
                if field == 9 {
                    values = stride(from: index, to: index + length, by: 4).map { offset in
                        let bits = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
                        return Float(bitPattern: bits)
                    }
                } else if field == 1 {
                    // Packed dims.
                    let end = index + length
                    while index < end { dims.append(Int(try varint())) }
                    continue
                }
                index += length
            case 5:
                index += 4
            default:
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
            }
        }
        return (dims, values)
    }

    static func meanAbsoluteDifference(_ lhs: [Float], _ rhs: ArraySlice<Float>) -> Double {
        var total = 0.0
        for (a, b) in zip(lhs, rhs) { total += Double(abs(a - b)) }
        return total / Double(max(lhs.count, 1))
    }
}
