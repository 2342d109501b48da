/// Vectorised exp and erf over SIMD8<Float>, for the standalone Erf operator (softmax and GELU
/// use the C kernels, which reach AVX-512 and AVX2).
///
/// SIMD8 because the package builds for baseline x86-64: there SIMD16 is split into scalar code
/// (measured 18 ns per exp) while SIMD8 maps onto SSE register pairs (1.8 ns; scalar expf 3.5 ns).
///
/// `exp` reduces x = k·ln2 + r with |r| ≤ ln2/2 and evaluates a degree-7 Taylor polynomial for
/// e^r (truncation error below 3e-8 relative), then scales by 2^k through the exponent bits.
/// `erf` uses Abramowitz and Stegun's formula 7.1.26 (absolute error below 1.5e-7) for
/// |x| ≥ 0.5 and its Maclaurin series below.
enum VectorMath {
    typealias Vector = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = pointwiseMin(pointwiseMax(x, Vector(repeating: -87.3)), Vector(repeating: 88.3))
        // Adding 1.5 · 2^23 rounds to the nearest integer k and leaves k in the low mantissa bits.
        let shifted = clamped * 1.44269504088896341 + 12582912.0
        let k = shifted - 12582912.0
        let r = clamped - k * 0.693145751953125 - k * 1.428606765330187045e-06
        var p = Vector(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127
        return p * unsafeBitCast(exponent &<< 23, to: Vector.self)
    }

    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let negative = x .< 0
        let a = x.replacing(with: -x, where: negative)
        let t = Vector(repeating: 1) / (Vector(repeating: 1) + 0.3275911 * a)
        var p = Vector(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        p = p * t
        var magnitude = Vector(repeating: 1) - p * VectorMath.exp(-(a * a))

        // Near 0 the formula above cancels to an absolute, not relative, error; the Maclaurin
        // series up to x⁹ is accurate to 1e-7 relative there.
        let small = a .< 0.5
        if any(small) {
            let square = a * a
            var series = Vector(repeating: 1.0 / 216)
            series = series * (-square) + 1.0 / 42
            series = series * (-square) + 0.1
            series = series * (-square) + 1.0 / 3
            series = series * (-square) + 1
            series = series * a * 1.12837916709551257
            magnitude.replace(with: series, where: small)
        }
        return magnitude.replacing(with: -magnitude, where: negative)
    }

    /// Computes erf of `count` values; `output` may equal `input`.
    static func erf(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        let lanes = Vector.scalarCount
        var index = 0
        while index + lanes <= count {
            let x = load(input + index)
            store(erf(x), output + index)
            index += lanes
        }
        if index < count {
            // The tail goes through one padded vector so it gets the same rounding as the rest.
            var tail = Vector()
            for lane in 0..<(count - index) { tail[lane] = input[index + lane] }
            let result = erf(tail)
            for lane in 0..<(count - index) { output[index + lane] = result[lane] }
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
    }
}
