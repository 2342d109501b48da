/// The one error type that libglam throws; the C ABI turns it into a status and a message.
public struct GlamError: Error, CustomStringConvertible, Sendable {
    /// The class of failure, which the C ABI maps to its status codes.
    public enum Kind: Sendable {
        /// The model file is not a valid ONNX model or breaks an ONNX rule.
        case invalidModel
        /// The model uses an operator, opset or data type that libglam does not implement.
        case unsupported
        /// A caller-supplied value (shape, name, size, option) is invalid.
        case invalidArgument
        /// A file could not be opened or read.
        case io
        /// An allocation failed or a size exceeds a limit.
        case outOfMemory
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalidModel(_ message: String) -> GlamError { GlamError(.invalidModel, message) }
    static func unsupported(_ message: String) -> GlamError { GlamError(.unsupported, message) }
    static func invalidArgument(_ message: String) -> GlamError { GlamError(.invalidArgument, message) }
}
