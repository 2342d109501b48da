import Glibc

/// Whole-file reads and writes through the C library, so this target needs no Foundation.
enum FileBytes {
    static func read(path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ImageIOError.openFailed(path: path, errno: errno)
        }
        defer { fclose(file) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            }
            if count < chunk.count {
                if ferror(file) != 0 {
                    throw ImageIOError.readFailed(path: path, reason: "I/O error (errno \(errno))")
                }
                return bytes
            }
        }
    }

    static func write(path: String, bytes: [UInt8]) throws {
        guard let file = fopen(path, "wb") else {
            throw ImageIOError.openFailed(path: path, errno: errno)
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closeResult = fclose(file)
        if written != bytes.count || closeResult != 0 {
            throw ImageIOError.writeFailed(path: path, reason: "wrote \(written) of \(bytes.count) bytes (errno \(errno))")
        }
    }
}
