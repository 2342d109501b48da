/// A 2-D affine map `(x, y) -> (a*x + b*y + c, d*x + e*y + f)`.
public struct AffineTransform: Sendable, Equatable {
    public var a: Double
    public var b: Double
    public var c: Double
    public var d: Double
    public var e: Double
    public var f: Double

    public init(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.e = e
        self.f = f
    }

    public static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

    public static func translation(x: Double, y: Double) -> AffineTransform {
        AffineTransform(a: 1, b: 0, c: x, d: 0, e: 1, f: y)
    }

    public static func scaling(x: Double, y: Double) -> AffineTransform {
        AffineTransform(a: x, b: 0, c: 0, d: 0, e: y, f: 0)
    }

    /// The mirror image across the vertical line `x = width / 2`, for pixel-edge coordinates.
    public static func horizontalFlip(width: Int) -> AffineTransform {
        AffineTransform(a: -1, b: 0, c: Double(width), d: 0, e: 1, f: 0)
    }

    public func apply(x: Double, y: Double) -> (x: Double, y: Double) {
        (a * x + b * y + c, d * x + e * y + f)
    }

    /// The inverse map, or nil when the linear part is singular (determinant below 1e-12 in magnitude).
    public var inverted: AffineTransform? {
        let determinant = a * e - b * d
        guard determinant.isFinite, abs(determinant) > 1e-12 else { return nil }
        let ia = e / determinant
        let ib = -b / determinant
        let id = -d / determinant
        let ie = a / determinant
        return AffineTransform(a: ia, b: ib, c: -(ia * c + ib * f), d: id, e: ie, f: -(id * c + ie * f))
    }

    /// The map that applies `self` first and `next` second.
    public func then(_ next: AffineTransform) -> AffineTransform {
        AffineTransform(
            a: next.a * a + next.b * d,
            b: next.a * b + next.b * e,
            c: next.a * c + next.b * f + next.c,
            d: next.d * a + next.e * d,
            e: next.d * b + next.e * e,
            f: next.d * c + next.e * f + next.f)
    }
}
