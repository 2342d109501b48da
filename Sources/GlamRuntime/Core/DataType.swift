/// An ONNX tensor element type (`TensorProto.DataType`).
public struct DataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `TensorProto.DataType` enum value.
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// `UNDEFINED` (0).
    public static let undefined = DataType(rawValue: 0)
    /// `FLOAT` (1), IEEE binary32.
    public static let float = DataType(rawValue: 1)
    /// `UINT8` (2).
    public static let uint8 = DataType(rawValue: 2)
    /// `INT8` (3).
    public static let int8 = DataType(rawValue: 3)
    /// `UINT16` (4).
    public static let uint16 = DataType(rawValue: 4)
    /// `INT16` (5).
    public static let int16 = DataType(rawValue: 5)
    /// `INT32` (6).
    public static let int32 = DataType(rawValue: 6)
    /// `INT64` (7).
    public static let int64 = DataType(rawValue: 7)
    /// `STRING` (8); not supported by any kernel.
    public static let string = DataType(rawValue: 8)
    /// `BOOL` (9), one byte per element.
    public static let bool = DataType(rawValue: 9)
    /// `FLOAT16` (10), IEEE binary16.
    public static let float16 = DataType(rawValue: 10)
    /// `DOUBLE` (11), IEEE binary64.
    public static let double = DataType(rawValue: 11)
    /// `UINT32` (12).
    public static let uint32 = DataType(rawValue: 12)
    /// `UINT64` (13).
    public static let uint64 = DataType(rawValue: 13)
    /// `BFLOAT16` (16), the upper half of a binary32.
    public static let bfloat16 = DataType(rawValue: 16)

    /// The size of one element in bytes, or nil for types without a fixed-size representation.
    public var byteSize: Int? {
        switch self {
        case .float, .int32, .uint32: return 4
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .int64, .uint64, .double: return 8
        default: return nil
        }
    }

    /// True for the types that hold floating-point values.
    public var isFloatingPoint: Bool {
        self == .float || self == .double || self == .float16 || self == .bfloat16
    }

    /// True for the integer types, signed or unsigned (not bool).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .int32, .int64, .uint32, .uint64: return true
        default: return false
        }
    }

    /// The ONNX spelling, for example `FLOAT` or `INT64`.
    public var description: String {
        switch self {
        case .undefined: return "UNDEFINED"
        case .float: return "FLOAT"
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .string: return "STRING"
        case .bool: return "BOOL"
        case .float16: return "FLOAT16"
        case .double: return "DOUBLE"
        case .uint32: return "UINT32"
        case .uint64: return "UINT64"
        case .bfloat16: return "BFLOAT16"
        default: return "DataType(\(rawValue))"
        }
    }
}
