/// A rectangle of whole pixels with inclusive bounds, as `(x0, y0, x1, y1)`.
public struct PixelBox: Sendable, Equatable, CustomStringConvertible {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    public var width: Int { x1 - x0 + 1 }
    public var height: Int { y1 - y0 + 1 }
    public var area: Int { width * height }

    /// Intersection over union of the two boxes' pixel sets.
    public func intersectionOverUnion(_ other: PixelBox) -> Double {
        let overlapWidth = min(x1, other.x1) - max(x0, other.x0) + 1
        let overlapHeight = min(y1, other.y1) - max(y0, other.y0) + 1
        guard overlapWidth > 0, overlapHeight > 0 else { return 0 }
        let overlap = Double(overlapWidth * overlapHeight)
        return overlap / (Double(area) + Double(other.area) - overlap)
    }

    public var description: String { "[\(x0), \(y0), \(x1), \(y1)]" }
}
