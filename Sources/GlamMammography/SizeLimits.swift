/// Bounds on image sizes, checked before any allocation.
enum SizeLimits {
    static let maxSide = 65_536
    static let maxPixels = 1 << 28

    /// Throws unless both sides are positive, at most `maxSide`, and the product is at most `maxPixels`.
    static func check(width: Int, height: Int) throws {
        guard width > 0, height > 0 else {
            throw PreprocessError.invalidSize(width: width, height: height, reason: "both sides must be positive")
        }
        guard width <= maxSide, height <= maxSide else {
            throw PreprocessError.invalidSize(
                width: width, height: height, reason: "each side must be at most \(maxSide) pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw PreprocessError.invalidSize(
                width: width, height: height, reason: "the image must have at most \(maxPixels) pixels")
        }
    }
}
