/// Confines external-data locations to the model's folder.
///
/// A location must be relative, must not contain a `..` component, and after symbolic links are
/// resolved must still lie inside the folder; a hostile model cannot make libglam read elsewhere.
enum ExternalDataPath {
    static func resolve(_ location: String, in directory: String, label: String) throws -> String {
        guard !location.hasPrefix("/") else {
            throw GlamError.invalidModel(
                "\(label): external data location '\(location)' is absolute; it must be relative to the model's folder")
        }
        let components = location.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains("..") else {
            throw GlamError.invalidModel(
                "\(label): external data location '\(location)' leaves the model's folder")
        }
        guard !location.contains("\0") else {
            throw GlamError.invalidModel("\(label): external data location contains a NUL byte")
        }

        let joined = FileIO.join(directory, location)
        guard let root = FileIO.realPath(directory) else {
            throw GlamError(.io, "model folder '\(directory)' does not exist")
        }
        guard let resolved = FileIO.realPath(joined) else {
            throw GlamError(.io, "\(label): external data file '\(joined)' does not exist")
        }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard resolved.hasPrefix(prefix) else {
            throw GlamError.invalidModel(
                "\(label): external data location '\(location)' resolves to '\(resolved)', outside the model's folder")
        }
        return resolved
    }
}
