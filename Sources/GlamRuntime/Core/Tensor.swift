#if canImport(Glibc)
import Glibc
#endif

/// A 64-byte aligned, zero-initialised block of memory that backs one or more tensors.
public final class TensorBuffer: @unchecked Sendable {
    /// Alignment in bytes: one cache line, enough for AVX-512 loads.
    static let alignment = 64

    /// The largest single buffer libglam allocates, 4 GiB. GLAM's largest tensor (a ViT-B/14
    /// weight or an unfused attention score map for a pair) is under 200 MiB; the limit keeps a
    /// model that declares absurd shapes from making the host zero-fill tens of gigabytes.
    public static let maxByteCount = 1 << 32

    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    /// The elements of a STRING tensor, as raw bytes; empty for every other type.
    public var strings: [[UInt8]] = []
    /// The arena this buffer is a slice of; nil when the buffer owns its memory.
    private let parent: TensorBuffer?

    /// Allocates `byteCount` zeroed bytes, or throws when the system cannot provide them.
    public convenience init(byteCount: Int) throws {
        try self.init(byteCount: byteCount, zeroed: true)
    }

    /// Allocates `byteCount` bytes, zeroed only when `zeroed` is true: a caller that writes
    /// every byte before reading any skips touching every page twice.
    init(byteCount: Int, zeroed: Bool) throws {
        guard byteCount >= 0, byteCount <= TensorBuffer.maxByteCount else {
            throw GlamError(.outOfMemory, "a tensor of \(byteCount) bytes exceeds libglam's limit of \(TensorBuffer.maxByteCount) bytes (4 GiB); check the model's declared shapes")
        }
        var memory: UnsafeMutableRawPointer?
        let size = max(byteCount, 1)
        guard posix_memalign(&memory, TensorBuffer.alignment, size) == 0, let memory else {
            throw GlamError(.outOfMemory, "failed to allocate \(byteCount) bytes for a tensor")
        }
        if zeroed {
            memset(memory, 0, size)
        }
        self.pointer = memory
        self.byteCount = byteCount
        self.parent = nil
    }

    /// Creates a view of `byteCount` bytes at `offset` inside `arena`, which it keeps alive.
    init(slice arena: TensorBuffer, offset: Int, byteCount: Int) {
        self.pointer = arena.pointer + offset
        self.byteCount = byteCount
        self.parent = arena
    }

    deinit {
        if parent == nil {
            free(pointer)
        }
    }
}

/// A dense, row-major tensor: an element type, a shape and the bytes that hold its values.
///
/// `Tensor` has reference semantics for its contents: copies of a value share one buffer.
public struct Tensor: @unchecked Sendable {
    public let dataType: DataType
    public let shape: [Int]
    public let buffer: TensorBuffer
    /// The number of elements, the product of `shape` (1 for a scalar).
    public let count: Int

    /// Allocates a zero-filled tensor (empty strings for STRING).
    public init(dataType: DataType, shape: [Int]) throws {
        let count = try Shape.elementCount(shape)
        self.dataType = dataType
        self.shape = shape
        self.count = count
        if dataType == .string {
            self.buffer = try TensorBuffer(byteCount: 0)
            self.buffer.strings = [[UInt8]](repeating: [], count: count)
            return
        }
        guard let elementSize = dataType.byteSize else {
            throw GlamError.unsupported("tensors of type \(dataType) are not supported")
        }
        self.buffer = try TensorBuffer(byteCount: count * elementSize)
    }

    /// Wraps an existing buffer; `buffer` must hold at least `count × byteSize` bytes.
    init(dataType: DataType, shape: [Int], buffer: TensorBuffer) throws {
        let count = try Shape.elementCount(shape)
        let fits = dataType == .string ? buffer.strings.count == count
                                       : count * (dataType.byteSize ?? .max) <= buffer.byteCount
        guard fits else {
            throw GlamError.invalidArgument("buffer of \(buffer.byteCount) bytes is too small for \(dataType) \(shape)")
        }
        self.dataType = dataType
        self.shape = shape
        self.count = count
        self.buffer = buffer
    }

