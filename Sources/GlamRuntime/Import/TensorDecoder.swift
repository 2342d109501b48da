import CONNX

/// Decodes a `TensorProto` into a `Tensor`, from `raw_data`, the typed fields or external data.
struct TensorDecoder {
    /// The folder that external data locations are relative to; nil forbids external data.
    var externalDataDirectory: String?
    /// Tensors of more dimensions are rejected before their shape is read.
    var maxRank = ModelLimits().maxRank

    func decode(_ proto: OpaquePointer, context: String) throws -> Tensor {
        let name = ox_tensor_name(proto).string
        let label = name.isEmpty ? context : "\(context) '\(name)'"
        let shape = try readShape(proto, label: label)
        let dataType = DataType(rawValue: ox_tensor_data_type(proto))
        if dataType == .string {
            return try decodeStrings(proto, shape: shape, label: label)
        }
        guard let elementSize = dataType.byteSize else {
            throw GlamError.unsupported("\(label) has data type \(dataType), which libglam does not support")
        }

        let count = try Shape.elementCount(shape, context: label)
        let byteCount = count * elementSize
        let tensor = try Tensor(dataType: dataType, shape: shape)

        if ox_tensor_data_location(proto) == 1 {
            try readExternal(proto, into: tensor, byteCount: byteCount, label: label)
            return tensor
        }

        if ox_tensor_has_raw_data(proto) != 0 {
            let raw = ox_tensor_raw_data(proto)
            guard raw.size == byteCount else {
                throw GlamError.invalidModel(
                    "\(label): raw_data has \(raw.size) bytes but \(dataType) \(shape) needs \(byteCount)")
            }
            if let data = raw.data, byteCount > 0 {
                tensor.rawPointer.copyMemory(from: data, byteCount: byteCount)
            }
            return tensor
        }

        try copyTypedField(proto, into: tensor, label: label)
        return tensor
    }

    private func readShape(_ proto: OpaquePointer, label: String) throws -> [Int] {
        let dimCount = ox_tensor_dim_count(proto)
        guard dimCount <= maxRank else {
            throw GlamError.invalidModel("\(label) has \(dimCount) dimensions, more than libglam's limit of \(maxRank)")
        }
        guard dimCount > 0, let dims = ox_tensor_dims(proto) else { return [] }
        return (0..<dimCount).map { Int(dims[$0]) }
    }

    /// STRING tensors live in `string_data` only.
    private func decodeStrings(_ proto: OpaquePointer, shape: [Int], label: String) throws -> Tensor {
        let tensor = try Tensor(dataType: .string, shape: shape)
        let available = ox_tensor_string_count(proto)
        guard available == tensor.count else {
            throw GlamError.invalidModel("\(label): string_data has \(available) values but shape \(shape) needs \(tensor.count)")
        }
        tensor.buffer.strings = (0..<available).map { ox_tensor_strings(proto, $0).bytes }
        return tensor
    }

