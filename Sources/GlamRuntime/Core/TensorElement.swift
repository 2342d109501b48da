/// A Swift type that stores one element of an ONNX tensor type.
public protocol TensorElement {
    static var dataType: DataType { get }
}

extension Float: TensorElement { public static var dataType: DataType { .float } }
extension Double: TensorElement { public static var dataType: DataType { .double } }
extension Float16: TensorElement { public static var dataType: DataType { .float16 } }
extension Int8: TensorElement { public static var dataType: DataType { .int8 } }
extension Int16: TensorElement { public static var dataType: DataType { .int16 } }
extension Int32: TensorElement { public static var dataType: DataType { .int32 } }
extension Int64: TensorElement { public static var dataType: DataType { .int64 } }
extension UInt8: TensorElement { public static var dataType: DataType { .uint8 } }
extension UInt16: TensorElement { public static var dataType: DataType { .uint16 } }
extension UInt32: TensorElement { public static var dataType: DataType { .uint32 } }
extension UInt64: TensorElement { public static var dataType: DataType { .uint64 } }
extension Bool: TensorElement { public static var dataType: DataType { .bool } }

/// Conversions between binary32 and bfloat16 bit patterns (bfloat16 has no Swift type).
enum BFloat16Bits {
    static func toFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Keeps the upper 16 bits; NaN stays a quiet NaN.
    static func truncating(_ value: Float) -> UInt16 {
        value.isNaN ? 0x7FC0 : UInt16(truncatingIfNeeded: value.bitPattern >> 16)
    }
}