    /// Creates a tensor from element values; `values.count` must equal the shape's product.
    public init<Element: TensorElement>(shape: [Int], values: [Element]) throws {
        try self.init(dataType: Element.dataType, shape: shape)
        guard values.count == count else {
            throw GlamError.invalidArgument("\(values.count) values do not fill shape \(shape)")
        }
        values.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress {
                buffer.pointer.copyMemory(from: base, byteCount: bytes.count)
            }
        }
    }

    /// The size of the values in bytes.
    public var byteCount: Int { count * (dataType.byteSize ?? 0) }

    public var rank: Int { shape.count }

    public var rawPointer: UnsafeMutableRawPointer { buffer.pointer }

    /// A typed pointer to the first element; `Element` must match `dataType` in size.
    public func pointer<Element>(as type: Element.Type) -> UnsafeMutablePointer<Element> {
        buffer.pointer.assumingMemoryBound(to: Element.self)
    }

    /// Copies the values out as an array of `Element`, which must be the tensor's element type.
    public func values<Element: TensorElement>(as type: Element.Type) -> [Element] {
        precondition(Element.dataType == dataType, "tensor holds \(dataType), not \(Element.dataType)")
        return Array(UnsafeBufferPointer(start: pointer(as: Element.self), count: count))
    }

    /// Returns the same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let newCount = try Shape.elementCount(newShape)
        guard newCount == count else {
            throw GlamError.invalidArgument("cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        return try Tensor(dataType: dataType, shape: newShape, buffer: buffer)
    }

    /// Returns a deep copy with its own buffer.
    public func copy() throws -> Tensor {
        let result = try Tensor(dataType: dataType, shape: shape)
        try result.assign(from: self)
        return result
    }

    /// Copies the contents of `source`, which must have this tensor's type and element count.
    public func assign(from source: Tensor) throws {
        guard source.dataType == dataType, source.count == count else {
            throw GlamError.invalidArgument("cannot copy \(source.dataType)\(source.shape) into \(dataType)\(shape)")
        }
        if dataType == .string {
            buffer.strings = source.buffer.strings
        } else if byteCount > 0 {
            rawPointer.copyMemory(from: source.rawPointer, byteCount: byteCount)
        }
    }

    /// True when both tensors hold the same type, shape and bytes (or strings).
    public func hasSameContents(as other: Tensor) -> Bool {
        guard dataType == other.dataType, shape == other.shape else { return false }
        if dataType == .string {
            return buffer.strings == other.buffer.strings
        }
        return memcmp(rawPointer, other.rawPointer, byteCount) == 0
    }

    /// Reads an integer tensor (INT32 or INT64) as `[Int]`, the form shape-like inputs take.
    func integerValues(context: @autoclosure () -> String) throws -> [Int] {
        switch dataType {
        case .int64:
            return (0..<count).map { Int(pointer(as: Int64.self)[$0]) }
        case .int32:
            return (0..<count).map { Int(pointer(as: Int32.self)[$0]) }
        default:
            throw GlamError.invalidModel("\(context()) must be INT64 or INT32, got \(dataType)")
        }
    }

    /// Reads any numeric tensor as `[Double]`, for scalar attributes carried in tensors.
    func doubleValues() -> [Double] {
        (0..<count).map { elementAsDouble(at: $0) }
    }

    func elementAsDouble(at index: Int) -> Double {
        let base = buffer.pointer
        switch dataType {
        case .float: return Double(base.assumingMemoryBound(to: Float.self)[index])
        case .double: return base.assumingMemoryBound(to: Double.self)[index]
        case .float16: return Double(base.assumingMemoryBound(to: Float16.self)[index])
        case .bfloat16: return Double(BFloat16Bits.toFloat(base.assumingMemoryBound(to: UInt16.self)[index]))
        case .int8: return Double(base.assumingMemoryBound(to: Int8.self)[index])
        case .int16: return Double(base.assumingMemoryBound(to: Int16.self)[index])
        case .int32: return Double(base.assumingMemoryBound(to: Int32.self)[index])
        case .int64: return Double(base.assumingMemoryBound(to: Int64.self)[index])
        case .uint8: return Double(base.assumingMemoryBound(to: UInt8.self)[index])
        case .uint16: return Double(base.assumingMemoryBound(to: UInt16.self)[index])
        case .uint32: return Double(base.assumingMemoryBound(to: UInt32.self)[index])
        case .uint64: return Double(base.assumingMemoryBound(to: UInt64.self)[index])
        case .bool: return base.assumingMemoryBound(to: UInt8.self)[index] != 0 ? 1 : 0
        default: return 0
        }
    }
}

/// The shape and element type of a value, known at plan time.
public struct TensorType: Equatable, Sendable, CustomStringConvertible {
    public var dataType: DataType
    public var shape: [Int]

    public init(_ dataType: DataType, _ shape: [Int]) {
        self.dataType = dataType
        self.shape = shape
    }

    public var description: String { "\(dataType)\(shape)" }
}
