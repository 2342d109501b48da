/// Binary masks and the square dilation used before label detection.
enum Morphology {
    /// Pixels whose value exceeds `threshold`.
    static func mask(of image: GrayImage, above threshold: UInt8) -> [Bool] {
        image.pixels.map { $0 > threshold }
    }

    /// Dilation by a square of side `2 * radius + 1`, computed as a row pass then a column pass.
    ///
    /// GLAM blurs the binary mask with a 5x5 Gaussian and keeps every non-zero result; the
    /// smallest kernel weight times 255 still rounds to at least 1, so that equals this dilation
    /// with radius 2.
    static func dilate(_ mask: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        var rows = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where mask[row + x] {
                for nx in max(x - radius, 0)...min(x + radius, width - 1) {
                    rows[row + nx] = true
                }
            }
        }
        var output = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where rows[row + x] {
                for ny in max(y - radius, 0)...min(y + radius, height - 1) {
                    output[ny * width + x] = true
                }
            }
        }
        return output
    }
}

extension Morphology {
    /// Erosion by a square of side `2 * radius + 1`; pixels outside the image count as set, so
    /// a region touching the border does not shrink away from it.
    static func erode(_ mask: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        let inverted = mask.map { !$0 }
        return dilate(inverted, width: width, height: height, radius: radius).map { !$0 }
    }

    /// Opening (erosion, then dilation): removes parts of the mask thinner than `2 * radius + 1`.
    static func open(_ mask: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        let eroded = erode(mask, width: width, height: height, radius: radius)
        return dilate(eroded, width: width, height: height, radius: radius)
    }
}
