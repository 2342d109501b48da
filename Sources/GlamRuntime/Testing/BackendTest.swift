/// Runs a model over test data in ONNX backend-test layout: `test_data_set_N/input_I.pb` and
/// `output_I.pb` serialized TensorProto files.
public struct BackendTest {
    /// One compared output of one data set.
    public struct OutputResult: Sendable {
        public var dataSet: String
        public var name: String
        public var comparison: Comparison
    }

    public let modelPath: String
    public let model: Model
    /// Lets the data's shapes replace the model's declared input shapes (see `InputBinding`).
    public var overridesDeclaredShapes = false

    public init(modelPath: String) throws {
        self.modelPath = modelPath
        self.model = try ModelImporter.load(path: modelPath)
    }

    public init(model: Model, modelPath: String) {
        self.modelPath = modelPath
        self.model = model
    }

    /// The `test_data_set_*` folders inside `directory`, sorted.
    public static func dataSets(in directory: String) throws -> [String] {
        try FileIO.listDirectory(directory)
            .filter { $0.hasPrefix("test_data_set_") }
            .map { FileIO.join(directory, $0) }
            .filter(FileIO.isDirectory)
    }

    /// Runs every data set in `directory` and compares every output.
    public func run(directory: String, tolerance: Tolerance) throws -> [OutputResult] {
        let sets = try BackendTest.dataSets(in: directory)
        guard !sets.isEmpty else {
            throw GlamError(.io, "'\(directory)' has no test_data_set_* folders")
        }
        var results: [OutputResult] = []
        for set in sets {
            results += try run(dataSet: set, tolerance: tolerance)
        }
        return results
    }

    /// Runs one data set folder.
    public func run(dataSet: String, tolerance: Tolerance) throws -> [OutputResult] {
        let feeds = try inputs(of: dataSet)
        let planTime = Set(model.planTimeInputNames)
        let binding = InputBinding(shapes: feeds.filter { !planTime.contains($0.key) }.mapValues(\.shape),
                                   values: feeds.filter { planTime.contains($0.key) },
                                   overridesDeclaredShapes: overridesDeclaredShapes)
        let plan = try Plan(model: model, binding: binding)
        let outputs = try plan.run(feeds)
        let setName = dataSet.split(separator: "/").last.map(String.init) ?? dataSet

        var results: [OutputResult] = []
        for (index, declared) in model.graph.outputs.enumerated() {
            let path = FileIO.join(dataSet, "output_\(index).pb")
            guard FileIO.exists(path) else { continue }
            let expected = try BackendTest.reinterpretBFloat16(try TensorFile.read(path: path).tensor, as: declared.dataType)
            guard let actual = outputs[declared.name] else {
                throw GlamError.invalidModel("output '\(declared.name)' was not computed")
            }
            results.append(OutputResult(dataSet: setName, name: declared.name,
                                        comparison: Comparison.compare(actual, expected, tolerance: tolerance)))
        }
        return results
    }

    /// Reads `input_I.pb` files and names them: by the name stored in the file, else by position.
    public func inputs(of dataSet: String) throws -> [String: Tensor] {
        let declared = model.graph.runtimeInputs
        var feeds: [String: Tensor] = [:]
        var index = 0
        while FileIO.exists(FileIO.join(dataSet, "input_\(index).pb")) {
            let (name, tensor) = try TensorFile.read(path: FileIO.join(dataSet, "input_\(index).pb"))
            let resolved = declared.contains { $0.name == name } ? name : (index < declared.count ? declared[index].name : name)
            let declaredType = declared.first { $0.name == resolved }?.dataType
            feeds[resolved] = try BackendTest.reinterpretBFloat16(tensor, as: declaredType)
            index += 1
        }
        return feeds
    }

    /// ONNX's test generator stores BFLOAT16 data as UINT16 bit patterns, because numpy has no
    /// bfloat16; read such data as the BFLOAT16 the model declares.
    static func reinterpretBFloat16(_ tensor: Tensor, as declared: DataType?) throws -> Tensor {
        guard declared == .bfloat16, tensor.dataType == .uint16 else {
            return tensor
        }
        return try Tensor(dataType: .bfloat16, shape: tensor.shape, buffer: tensor.buffer)
    }
}
