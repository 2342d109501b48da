#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX file helpers, so the library needs no Foundation.
enum FileIO {
    /// Reads a whole file, or `length` bytes from `offset` when given.
    static func read(path: String, offset: Int = 0, length: Int? = nil) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw GlamError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }

        guard fseeko(file, 0, SEEK_END) == 0 else {
            throw GlamError(.io, "cannot seek in '\(path)'; it must be a regular file")
        }
        let size = Int(ftello(file))
        guard size >= 0, offset >= 0, offset <= size else {
            throw GlamError(.io, "offset \(offset) is past the end of '\(path)' (\(size) bytes)")
        }
        let count = length ?? (size - offset)
        guard count >= 0, count <= size - offset else {
            throw GlamError(.io, "'\(path)' has \(size) bytes, too few for \(count) bytes at offset \(offset)")
        }
        guard fseeko(file, off_t(offset), SEEK_SET) == 0 else {
            throw GlamError(.io, "cannot seek to \(offset) in '\(path)'")
        }

        var bytes = [UInt8](repeating: 0, count: count)
        let readCount = bytes.withUnsafeMutableBytes { buffer in
            count == 0 ? 0 : fread(buffer.baseAddress, 1, count, file)
        }
        guard readCount == count else {
            throw GlamError(.io, "short read from '\(path)': \(readCount) of \(count) bytes")
        }
        return bytes
    }

    /// Maps a whole file read-only and calls `body` with its bytes; the mapping ends when `body`
    /// returns. Avoids copying large model files before protobuf parsing copies them again.
    static func withMappedFile<Result>(path: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw GlamError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw GlamError(.io, "'\(path)' is not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw GlamError(.io, "cannot map '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { munmap(mapping, size) }
        return try body(UnsafeRawBufferPointer(start: mapping, count: size))
    }

    /// Writes `bytes` to `path`, replacing any existing file.
    static func write(path: String, bytes: UnsafeRawBufferPointer) throws {
        guard let file = fopen(path, "wb") else {
            throw GlamError(.io, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let written = bytes.count == 0 ? 0 : fwrite(bytes.baseAddress, 1, bytes.count, file)
        guard written == bytes.count else {
            throw GlamError(.io, "short write to '\(path)': \(written) of \(bytes.count) bytes")
        }
    }

    /// Returns the entries of a directory, sorted, without "." and "..".
    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw GlamError(.io, "cannot open directory '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        guard let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else {
            throw GlamError(.io, "cannot locate d_name in struct dirent")
        }
        while let entry = readdir(directory) {
            // glibc allocates only as much of d_name as the name needs, so read up to its NUL
            // rather than the array's declared 256 bytes.
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Returns the canonical absolute path with symbolic links resolved, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else {
            return nil
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Returns the folder part of a path ("." when there is none).
    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else {
            return "."
        }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
