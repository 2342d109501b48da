/// Runs ONNX's node conformance tests (`<root>/<test>/model.onnx` with `test_data_set_*`).
public struct ConformanceSuite {
    /// The outcome of one node test.
    public enum Outcome: Sendable {
        case passed
        case failed(String)
        /// The test uses an operator libglam does not implement.
        case skipped(String)
        /// The test feeds or returns a sequence, map or optional value, which libglam does not support.
        case skippedValueType(String)
    }

    public struct Result: Sendable {
        public var name: String
        public var outcome: Outcome
    }

    /// Where Debian's libonnx-testdata installs the node tests.
    public static let debianNodeTestRoot = "/usr/share/libonnx-testdata/data/node"

    public let root: String

    public init(root: String = ConformanceSuite.debianNodeTestRoot) {
        self.root = root
    }

    /// Runs every test folder under `root` with ONNX's backend tolerance.
    public func run() throws -> [Result] {
        try FileIO.listDirectory(root).compactMap { name in
            let directory = FileIO.join(root, name)
            let modelPath = FileIO.join(directory, "model.onnx")
            guard FileIO.exists(modelPath) else { return nil }
            return Result(name: name, outcome: runTest(modelPath: modelPath, directory: directory))
        }
    }

    private func runTest(modelPath: String, directory: String) -> Outcome {
        do {
            let model = try ModelImporter.load(path: modelPath)
            let unsupported = model.unsupportedOperators
            if !unsupported.isEmpty {
                let names = Set(unsupported.map(\.opType)).sorted().joined(separator: ", ")
                return .skipped("unsupported operator \(names)")
            }
            let values = model.graph.inputs + model.graph.outputs
            if let value = values.first(where: { $0.dataType == nil }) {
                return .skippedValueType("value '\(value.name)' is not a tensor")
            }
            var test = BackendTest(model: model, modelPath: modelPath)
            // ONNX's CastLike tests feed `like` with a shape other than the one their model declares.
            test.overridesDeclaredShapes = true
            let results = try test.run(directory: directory, tolerance: .onnxBackend)
            if let failure = results.first(where: { !$0.comparison.passed }) {
                let detail = failure.comparison.mismatch ?? "max abs diff \(failure.comparison.maxAbsoluteDifference)"
                return .failed("\(failure.dataSet) \(failure.name): \(detail)")
            }
            return .passed
        } catch {
            return .failed(String(describing: error))
        }
    }
}
