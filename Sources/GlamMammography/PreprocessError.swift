/// A reason the preprocessor rejected its input.
public enum PreprocessError: Error, CustomStringConvertible, Equatable {
    case invalidSize(width: Int, height: Int, reason: String)
    case valueCountMismatch(count: Int, width: Int, height: Int)
    case nonFiniteValues(count: Int)
    case noPositiveValues(maximum: Double)
    case invalidOptions(String)

    public var description: String {
        switch self {
        case .invalidSize(let width, let height, let reason):
            return "invalid image size \(width)x\(height): \(reason)"
        case .valueCountMismatch(let count, let width, let height):
            return "image has \(count) values but its size \(width)x\(height) needs \(width * height); "
                + "pass one value per pixel, row-major"
        case .nonFiniteValues(let count):
            return "image contains \(count) NaN or infinite values; replace them (for example with 0) before preprocessing"
        case .noPositiveValues(let maximum):
            return "image maximum is \(maximum), so scaling to 8 bits by the maximum is undefined; "
                + "the image is blank or its values are not stored pixel values"
        case .invalidOptions(let message):
            return "invalid preprocessing options: \(message)"
        }
    }
}
