/// GLAM's orientation rule: the chest wall goes on the left.
enum Orientation {
    /// Whether the right half holds more non-zero pixels than the left half; the split column is
    /// `Int(0.5 * width)`, as in GLAM.
    static func needsFlip(_ image: GrayImage) -> Bool {
        let split = image.width / 2
        var left = 0
        var right = 0
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<image.height {
                let row = y * image.width
                for x in 0..<split where pixels[row + x] != 0 { left += 1 }
                for x in split..<image.width where pixels[row + x] != 0 { right += 1 }
            }
        }
        return left < right
    }
}
