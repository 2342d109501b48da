import GlamRuntime

/// The architecture of a GLAM bundle, read from the `glam.*` metadata of its ONNX graphs.
public struct BundleGeometry: Sendable, Equatable {
    /// Model input side in pixels.
    public var imageSize: Int
    public var patchSize: Int
    /// Patches per side: `imageSize / patchSize`.
    public var grid: Int
    /// Regions per side of the alignment head.
    public var regions: Int
    /// Patches per region side.
    public var regionSize: Int
    /// Width of patch tokens and region features.
    public var featureDim: Int
    /// Width of the embedding.
    public var embedDim: Int
    /// Per-channel normalisation of the model input.
    public var pixelMean: [Float]
    public var pixelStd: [Float]

    /// Reads and cross-checks the metadata; every error names the key.
    init(metadata model: Model, source: String) throws {
        func integer(_ key: String) throws -> Int {
            guard let text = model.metadataValue("glam.\(key)") else {
                throw GlamError(.invalidModel, "\(source): metadata_props has no 'glam.\(key)'; export the bundle with libglam's exporter")
            }
            guard let value = Int(text), value > 0, value <= 1 << 20 else {
                throw GlamError(.invalidModel, "\(source): 'glam.\(key)' = '\(text)' is not a positive integer")
            }
            return value
        }
        func floats(_ key: String) throws -> [Float] {
            guard let text = model.metadataValue("glam.\(key)") else {
                throw GlamError(.invalidModel, "\(source): metadata_props has no 'glam.\(key)'")
            }
            let values = text.split(separator: ",").compactMap { Float(String($0).trimmed(" ")) }
            guard values.count == 3, values.allSatisfy({ $0.isFinite }) else {
                throw GlamError(.invalidModel, "\(source): 'glam.\(key)' = '\(text)' must be three comma-separated numbers")
            }
            return values
        }

        imageSize = try integer("image_size")
        patchSize = try integer("patch_size")
        grid = try integer("grid")
        regions = try integer("regions")
        regionSize = try integer("region_size")
        featureDim = try integer("dim")
        embedDim = try integer("embed_dim")
        pixelMean = try floats("pixel_mean")
        pixelStd = try floats("pixel_std")

        guard grid * patchSize == imageSize else {
            throw GlamError(.invalidModel, "\(source): 'glam.grid' = \(grid) × 'glam.patch_size' = \(patchSize) differs from 'glam.image_size' = \(imageSize)")
        }
        guard regions * regionSize <= grid else {
            throw GlamError(.invalidModel, "\(source): 'glam.regions' = \(regions) × 'glam.region_size' = \(regionSize) exceeds 'glam.grid' = \(grid)")
        }
        guard pixelStd.allSatisfy({ $0 != 0 }) else {
            throw GlamError(.invalidModel, "\(source): 'glam.pixel_std' has a zero entry")
        }
        guard pixelMean.allSatisfy({ $0 == pixelMean[0] }), pixelStd.allSatisfy({ $0 == pixelStd[0] }) else {
            throw GlamError(.unsupported, "\(source): 'glam.pixel_mean' and 'glam.pixel_std' must be equal across channels, since mammograms are grayscale")
        }
    }
}

extension String {
    /// The string without leading and trailing `character`s.
    func trimmed(_ character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
