import CFuzzSupport

/// Reads the fields of one fuzz input in order; past its end every read returns zero, so
/// any input, however short, describes a complete case.
public struct FuzzInput {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    public init(_ data: UnsafePointer<UInt8>, count: Int) {
        self.bytes = UnsafeBufferPointer(start: data, count: count)
    }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads four bytes, big-endian.
    public mutating func int32() -> Int32 {
        (0..<4).reduce(0) { value, _ in value << 8 | Int32(byte()) }
    }

    /// Reads eight bytes, big-endian.
    public mutating func uint64() -> UInt64 {
        (0..<8).reduce(0) { value, _ in value << 8 | UInt64(byte()) }
    }

    /// Copies the unread bytes into `pointer`, repeating them to fill `byteCount`, or writes
    /// zeros when none are left.
    public mutating func fill(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        let remaining = bytes.count - position
        guard remaining > 0, let base = bytes.baseAddress else {
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
            return
        }
        var offset = 0
        while offset < byteCount {
            let chunk = min(remaining, byteCount - offset)
            (pointer + offset).copyMemory(from: base + position, byteCount: chunk)
            offset += chunk
        }
    }
}

/// Hands control to libFuzzer's driver with `callback` as the fuzz target, or prints how to
/// build the program with libFuzzer when it was linked without it.
public func runLibFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, name: String,
                         _ callback: glam_fuzz_callback) -> Int32 {
    var count = argc
    var arguments = argv
    let status = glam_fuzz_run(&count, &arguments, callback)
    if status == -1 {
        print("\(name) needs libFuzzer: build and run it with `make fuzz`.")
        return 2
    }
    return status
}
