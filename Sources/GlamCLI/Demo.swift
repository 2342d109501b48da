import GlamImageIO
import GlamMammography
import GlamPipeline
import GlamRuntime

/// `glam demo`: the embedded model on a real CC + MLO pair, end to end, with a picture.
enum DemoCommand {
    static let usage = """
    usage: glam demo [--bundle DIR] [--cc CC.png] [--mlo MLO.png] [--laterality L|R]
                     [--point X,Y] [--threads N] [--output-dir DIR] [--film 1]
    Encodes the pair with GLAM's preprocessing, aligns it, and writes to DIR (default demo-output):
      overlay.png   both originals with the region grid, the CC point and the MLO heatmap
      *.npy         embeddings, patch tokens, model inputs, attention, similarity, heatmap
    --point is a CC point in original pixels (default: the centre of CC region row 4, column 2).
    --film marks digitised films: labels and film-border strips are removed before cropping.
    Crops in the report are in the 1024-pixel (long side) cache GLAM works in; mlo_heatmap.npy
    has the picture's scale, one cell per drawn MLO pixel.
    """

    static func run(_ arguments: Arguments) throws {
        arguments.requireOnly(["bundle", "cc", "mlo", "laterality", "point", "threads", "output-dir", "film"], usage: usage)
        guard (arguments.options["cc"] == nil) == (arguments.options["mlo"] == nil) else {
            throw CLIError("--cc and --mlo go together: pass both views of one breast, or neither for the NYU pair")
        }
        let bundle = arguments.options["bundle"]?.last ?? "models/glam-demo"
        let ccPath = arguments.options["cc"]?.last ?? "Tests/Fixtures/mammograms/nyu/L-CC.png"
        let mloPath = arguments.options["mlo"]?.last ?? "Tests/Fixtures/mammograms/nyu/L-MLO.png"
        let outputDirectory = arguments.options["output-dir"]?.last ?? "demo-output"
        let laterality: Laterality = (arguments.options["laterality"]?.last ?? "L").uppercased() == "R" ? .right : .left
        Threading.setThreadCount(Int(arguments.options["threads"]?.last ?? "2") ?? 2)

        var timings: [(String, Double)] = []
        func timed<Result>(_ label: String, _ body: () throws -> Result) rethrows -> Result {
            let start = monotonicSeconds()
            let result = try body()
            timings.append((label, monotonicSeconds() - start))
            return result
        }

        let model = try timed("load bundle") { try GlamModel(bundlePath: bundle) }
        let notice = model.isUntrained
            ? "NOTICE: \(bundle) has untrained (random) weights. Embeddings, attention and heatmaps show the pipeline working, not anatomy or findings."
            : "bundle: \(bundle)"
        print(notice)

        let ccImage = try timed("decode CC PNG") { try storedImage(ccPath) }
        let mloImage = try timed("decode MLO PNG") { try storedImage(mloPath) }
        let options = model.preprocessOptions(isFilm: arguments.options["film"] != nil)
        let ccView = try timed("preprocess CC") { try Preprocessor.preprocess(ccImage, laterality: laterality, view: .cc, options: options) }
        let mloView = try timed("preprocess MLO") { try Preprocessor.preprocess(mloImage, laterality: laterality, view: .mlo, options: options) }
        let pair = try timed("encode pair (batch of 2)") { try model.encode(cc: ccView, mlo: mloView) }
        let alignment = try timed("align") { try model.align(pair) }

        let grid = RegionGrid(geometry: model.geometry)
        let point = try choosePoint(arguments, grid: grid, view: ccView)
        let panelHeight = min(1200, max(ccImage.height, mloImage.height))
        let picture = try timed("heatmap and picture") {
            try OverlayPicture.draw(cc: ccImage, mlo: mloImage, alignment: alignment, point: point,
                                    panelHeight: panelHeight, untrained: model.isUntrained)
        }

        try GlamFiles.makeDirectory(outputDirectory)
        let picturePath = outputDirectory + "/overlay.png"
        try PNGFile.writeRGB(path: picturePath, width: picture.canvas.width, height: picture.canvas.height, rgb: picture.canvas.rgb)
        let written = try writeArrays(pair: pair, alignment: alignment, heatmap: picture.heatmap, directory: outputDirectory)

        let g = model.geometry
        print("CC  \(ccPath): \(ccImage.width)×\(ccImage.height) → input \(g.imageSize)×\(g.imageSize)\(describe(ccView.report))")
        print("MLO \(mloPath): \(mloImage.width)×\(mloImage.height) → input \(g.imageSize)×\(g.imageSize)\(describe(mloView.report))")
        print("(crop boxes are x0, y0, x1, y1 in the 1024-pixel cache frame)")
        print("embedding: \(g.embedDim) values per view; norms CC \(format(norm(pair.cc.embedding))), MLO \(format(norm(pair.mlo.embedding))); cosine CC·MLO \(format(dot(pair.cc.embedding, pair.mlo.embedding)))")
        print("patch tokens: \(g.grid)×\(g.grid)×\(g.featureDim) per view; regions \(g.regions)×\(g.regions)×\(g.featureDim)")
        let weights = alignment.attentionRow(from: .cc, row: picture.region.row, column: picture.region.column)
        let best = weights.indices.max { weights[$0] < weights[$1] } ?? 0
        print("CC point (\(Int(point.x)), \(Int(point.y))) is in CC region (row \(picture.region.row), column \(picture.region.column)); top MLO region: (row \(best), column \(picture.region.column)), attention \(format(Double(weights[best])))")
        print("timing (\(Threading.threadCount) threads):")
        for (label, seconds) in timings {
            print("  \(label): \(format(seconds * 1000)) ms")
        }
        print("wrote \(picturePath) and \(written) .npy files in \(outputDirectory)/")
        if model.isUntrained {
            print("NOTICE: untrained weights; do not read anything clinical into these outputs.")
        }
    }

