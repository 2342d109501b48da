import CONNX

/// Reads and writes single serialized `TensorProto` files, the `.pb` files of ONNX backend tests.
public enum TensorFile {
    /// Reads a `.pb` file; returns the tensor and the name stored in it.
    public static func read(path: String) throws -> (name: String, tensor: Tensor) {
        let bytes = try FileIO.read(path: path)
        var error = BridgeErrorBuffer()
        let parsed = bytes.withUnsafeBytes { buffer in
            error.storage.withUnsafeMutableBufferPointer { message in
                ox_tensor_file_parse(buffer.baseAddress, buffer.count, message.baseAddress, BridgeErrorBuffer.capacity)
            }
        }
        guard let file = parsed else {
            throw GlamError.invalidArgument("\(path): \(error.message)")
        }
        defer { ox_tensor_file_free(file) }
        guard let proto = ox_tensor_file_tensor(file) else {
            throw GlamError.invalidArgument("\(path): empty tensor file")
        }
        let tensor = try TensorDecoder(externalDataDirectory: nil).decode(proto, context: path)
        return (ox_tensor_name(proto).string, tensor)
    }

    /// Writes `tensor` as a `TensorProto` with `raw_data`.
    public static func write(_ tensor: Tensor, name: String, path: String) throws {
        var error = BridgeErrorBuffer()
        var size = 0
        let dims = tensor.shape.map { Int64($0) }
        let serialized = dims.withUnsafeBufferPointer { dimBuffer in
            error.storage.withUnsafeMutableBufferPointer { message in
                ox_tensor_serialize(name, tensor.dataType.rawValue, dimBuffer.baseAddress, dims.count,
                                    tensor.rawPointer, tensor.byteCount, &size,
                                    message.baseAddress, BridgeErrorBuffer.capacity)
            }
        }
        guard let serialized else {
            throw GlamError(.io, "cannot serialize '\(name)': \(error.message)")
        }
        defer { ox_buffer_free(serialized) }
        try FileIO.write(path: path, bytes: UnsafeRawBufferPointer(start: serialized, count: size))
    }
}
