/// Binary PGM (P5) reading and writing; 16-bit samples are big-endian as the format requires.
public enum PGMFile {
    static let maxSide = 1 << 16
    static let maxPixels = 1 << 28

    /// Reads a binary (P5) PGM file. Comments (`#` to end of line) in the header are skipped.
    public static func read(path: String) throws -> GrayImageData {
        let bytes = try FileBytes.read(path: path)
        var index = 0

        func fail(_ reason: String) -> ImageIOError {
            ImageIOError.readFailed(path: path, reason: reason)
        }

        func skipSpaceAndComments() {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    index += 1
                } else {
                    return
                }
            }
        }

        func readNumber(_ name: String) throws -> Int {
            skipSpaceAndComments()
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
                if value > Int(Int32.max) { throw fail("header field \(name) is too large") }
            }
            if digits == 0 { throw fail("header field \(name) is missing or not a number") }
            return value
        }

        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") else {
            throw fail("not a binary PGM file (expected magic P5)")
        }
        index = 2
        let width = try readNumber("width")
        let height = try readNumber("height")
        let maxval = try readNumber("maxval")
        guard width > 0, height > 0, width <= maxSide, height <= maxSide, width * height <= maxPixels else {
            throw fail("invalid size \(width)x\(height); each side must be in 1...\(maxSide)")
        }
        guard maxval > 0, maxval <= 65535 else {
            throw fail("invalid maxval \(maxval); expected 1...65535")
        }
        // Exactly one whitespace byte separates the header from the raster.
        index += 1

        let pixelCount = width * height
        let bytesPerSample = maxval > 255 ? 2 : 1
        guard bytes.count - index >= pixelCount * bytesPerSample else {
            throw fail("raster is truncated: \(bytes.count - index) bytes, expected \(pixelCount * bytesPerSample)")
        }

        var samples = [UInt16](repeating: 0, count: pixelCount)
        if bytesPerSample == 1 {
            for i in 0..<pixelCount { samples[i] = UInt16(bytes[index + i]) }
        } else {
            for i in 0..<pixelCount {
                samples[i] = UInt16(bytes[index + 2 * i]) << 8 | UInt16(bytes[index + 2 * i + 1])
            }
        }
        return GrayImageData(width: width, height: height, maxval: maxval, samples: samples)
    }

    /// Writes 8-bit pixels as a binary PGM file with maxval 255.
    public static func write(path: String, width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, width <= maxSide, height <= maxSide, pixels.count == width * height else {
            throw ImageIOError.invalidArgument(
                "PGM \(path): got \(pixels.count) pixels for size \(width)x\(height); sides must be in 1...\(maxSide)")
        }
        var bytes = Array("P5\n\(width) \(height)\n255\n".utf8)
        bytes.append(contentsOf: pixels)
        try FileBytes.write(path: path, bytes: bytes)
    }

    /// Writes samples in 0...maxval as a binary PGM file, one byte per sample when maxval < 256.
    public static func write(path: String, image: GrayImageData) throws {
        let width = image.width
        let height = image.height
        guard width > 0, height > 0, width <= maxSide, height <= maxSide,
              image.samples.count == width * height, image.maxval > 0, image.maxval <= 65535
        else {
            throw ImageIOError.invalidArgument(
                "PGM \(path): got \(image.samples.count) samples for size \(width)x\(height), maxval \(image.maxval)")
        }
        var bytes = Array("P5\n\(width) \(height)\n\(image.maxval)\n".utf8)
        if image.maxval < 256 {
            bytes.append(contentsOf: image.samples.map { UInt8(truncatingIfNeeded: min(Int($0), image.maxval)) })
        } else {
            for sample in image.samples {
                let value = min(sample, UInt16(image.maxval))
                bytes.append(UInt8(value >> 8))
                bytes.append(UInt8(value & 0xFF))
            }
        }
        try FileBytes.write(path: path, bytes: bytes)
    }
}
