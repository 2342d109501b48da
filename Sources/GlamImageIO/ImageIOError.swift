/// A failure to read or write an image file, with the path and the reason.
public enum ImageIOError: Error, CustomStringConvertible {
    case openFailed(path: String, errno: Int32)
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .openFailed(let path, let code):
            return "cannot open \(path) (errno \(code)); check that the file exists and is readable"
        case .readFailed(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .invalidArgument(let message):
            return message
        }
    }
}
