/// Cast: converts between FLOAT, DOUBLE, FLOAT16, BFLOAT16, the integer types and BOOL.
///
/// Integer to integer wraps (two's complement), floating to integer truncates toward zero and
/// saturates, anything to BOOL tests for non-zero. STRING parses and prints decimal numbers, with
/// the shortest text that reads back as the same value, as numpy does. The opset 19
/// `saturate` attribute only concerns float8 types, which libglam does not support.
final class CastOperator: Operator {
    private let node: Node
    private var source = DataType.float
    private var target = DataType.float

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let input = try inputs.required(0, of: node)
        guard let to = try AttributeReader(node: node).int("to") else {
            throw GlamError.invalidModel("\(node.label): attribute 'to' is missing")
        }
        source = input.type.dataType
        target = DataType(rawValue: Int32(truncatingIfNeeded: to))
        for type in [source, target] where type.byteSize == nil && type != .string {
            throw GlamError.unsupported("\(node.label): Cast involving \(type) is not supported")
        }
        return [TensorType(target, input.type.shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        let input = try inputs.at(0)
        let output = outputs[0]
        if source == target {
            try output.assign(from: input)
            return
        }
        if source == .string || target == .string {
            try castStrings(input, output)
            return
        }
        for index in 0..<input.count {
            CastOperator.store(CastOperator.load(input, index), into: output, at: index)
        }
    }

    private func castStrings(_ input: Tensor, _ output: Tensor) throws {
        if target == .string {
            output.buffer.strings = (0..<input.count).map { Array(CastOperator.text(input, $0).utf8) }
            return
        }
        for (index, bytes) in input.buffer.strings.enumerated() {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let value = Double(text.trimmingSpaces) ?? CastOperator.specialValue(text) else {
                throw GlamError.invalidArgument("\(node.label): '\(text)' is not a number")
            }
            CastOperator.store(.floating(value), into: output, at: index)
        }
    }

    private static func text(_ tensor: Tensor, _ index: Int) -> String {
        switch tensor.dataType {
        case .float: return String(tensor.pointer(as: Float.self)[index])
        case .float16: return String(Float(tensor.pointer(as: Float16.self)[index]))
        case .bfloat16: return String(BFloat16Bits.toFloat(tensor.pointer(as: UInt16.self)[index]))
        case .double: return String(tensor.pointer(as: Double.self)[index])
        default:
            switch load(tensor, index) {
            case .signed(let value): return String(value)
            case .unsigned(let value): return String(value)
            case .floating(let value): return String(value)
            }
        }
    }

    private static func specialValue(_ text: String) -> Double? {
        switch text.lowercased() {
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: return nil
        }
    }

    /// One element widened to the type that holds it exactly.
    enum Scalar {
        case signed(Int64)
        case unsigned(UInt64)
        case floating(Double)
    }

    static func load(_ tensor: Tensor, _ index: Int) -> Scalar {
        let base = tensor.rawPointer
        switch tensor.dataType {
        case .int8: return .signed(Int64(base.assumingMemoryBound(to: Int8.self)[index]))
        case .int16: return .signed(Int64(base.assumingMemoryBound(to: Int16.self)[index]))
        case .int32: return .signed(Int64(base.assumingMemoryBound(to: Int32.self)[index]))
        case .int64: return .signed(base.assumingMemoryBound(to: Int64.self)[index])
        case .uint8, .bool: return .unsigned(UInt64(base.assumingMemoryBound(to: UInt8.self)[index]))
        case .uint16: return .unsigned(UInt64(base.assumingMemoryBound(to: UInt16.self)[index]))
        case .uint32: return .unsigned(UInt64(base.assumingMemoryBound(to: UInt32.self)[index]))
        case .uint64: return .unsigned(base.assumingMemoryBound(to: UInt64.self)[index])
        default: return .floating(tensor.elementAsDouble(at: index))
        }
    }

    static func store(_ value: Scalar, into tensor: Tensor, at index: Int) {
        let base = tensor.rawPointer
        switch tensor.dataType {
        case .float:
            base.assumingMemoryBound(to: Float.self)[index] = Float(value.double)
        case .double:
            base.assumingMemoryBound(to: Double.self)[index] = value.double
        case .float16:
            // Through Float so that rounding happens once, as a binary32 → binary16 conversion.
            base.assumingMemoryBound(to: Float16.self)[index] = Float16(Float(value.double))
        case .bfloat16:
            // NOTE: truncates to the upper 16 bits, as ONNX 1.12's reference implementation and
            // its conformance data do; PyTorch rounds to nearest even, so results may differ by 1 ulp.
            base.assumingMemoryBound(to: UInt16.self)[index] = BFloat16Bits.truncating(Float(value.double))
        case .bool:
            base.assumingMemoryBound(to: UInt8.self)[index] = value.isZero ? 0 : 1
        case .int8: base.assumingMemoryBound(to: Int8.self)[index] = Int8(truncatingIfNeeded: value.int64)
        case .int16: base.assumingMemoryBound(to: Int16.self)[index] = Int16(truncatingIfNeeded: value.int64)
        case .int32: base.assumingMemoryBound(to: Int32.self)[index] = Int32(truncatingIfNeeded: value.int64)
        case .int64: base.assumingMemoryBound(to: Int64.self)[index] = value.int64
        case .uint8: base.assumingMemoryBound(to: UInt8.self)[index] = UInt8(truncatingIfNeeded: value.int64)
        case .uint16: base.assumingMemoryBound(to: UInt16.self)[index] = UInt16(truncatingIfNeeded: value.int64)
        case .uint32: base.assumingMemoryBound(to: UInt32.self)[index] = UInt32(truncatingIfNeeded: value.int64)
        case .uint64: base.assumingMemoryBound(to: UInt64.self)[index] = UInt64(bitPattern: value.int64)
        default: break
        }
    }
}

extension CastOperator.Scalar {
    var double: Double {
        switch self {
        case .signed(let value): return Double(value)
        case .unsigned(let value): return Double(value)
        case .floating(let value): return value
        }
    }

    /// The value as a two's complement 64-bit pattern; floating values truncate and saturate.
    var int64: Int64 {
        switch self {
        case .signed(let value): return value
        case .unsigned(let value): return Int64(bitPattern: value)
        case .floating(let value): return Int64(converting: value)
        }
    }

    var isZero: Bool {
        switch self {
        case .signed(let value): return value == 0
        case .unsigned(let value): return value == 0
        case .floating(let value): return value == 0
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
