import GlamMammography
import GlamRuntime

/// A loaded GLAM bundle: the encoder and alignment head compiled for a CC + MLO pair.
///
/// Safe to use from several threads at once: each call takes an execution plan of its own
/// from a pool.
public final class GlamModel: @unchecked Sendable {
    public let geometry: BundleGeometry
    /// True when the bundle's weights are untrained: `glam.weights` is "random", or the folder
    /// is one of libglam's fixtures (it carries `fixture.json`).
    public let isUntrained: Bool
    /// The folder the bundle was loaded from.
    public let bundlePath: String

    private let encoder: PlanPool
    private let aligner: PlanPool
    private let imageInputName: String

    /// Loads `encoder.onnx` and `align.onnx` from a bundle folder and checks that both agree
    /// with their `glam.*` metadata.
    public init(bundlePath: String, precision: PlanOptions.Precision = .float32) throws {
        let encoderPath = bundlePath + "/encoder.onnx"
        let alignPath = bundlePath + "/align.onnx"
        let encoderModel = try ModelImporter.load(path: encoderPath)
        let alignModel = try ModelImporter.load(path: alignPath)
        let geometry = try BundleGeometry(metadata: encoderModel, source: encoderPath)
        guard try BundleGeometry(metadata: alignModel, source: alignPath) == geometry else {
            throw GlamError(.invalidModel, "the glam.* metadata of \(encoderPath) and \(alignPath) differ; export both from one checkpoint")
        }

        guard let imageInput = encoderModel.graph.runtimeInputs.first, encoderModel.graph.runtimeInputs.count == 1 else {
            throw GlamError(.invalidModel, "\(encoderPath) must have exactly one input, the image batch")
        }
        let side = geometry.imageSize
        let options = PlanOptions(precision: precision)
        encoder = try PlanPool(model: encoderModel, binding: InputBinding(shapes: [imageInput.name: [2, 3, side, side]]), options: options)
        // The head runs one pair at a time; binding the token shapes also accepts exports
        // whose batch dimension is symbolic.
        let tokenShape = [1, geometry.grid * geometry.grid, geometry.featureDim]
        let alignShapes = Dictionary(uniqueKeysWithValues: alignModel.graph.runtimeInputs.map { ($0.name, tokenShape) })
        aligner = try PlanPool(model: alignModel, binding: InputBinding(shapes: alignShapes), options: options)

        self.geometry = geometry
        self.bundlePath = bundlePath
        self.imageInputName = imageInput.name
        self.isUntrained = encoderModel.metadataValue("glam.weights") == "random"
            || FileSystem.exists(bundlePath + "/fixture.json")
        try checkOutputs(encoderPath: encoderPath, alignPath: alignPath)
    }

    /// Bytes of intermediate buffers of one encoder plan and one alignment plan.
    public var arenaByteCount: Int { encoder.arenaByteCount + aligner.arenaByteCount }

    private func checkOutputs(encoderPath: String, alignPath: String) throws {
        let g = geometry
        let tokens = g.grid * g.grid
        let expectedEncoder = [
            "embedding": [2, g.embedDim],
            "patch_tokens": [2, tokens, g.featureDim],
        ]
        let expectedAlign = [
            "cc_regions": [1, g.regions, g.regions, g.featureDim],
            "mlo_regions": [1, g.regions, g.regions, g.featureDim],
            "cc_to_mlo": [1, g.regions, g.regions, g.regions],
            "mlo_to_cc": [1, g.regions, g.regions, g.regions],
            "cc_similarity": [1, g.regions, g.regions],
            "mlo_similarity": [1, g.regions, g.regions],
        ]
        try encoder.withPlan { plan in
            try Self.check(plan, expected: expectedEncoder, source: encoderPath)
        }
        try aligner.withPlan { plan in
            try Self.check(plan, expected: expectedAlign, source: alignPath)
            for input in ["cc_patch_tokens", "mlo_patch_tokens"] {
                guard let bound = plan.inputs.first(where: { $0.name == input }), bound.type.shape == [1, tokens, g.featureDim] else {
                    throw GlamError(.invalidModel, "\(alignPath) must take '\(input)' of shape [1, \(tokens), \(g.featureDim)]")
                }
            }
        }
    }

