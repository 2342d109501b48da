/// Samples of a decoded image, row-major with interleaved channels.
///
/// 8-bit files keep their values (0...255) in `samples`; 16-bit files keep 0...65535.
public struct DecodedImage: Sendable {
    public var width: Int
    public var height: Int
    /// 1 for grayscale, 3 for RGB.
    public var channels: Int
    /// 8 or 16: the range of `samples`, not the storage type.
    public var bitDepth: Int
    public var samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }
}

/// A grayscale PGM image: `samples` lie in 0...maxval.
public struct GrayImageData: Sendable {
    public var width: Int
    public var height: Int
    public var maxval: Int
    public var samples: [UInt16]

    public init(width: Int, height: Int, maxval: Int, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.maxval = maxval
        self.samples = samples
    }
}
