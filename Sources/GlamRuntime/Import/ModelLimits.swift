/// Bounds on the structure of a model file, checked while the file is read and before libglam
/// builds anything per entry.
///
/// A repeated protobuf field costs a few bytes per entry in the file but a hundred or more in
/// memory once it is a Swift value. Without these bounds, a 2 GiB file of empty nodes could
/// make libglam allocate tens of gigabytes. Each bound is far above what a ViT export needs:
/// GLAM's ViT-S encoder has 393 nodes and no tensor of rank above 4.
public struct ModelLimits: Sendable {
    /// Nodes in the graph.
    public var maxNodeCount = 1 << 20
    /// Initializers in the graph.
    public var maxInitializerCount = 1 << 20
    /// Entries of each of the graph's input, output and value_info lists.
    public var maxValueInfoCount = 1 << 20
    /// Inputs, outputs or attributes of one node.
    public var maxNodeFieldCount = 1 << 16
    /// Values in one ints, floats or strings attribute.
    public var maxAttributeElementCount = 1 << 24
    /// Dimensions of one tensor or declared shape.
    public var maxRank = 64

    /// Maximum nesting depth of protobuf messages (subgraphs inside attributes inside nodes).
    /// This is libprotobuf's default recursion limit, which its parser enforces, so the parser,
    /// the ONNX checker and shape inference cannot exhaust the stack.
    public static let maxNestingDepth = 100

    public init() {}

    /// Throws when `count` entries of `what` exceed `limit`.
    func check(_ count: Int, of what: String, limit: Int, source: String) throws {
        guard count <= limit else {
            throw GlamError.invalidModel(
                "\(source): \(count) \(what) exceed libglam's limit of \(limit); the file is not a model libglam can run")
        }
    }
}
