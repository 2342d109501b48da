import CONNX

/// Swift conveniences over the C view of the protobuf messages.
extension ox_bytes {
    var string: String {
        guard let data, size > 0 else {
            return ""
        }
        return data.withMemoryRebound(to: UInt8.self, capacity: size) { pointer in
            String(decoding: UnsafeBufferPointer(start: pointer, count: size), as: UTF8.self)
        }
    }

    var bytes: [UInt8] {
        guard let data, size > 0 else {
            return []
        }
        return data.withMemoryRebound(to: UInt8.self, capacity: size) { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: size))
        }
    }
}

/// A fixed-size buffer for the messages the C bridge writes.
struct BridgeErrorBuffer {
    static let capacity = 1024
    var storage = [CChar](repeating: 0, count: capacity)

    var message: String {
        storage.withUnsafeBufferPointer { buffer in
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
