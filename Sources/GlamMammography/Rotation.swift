import Glibc

/// Rotation with the semantics of OpenCV `getRotationMatrix2D` and `warpAffine` (bilinear,
/// constant-zero border), on an 8-bit image that GLAM stores as floats in [0, 1].
enum Rotation {
    /// OpenCV's forward matrix for a counter-clockwise rotation by `angleDegrees` about `center`,
    /// in pixel-centre coordinates (pixel `(i, j)` at `(i, j)`), as `(a, b, c, d, e, f)`.
    static func matrix(center: (x: Double, y: Double), angleDegrees: Double) -> AffineTransform {
        let radians = angleDegrees * Double.pi / 180
        let alpha = cos(radians)
        let beta = sin(radians)
        return AffineTransform(
            a: alpha, b: beta, c: (1 - alpha) * center.x - beta * center.y,
            d: -beta, e: alpha, f: beta * center.x + (1 - alpha) * center.y)
    }

    /// Converts a pixel-centre map to pixel-edge coordinates (pixel `(i, j)` centred at `(i + 0.5, j + 0.5)`).
    static func edgeCoordinates(_ centre: AffineTransform) -> AffineTransform {
        AffineTransform.translation(x: -0.5, y: -0.5).then(centre).then(.translation(x: 0.5, y: 0.5))
    }

    /// Warps `image` onto a `width` x `height` canvas with the forward map `forward`.
    ///
    /// OpenCV rounds each source position to 1/32 pixel before interpolating. GLAM converts the
    /// float result back to 8 bits by truncation (`(x * 255).astype(uint8)`), and so does this.
    static func warp(_ image: GrayImage, forward: AffineTransform, width: Int, height: Int) -> GrayImage {
        var output = GrayImage(width: width, height: height)
        guard let inverse = forward.inverted else { return output }

        var unit = [Double](repeating: 0, count: 256)
        for level in 0..<256 { unit[level] = Double(level) / 255 }
        let abScale = 1024.0
        let roundDelta = 16
        let sourceWidth = image.width
        let sourceHeight = image.height

        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let rowX = fixedPoint((inverse.b * Double(y) + inverse.c) * abScale) + roundDelta
                    let rowY = fixedPoint((inverse.e * Double(y) + inverse.f) * abScale) + roundDelta
                    for x in 0..<width {
                        // Source position in 1/32 pixel: whole pixels above bit 5, fraction below.
                        let positionX = (rowX + fixedPoint(inverse.a * Double(x) * abScale)) >> 5
                        let positionY = (rowY + fixedPoint(inverse.d * Double(x) * abScale)) >> 5
                        let ix = positionX >> 5
                        let iy = positionY >> 5
                        guard ix >= -1, iy >= -1, ix < sourceWidth, iy < sourceHeight else { continue }
                        let fx = Double(positionX & 31) / 32
                        let fy = Double(positionY & 31) / 32

                        func sample(_ sx: Int, _ sy: Int) -> Double {
                            guard sx >= 0, sy >= 0, sx < sourceWidth, sy < sourceHeight else { return 0 }
                            return unit[Int(source[sy * sourceWidth + sx])]
                        }
                        let top = sample(ix, iy) * (1 - fx) + sample(ix + 1, iy) * fx
                        let bottom = sample(ix, iy + 1) * (1 - fx) + sample(ix + 1, iy + 1) * fx
                        let value = (top * (1 - fy) + bottom * fy) * 255
                        target[y * width + x] = UInt8(min(max(value, 0), 255))
                    }
                }
            }
        }
        return output
    }
}

/// `value` rounded half to even and clamped to `Int32`, as OpenCV's `saturate_cast<int>` does.
private func fixedPoint(_ value: Double) -> Int {
    Int(min(max(value.rounded(.toNearestOrEven), Double(Int32.min)), Double(Int32.max)))
}
