/// The tolerance of a comparison with a reference: |a − b| ≤ absolute + relative · |b|.
public struct Tolerance: Sendable, CustomStringConvertible {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double, relative: Double = 0) {
        self.absolute = absolute
        self.relative = relative
    }

    /// The rule of ONNX's own backend tests (numpy `assert_allclose(rtol=1e-3, atol=1e-7)`).
    public static let onnxBackend = Tolerance(absolute: 1e-7, relative: 1e-3)

    /// The fixture rule: max abs diff ≤ 1e-4.
    public static let fixture = Tolerance(absolute: 1e-4)

    public var description: String {
        relative == 0 ? "max abs diff ≤ \(absolute)" : "|diff| ≤ \(absolute) + \(relative)·|expected|"
    }
}

/// The result of comparing one tensor with its reference.
public struct Comparison: Sendable {
    public var maxAbsoluteDifference: Double
    /// Cosine similarity of the flattened tensors (1 for two zero tensors).
    public var cosine: Double
    public var passed: Bool
    /// The reason for a failure found before comparing values (a type or shape mismatch).
    public var mismatch: String?

    /// Compares `actual` with `expected` element by element; NaN matches NaN.
    public static func compare(_ actual: Tensor, _ expected: Tensor, tolerance: Tolerance) -> Comparison {
        guard actual.dataType == expected.dataType else {
            return Comparison(maxAbsoluteDifference: .infinity, cosine: 0, passed: false,
                              mismatch: "type \(actual.dataType) differs from expected \(expected.dataType)")
        }
        guard actual.shape == expected.shape else {
            return Comparison(maxAbsoluteDifference: .infinity, cosine: 0, passed: false,
                              mismatch: "shape \(actual.shape) differs from expected \(expected.shape)")
        }
        if actual.dataType == .string {
            let same = actual.buffer.strings == expected.buffer.strings
            return Comparison(maxAbsoluteDifference: same ? 0 : .infinity, cosine: same ? 1 : 0, passed: same,
                              mismatch: same ? nil : "strings differ")
        }
        var maximum = 0.0
        var passed = true
        var dot = 0.0
        var normActual = 0.0
        var normExpected = 0.0
        for index in 0..<actual.count {
            let a = actual.elementAsDouble(at: index)
            let b = expected.elementAsDouble(at: index)
            if a.isNaN || b.isNaN {
                if a.isNaN != b.isNaN {
                    passed = false
                    maximum = .nan
                }
                continue
            }
            if a == b {
                dot += a * b
                normActual += a * a
                normExpected += b * b
                continue
            }
            let difference = abs(a - b)
            if !(difference <= maximum) || difference.isNaN {
                maximum = difference.isNaN ? .infinity : max(maximum, difference)
            }
            if !(difference <= tolerance.absolute + tolerance.relative * abs(b)) {
                passed = false
            }
            dot += a * b
            normActual += a * a
            normExpected += b * b
        }
        let denominator = (normActual * normExpected).squareRoot()
        let cosine = denominator == 0 ? (normActual == normExpected ? 1 : 0) : dot / denominator
        return Comparison(maxAbsoluteDifference: maximum, cosine: cosine, passed: passed, mismatch: nil)
    }
}
