/// Step 1 of GLAM's pipeline: stored values to 8 bits.
///
/// GLAM's DICOM reader uses OpenCV `convertScaleAbs(x, alpha: 255 / max(x))`, which rounds
/// `|x * alpha|` to nearest and saturates to 0...255, then applies `bitwise_not` for MONOCHROME1.
enum EightBitConversion {
    static func convert(_ image: StoredImage) throws -> GrayImage {
        try SizeLimits.check(width: image.width, height: image.height)
        guard image.values.count == image.width * image.height else {
            throw PreprocessError.valueCountMismatch(count: image.values.count, width: image.width, height: image.height)
        }

        var nonFinite = 0
        var maximum = -Float.infinity
        for value in image.values {
            if value.isFinite {
                maximum = max(maximum, value)
            } else {
                nonFinite += 1
            }
        }
        guard nonFinite == 0 else { throw PreprocessError.nonFiniteValues(count: nonFinite) }
        guard maximum > 0 else { throw PreprocessError.noPositiveValues(maximum: Double(maximum)) }

        let scale = 255.0 / Double(maximum)
        var output = GrayImage(width: image.width, height: image.height)
        image.values.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                for i in 0..<source.count {
                    // Rounding half to even matches OpenCV's cvRound.
                    let scaled = abs(Double(source[i]) * scale).rounded(.toNearestOrEven)
                    let clamped = UInt8(min(scaled, 255))
                    target[i] = image.isMonochrome1 ? 255 - clamped : clamped
                }
            }
        }
        return output
    }
}
