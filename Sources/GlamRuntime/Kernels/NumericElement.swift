#if canImport(Glibc)
import Glibc
#endif

/// Element arithmetic with ONNX semantics, shared by the elementwise kernels.
///
/// Integer arithmetic wraps on overflow and division by zero gives 0 instead of trapping: ONNX
/// leaves both undefined, and a hostile input must not abort the host.
protocol NumericElement: TensorElement, Comparable {
    static var zero: Self { get }
    static func add(_ a: Self, _ b: Self) -> Self
    static func subtract(_ a: Self, _ b: Self) -> Self
    static func multiply(_ a: Self, _ b: Self) -> Self
    static func divide(_ a: Self, _ b: Self) -> Self
    /// `Mod` with `fmod = 1` (sign of the dividend) or `fmod = 0` (sign of the divisor).
    static func remainder(_ a: Self, _ b: Self, truncated: Bool) -> Self
    static func negate(_ a: Self) -> Self
    static func maximum(_ a: Self, _ b: Self) -> Self
    static func minimum(_ a: Self, _ b: Self) -> Self
    init(converting value: Double)
    var doubleValue: Double { get }
}

extension NumericElement where Self: BinaryFloatingPoint {
    static var zero: Self { 0 }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self { a / b }
    @inline(__always) static func negate(_ a: Self) -> Self { -a }

    static func remainder(_ a: Self, _ b: Self, truncated: Bool) -> Self {
        let result = Self(fmod(Double(a), Double(b)))
        if truncated || result == 0 || (result < 0) == (b < 0) {
            return result
        }
        return result + b
    }

    /// NaN propagates, as in numpy's maximum.
    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self {
        a.isNaN || b.isNaN ? .nan : (a > b ? a : b)
    }

    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self {
        a.isNaN || b.isNaN ? .nan : (a < b ? a : b)
    }

    init(converting value: Double) { self.init(value) }
    var doubleValue: Double { Double(self) }
}

extension NumericElement where Self: FixedWidthInteger {
    static var zero: Self { 0 }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func negate(_ a: Self) -> Self { 0 &- a }

    /// Truncates toward zero, as C and onnxruntime do.
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self {
        guard b != 0 else { return 0 }
        let (quotient, overflow) = a.dividedReportingOverflow(by: b)
        return overflow ? a : quotient
    }

    static func remainder(_ a: Self, _ b: Self, truncated: Bool) -> Self {
        guard b != 0 else { return 0 }
        let (result, overflow) = a.remainderReportingOverflow(dividingBy: b)
        if overflow {
            return 0
        }
        if truncated || result == 0 || (result < 0) == (b < 0) {
            return result
        }
        return result &+ b
    }

    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self { a > b ? a : b }
    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self { a < b ? a : b }

    /// Converts with saturation; NaN becomes 0.
    init(converting value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Self.max) {
            self = Self.max
        } else if value <= Double(Self.min) {
            self = Self.min
        } else {
            self.init(value)
        }
    }

    var doubleValue: Double { Double(self) }
}

extension Float: NumericElement {}
extension Double: NumericElement {}
extension Float16: NumericElement {}
extension Int8: NumericElement {}
extension Int16: NumericElement {}
extension Int32: NumericElement {}
extension Int64: NumericElement {}
extension UInt8: NumericElement {}
extension UInt16: NumericElement {}
extension UInt32: NumericElement {}
extension UInt64: NumericElement {}

/// A computation generic over the numeric element type, chosen at run time from a `DataType`.
protocol NumericVisitor {
    associatedtype Result
    func visit<Element: NumericElement>(_ type: Element.Type) throws -> Result
}

/// A computation generic over the floating-point element type.
protocol FloatingVisitor {
    associatedtype Result
    func visit<Element: NumericElement & BinaryFloatingPoint>(_ type: Element.Type) throws -> Result
}

enum ElementDispatch {
    static func numeric<Visitor: NumericVisitor>(_ dataType: DataType, _ visitor: Visitor,
                                                 context: @autoclosure () -> String) throws -> Visitor.Result {
        switch dataType {
        case .float: return try visitor.visit(Float.self)
        case .double: return try visitor.visit(Double.self)
        case .float16: return try visitor.visit(Float16.self)
        case .int8: return try visitor.visit(Int8.self)
        case .int16: return try visitor.visit(Int16.self)
        case .int32: return try visitor.visit(Int32.self)
        case .int64: return try visitor.visit(Int64.self)
        case .uint8: return try visitor.visit(UInt8.self)
        case .uint16: return try visitor.visit(UInt16.self)
        case .uint32: return try visitor.visit(UInt32.self)
        case .uint64: return try visitor.visit(UInt64.self)
        default:
            throw GlamError.unsupported("\(context()): data type \(dataType) is not supported")
        }
    }

    static func floating<Visitor: FloatingVisitor>(_ dataType: DataType, _ visitor: Visitor,
                                                   context: @autoclosure () -> String) throws -> Visitor.Result {
        switch dataType {
        case .float: return try visitor.visit(Float.self)
        case .double: return try visitor.visit(Double.self)
        case .float16: return try visitor.visit(Float16.self)
        default:
            throw GlamError.unsupported("\(context()): data type \(dataType) is not supported; expected FLOAT, DOUBLE or FLOAT16")
        }
    }
}
