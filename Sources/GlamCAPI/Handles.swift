import GlamPipeline

/// The registries behind `glam_model`, `glam_pair` and `glam_alignment` pointers.
enum Handles {
    static let models = HandleRegistry<GlamModel>(kind: "glam_model")
    static let pairs = HandleRegistry<EncodedPair>(kind: "glam_pair")
    static let alignments = HandleRegistry<Alignment>(kind: "glam_alignment")
}

/// Checks that a host struct is at least as large as the version of it this library defines.
func requireStructSize(_ size: Int, minimum: Int, name: String) throws {
    guard size >= minimum else {
        throw ABIError.invalidArgument("\(name).struct_size is \(size) but must be at least \(minimum); call \(name)_init or set it to sizeof(\(name))")
    }
}
