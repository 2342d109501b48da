/// An 8-bit grayscale image, row-major.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Creates a black image; the caller has validated the size.
    init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height))
    }

    /// Returns the image mirrored left to right.
    func flippedHorizontally() -> GrayImage {
        var output = self
        pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        target[row + x] = source[row + width - 1 - x]
                    }
                }
            }
        }
        return output
    }

    /// Returns the pixels inside `box` (inclusive bounds); the caller keeps `box` inside the image.
    func cropped(to box: PixelBox) -> GrayImage {
        var output = GrayImage(width: box.width, height: box.height)
        for y in 0..<box.height {
            let sourceStart = (box.y0 + y) * width + box.x0
            let targetStart = y * box.width
            for x in 0..<box.width {
                output.pixels[targetStart + x] = pixels[sourceStart + x]
            }
        }
        return output
    }
}