    /// Copies the typed repeated field that ONNX assigns to each data type.
    private func copyTypedField(_ proto: OpaquePointer, into tensor: Tensor, label: String) throws {
        let count = tensor.count
        func requireCount(_ available: Int, field: String) throws {
            // A tensor with no values in any field is valid only when it has no elements.
            guard available == count else {
                throw GlamError.invalidModel(
                    "\(label): \(field) has \(available) values but shape \(tensor.shape) needs \(count)")
            }
        }

        switch tensor.dataType {
        case .float:
            try requireCount(ox_tensor_float_count(proto), field: "float_data")
            if count > 0 { tensor.rawPointer.copyMemory(from: ox_tensor_floats(proto), byteCount: count * 4) }
        case .double:
            try requireCount(ox_tensor_double_count(proto), field: "double_data")
            if count > 0 { tensor.rawPointer.copyMemory(from: ox_tensor_doubles(proto), byteCount: count * 8) }
        case .int64:
            try requireCount(ox_tensor_int64_count(proto), field: "int64_data")
            if count > 0 { tensor.rawPointer.copyMemory(from: ox_tensor_int64s(proto), byteCount: count * 8) }
        case .uint64, .uint32:
            try requireCount(ox_tensor_uint64_count(proto), field: "uint64_data")
            guard count > 0, let values = ox_tensor_uint64s(proto) else { return }
            if tensor.dataType == .uint64 {
                tensor.rawPointer.copyMemory(from: values, byteCount: count * 8)
            } else {
                let output = tensor.pointer(as: UInt32.self)
                for index in 0..<count { output[index] = UInt32(truncatingIfNeeded: values[index]) }
            }
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .float16, .bfloat16:
            // These types travel in int32_data, one element per entry (bit patterns for 16-bit floats).
            try requireCount(ox_tensor_int32_count(proto), field: "int32_data")
            guard count > 0, let values = ox_tensor_int32s(proto) else { return }
            storeNarrowed(values, count: count, into: tensor)
        default:
            throw GlamError.unsupported("\(label) has data type \(tensor.dataType), which libglam does not support")
        }
    }

    private func storeNarrowed(_ values: UnsafePointer<Int32>, count: Int, into tensor: Tensor) {
        let base = tensor.rawPointer
        switch tensor.dataType {
        case .int32:
            base.copyMemory(from: values, byteCount: count * 4)
        case .int16:
            let output = base.assumingMemoryBound(to: Int16.self)
            for index in 0..<count { output[index] = Int16(truncatingIfNeeded: values[index]) }
        case .int8:
            let output = base.assumingMemoryBound(to: Int8.self)
            for index in 0..<count { output[index] = Int8(truncatingIfNeeded: values[index]) }
        case .uint16, .float16, .bfloat16:
            let output = base.assumingMemoryBound(to: UInt16.self)
            for index in 0..<count { output[index] = UInt16(truncatingIfNeeded: values[index]) }
        default:
            let output = base.assumingMemoryBound(to: UInt8.self)
            for index in 0..<count {
                output[index] = tensor.dataType == .bool ? (values[index] != 0 ? 1 : 0)
                                                         : UInt8(truncatingIfNeeded: values[index])
            }
        }
    }

    private func readExternal(_ proto: OpaquePointer, into tensor: Tensor, byteCount: Int, label: String) throws {
        var location: String?
        var offset = 0
        var length: Int?
        for index in 0..<ox_tensor_external_count(proto) {
            let key = ox_tensor_external_key(proto, index).string
            let value = ox_tensor_external_value(proto, index).string
            switch key {
            case "location":
                location = value
            case "offset":
                guard let parsed = Int(value), parsed >= 0 else {
                    throw GlamError.invalidModel("\(label): external data offset '\(value)' is not a non-negative integer")
                }
                offset = parsed
            case "length":
                guard let parsed = Int(value), parsed >= 0 else {
                    throw GlamError.invalidModel("\(label): external data length '\(value)' is not a non-negative integer")
                }
                length = parsed
            default:
                continue
            }
        }
        guard let location, !location.isEmpty else {
            throw GlamError.invalidModel("\(label): external data has no 'location' entry")
        }
        guard let directory = externalDataDirectory else {
            throw GlamError.invalidModel(
                "\(label): external data '\(location)' cannot be resolved because the model was loaded from memory; load it from its file instead")
        }
        if let length, length != byteCount {
            throw GlamError.invalidModel(
                "\(label): external data length \(length) does not match \(byteCount) bytes for \(tensor.dataType) \(tensor.shape)")
        }

        let path = try ExternalDataPath.resolve(location, in: directory, label: label)
        let bytes = try FileIO.read(path: path, offset: offset, length: byteCount)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, byteCount > 0 {
                tensor.rawPointer.copyMemory(from: base, byteCount: byteCount)
            }
        }
    }
}