    private static func check(_ plan: Plan, expected: [String: [Int]], source: String) throws {
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let output = plan.outputs.first(where: { $0.name == name }) else {
                throw GlamError(.invalidModel, "\(source) has no output '\(name)'")
            }
            guard output.type.shape == shape, output.type.dataType == .float else {
                throw GlamError(.invalidModel, "\(source) output '\(name)' is \(output.type); the glam.* metadata implies FLOAT\(shape)")
            }
        }
    }

    /// The preprocessing options this bundle's encoder expects.
    public func preprocessOptions(isFilm: Bool = false) -> PreprocessOptions {
        var options = PreprocessOptions()
        options.imageSize = geometry.imageSize
        options.pixelMean = geometry.pixelMean[0]
        options.pixelStd = geometry.pixelStd[0]
        options.removeFilmArtifacts = isFilm
        return options
    }

    /// Preprocesses both views, runs the encoder on them as one batch of two, and returns the results.
    ///
    /// `ccIsFilm` and `mloIsFilm` mark digitised films, whose labels and border strips are removed
    /// beyond what GLAM's own preprocessing does.
    public func encode(cc: StoredImage, mlo: StoredImage, laterality: Laterality,
                       ccIsFilm: Bool = false, mloIsFilm: Bool = false) throws -> EncodedPair {
        let ccView = try Preprocessor.preprocess(cc, laterality: laterality, view: .cc, options: preprocessOptions(isFilm: ccIsFilm))
        let mloView = try Preprocessor.preprocess(mlo, laterality: laterality, view: .mlo, options: preprocessOptions(isFilm: mloIsFilm))
        return try encode(cc: ccView, mlo: mloView)
    }

    /// Runs the encoder on two preprocessed views as one batch of two.
    public func encode(cc: PreprocessedView, mlo: PreprocessedView) throws -> EncodedPair {
        let side = geometry.imageSize
        let plane = side * side
        for view in [cc, mlo] where view.input.count != plane {
            throw GlamError(.invalidArgument, "a preprocessed view has \(view.input.count) values; the model needs \(side)×\(side)")
        }

        // The encoder takes three equal channels per view: batch layout [2, 3, side, side].
        let batch = try Tensor(dataType: .float, shape: [2, 3, side, side])
        let pixels = batch.pointer(as: Float.self)
        for (index, view) in [cc, mlo].enumerated() {
            view.input.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                for channel in 0..<3 {
                    (pixels + (index * 3 + channel) * plane).update(from: base, count: plane)
                }
            }
        }

        // The outputs are read in place from the plan's arena, straight into the views' arrays.
        let embedWidth = geometry.embedDim
        let tokenWidth = geometry.grid * geometry.grid * geometry.featureDim
        let (embeddings, tokens) = try encoder.withPlan { plan in
            try plan.run([imageInputName: batch]) { outputs -> ([[Float]], [[Float]]) in
                guard let embedding = outputs["embedding"], let tokens = outputs["patch_tokens"] else {
                    throw GlamError(.invalidModel, "the encoder did not return 'embedding' and 'patch_tokens'")
                }
                guard embedding.dataType == .float, tokens.dataType == .float,
                      embedding.count == 2 * embedWidth, tokens.count == 2 * tokenWidth else {
                    throw GlamError(.invalidModel,
                                    "the encoder returned embedding \(embedding.dataType)\(embedding.shape) and patch_tokens \(tokens.dataType)\(tokens.shape); expected FLOAT with \(embedWidth) and \(tokenWidth) values per view")
                }
                let embeddingValues = UnsafeBufferPointer(start: embedding.pointer(as: Float.self), count: embedding.count)
                let tokenValues = UnsafeBufferPointer(start: tokens.pointer(as: Float.self), count: tokens.count)
                return ([Array(embeddingValues[0..<embedWidth]), Array(embeddingValues[embedWidth...])],
                        [Array(tokenValues[0..<tokenWidth]), Array(tokenValues[tokenWidth...])])
            }
        }
        return EncodedPair(
            geometry: geometry,
            cc: ViewEncoding(view: .cc, preprocessed: cc, embedding: embeddings[0], patchTokens: tokens[0]),
            mlo: ViewEncoding(view: .mlo, preprocessed: mlo, embedding: embeddings[1], patchTokens: tokens[1]))
    }

    /// Runs the alignment head on a pair's patch tokens.
    public func align(_ pair: EncodedPair) throws -> Alignment {
        let g = geometry
        let shape = [1, g.grid * g.grid, g.featureDim]
        let feeds = [
            "cc_patch_tokens": try Tensor(shape: shape, values: pair.cc.patchTokens),
            "mlo_patch_tokens": try Tensor(shape: shape, values: pair.mlo.patchTokens),
        ]
        let outputs = try aligner.withPlan { plan in try plan.run(feeds) }
        func values(_ name: String) throws -> [Float] {
            guard let tensor = outputs[name] else {
                throw GlamError(.invalidModel, "the alignment head did not return '\(name)'")
            }
            return tensor.values(as: Float.self)
        }
        return Alignment(
            pair: pair,
            ccRegions: try values("cc_regions"), mloRegions: try values("mlo_regions"),
            ccToMlo: try values("cc_to_mlo"), mloToCc: try values("mlo_to_cc"),
            ccSimilarity: try values("cc_similarity"), mloSimilarity: try values("mlo_similarity"))
    }
}
