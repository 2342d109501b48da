import CPNG

/// PNG reading and writing through libpng's simplified API.
///
/// The simplified API reports failures through return values and `png_image.message`.
/// libpng's classic API reports them with `longjmp`, which Swift cannot unwind through.
public enum PNGFile {
    /// Largest decoded buffer accepted, in samples; larger files are rejected before allocation.
    static let maxSamples = 1 << 30

    /// Reads a PNG file as grayscale or RGB samples.
    ///
    /// 16-bit files keep all 16 bits (`bitDepth` 16); others decode to 8 bits. Palette files decode
    /// to RGB. An alpha channel is dropped by compositing onto black, as libpng does when the
    /// requested format has no alpha and no background colour is given.
    public static func read(path: String) throws -> DecodedImage {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw ImageIOError.readFailed(path: path, reason: reason)
        }

        let fileFormat = image.format
        let isColor = fileFormat & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let isSixteenBit = fileFormat & png_uint_32(PNG_FORMAT_FLAG_LINEAR) != 0
        let channels = isColor ? 3 : 1
        let width = Int(image.width)
        let height = Int(image.height)

        let (pixelCount, pixelOverflow) = width.multipliedReportingOverflow(by: height)
        let (sampleCount, sampleOverflow) = pixelCount.multipliedReportingOverflow(by: channels)
        guard !pixelOverflow, !sampleOverflow, sampleCount > 0, sampleCount <= maxSamples else {
            png_image_free(&image)
            throw ImageIOError.readFailed(
                path: path, reason: "image size \(width)x\(height) is empty or exceeds \(maxSamples) samples")
        }

        let rowStride = png_int_32(width * channels)
        if isSixteenBit {
            image.format = isColor ? png_uint_32(PNG_FORMAT_LINEAR_RGB) : png_uint_32(PNG_FORMAT_LINEAR_Y)
            var samples = [UInt16](repeating: 0, count: sampleCount)
            let ok = samples.withUnsafeMutableBytes {
                png_image_finish_read(&image, nil, $0.baseAddress, rowStride, nil)
            }
            guard ok != 0 else {
                let reason = message(of: image)
                png_image_free(&image)
                throw ImageIOError.readFailed(path: path, reason: reason)
            }
            return DecodedImage(width: width, height: height, channels: channels, bitDepth: 16, samples: samples)
        }

        image.format = isColor ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        var bytes = [UInt8](repeating: 0, count: sampleCount)
        let ok = bytes.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, rowStride, nil)
        }
        guard ok != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw ImageIOError.readFailed(path: path, reason: reason)
        }
        let samples = bytes.map { UInt16($0) }
        return DecodedImage(width: width, height: height, channels: channels, bitDepth: 8, samples: samples)
    }

    /// Writes 8-bit RGB samples (row-major, interleaved) as a PNG file.
    public static func writeRGB(path: String, width: Int, height: Int, rgb: [UInt8]) throws {
        try write(path: path, width: width, height: height, channels: 3, samples: rgb)
    }

    /// Writes 8-bit grayscale pixels (row-major) as a PNG file.
    public static func writeGray(path: String, width: Int, height: Int, pixels: [UInt8]) throws {
        try write(path: path, width: width, height: height, channels: 1, samples: pixels)
    }

    private static func write(path: String, width: Int, height: Int, channels: Int, samples: [UInt8]) throws {
        guard width > 0, height > 0, width <= Int(Int32.max) / channels, height <= Int(Int32.max) else {
            throw ImageIOError.invalidArgument("invalid PNG size \(width)x\(height) for \(path); both sides must be positive")
        }
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= maxSamples / channels, samples.count == pixelCount * channels else {
            throw ImageIOError.invalidArgument(
                "PNG \(path): got \(samples.count) samples, expected \(width)x\(height)x\(channels)")
        }

        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        let ok = samples.withUnsafeBytes {
            png_image_write_to_file(&image, path, 0, $0.baseAddress, png_int_32(width * channels), nil)
        }
        guard ok != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw ImageIOError.writeFailed(path: path, reason: reason)
        }
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