    /// Reads a grayscale PNG as stored values (8- or 16-bit).
    static func storedImage(_ path: String) throws -> StoredImage {
        let decoded = try PNGFile.read(path: path)
        guard decoded.channels == 1 else {
            throw CLIError("\(path) has \(decoded.channels) channels; mammograms must be grayscale PNGs")
        }
        return StoredImage(width: decoded.width, height: decoded.height, values: decoded.samples.map(Float.init))
    }

    private static func choosePoint(_ arguments: Arguments, grid: RegionGrid, view: PreprocessedView) throws -> (x: Double, y: Double) {
        if let text = arguments.options["point"]?.last {
            let parts = text.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2 else { throw CLIError("--point '\(text)' must be X,Y in original CC pixels") }
            return (parts[0], parts[1])
        }
        guard let inverse = view.originalToInput.inverted else {
            throw CLIError("the CC preprocessing transform is not invertible")
        }
        // The middle row, a quarter of the way from the chest wall: inside the breast on any grid.
        let regions = grid.geometry.regions
        let centre = inverse.apply(x: (Double(regions / 4) + 0.5) * grid.regionSide,
                                   y: (Double(regions / 2) + 0.5) * grid.regionSide)
        return (centre.x, centre.y)
    }

    private static func describe(_ report: PreprocessReport) -> String {
        var parts: [String] = []
        if let alignment = report.alignment {
            parts.append(alignment.lineFound ? "pectoral line at \(format(alignment.angleDegrees))°" : "no pectoral line, default 18°")
        }
        parts.append("crop \(report.finalCrop)")
        if !report.removedComponents.isEmpty {
            parts.append("\(report.removedComponents.count) label(s) removed")
        }
        return "; " + parts.joined(separator: ", ")
    }

    private static func writeArrays(pair: EncodedPair, alignment: Alignment, heatmap: (values: [Float], width: Int, height: Int),
                                    directory: String) throws -> Int {
        let g = pair.geometry
        let files: [(String, [Float], [Int])] = [
            ("cc_embedding", pair.cc.embedding, [g.embedDim]),
            ("mlo_embedding", pair.mlo.embedding, [g.embedDim]),
            ("cc_patch_tokens", pair.cc.patchTokens, [g.grid, g.grid, g.featureDim]),
            ("mlo_patch_tokens", pair.mlo.patchTokens, [g.grid, g.grid, g.featureDim]),
            ("cc_input", pair.cc.preprocessed.input, [g.imageSize, g.imageSize]),
            ("mlo_input", pair.mlo.preprocessed.input, [g.imageSize, g.imageSize]),
            ("cc_regions", alignment.ccRegions, [g.regions, g.regions, g.featureDim]),
            ("mlo_regions", alignment.mloRegions, [g.regions, g.regions, g.featureDim]),
            ("cc_to_mlo", alignment.ccToMlo, [g.regions, g.regions, g.regions]),
            ("mlo_to_cc", alignment.mloToCc, [g.regions, g.regions, g.regions]),
            ("cc_similarity", alignment.ccSimilarity, [g.regions, g.regions]),
            ("mlo_similarity", alignment.mloSimilarity, [g.regions, g.regions]),
            ("mlo_heatmap", heatmap.values, [heatmap.height, heatmap.width]),
        ]
        for (name, values, shape) in files {
            try NpyWriter.write(values, shape: shape, to: "\(directory)/\(name).npy")
        }
        return files.count
    }
}

func norm(_ values: [Float]) -> Double {
    values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
}

func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

func format(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    return String(rounded)
}
