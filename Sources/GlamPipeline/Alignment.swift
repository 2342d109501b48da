import GlamMammography
import GlamRuntime

/// The alignment head's results for a pair, with the geometry to draw them on the originals.
public final class Alignment: @unchecked Sendable {
    public let pair: EncodedPair
    /// Region features, `regions × regions × featureDim`, indexed (row, column, feature).
    public let ccRegions: [Float]
    public let mloRegions: [Float]
    /// Attention averaged over heads, `regions³`, indexed (column, source row, target row).
    public let ccToMlo: [Float]
    public let mloToCc: [Float]
    /// Cosine between each region and what it gathered, `regions × regions`, indexed (row, column).
    public let ccSimilarity: [Float]
    public let mloSimilarity: [Float]

    init(pair: EncodedPair, ccRegions: [Float], mloRegions: [Float], ccToMlo: [Float], mloToCc: [Float],
         ccSimilarity: [Float], mloSimilarity: [Float]) {
        self.pair = pair
        self.ccRegions = ccRegions
        self.mloRegions = mloRegions
        self.ccToMlo = ccToMlo
        self.mloToCc = mloToCc
        self.ccSimilarity = ccSimilarity
        self.mloSimilarity = mloSimilarity
    }

    public var grid: RegionGrid { RegionGrid(geometry: pair.geometry) }

    public func attention(from view: MammographyView) -> [Float] {
        view == .cc ? ccToMlo : mloToCc
    }

    /// Returns the attention weights from one source region to the regions of its column in the other view.
    public func attentionRow(from view: MammographyView, row: Int, column: Int) -> [Float] {
        let regions = pair.geometry.regions
        let start = (column * regions + row) * regions
        return Array(attention(from: view)[start..<(start + regions)])
    }

    /// Fills a `width × height` heatmap over the other view's original image with the attention
    /// of the source region containing original point (x, y) of `source`.
    ///
    /// Cell (i, j) samples the other image at the cell centre; cells outside every region are 0.
    public func heatmap(from source: MammographyView, x: Double, y: Double, width: Int, height: Int,
                        into output: UnsafeMutableBufferPointer<Float>) throws -> (row: Int, column: Int) {
        let sourceView = pair.encoding(source).preprocessed
        guard let region = grid.region(atOriginal: x, y, of: sourceView) else {
            throw GlamError(.invalidArgument, "point (\(x), \(y)) lies outside the cropped breast area of the \(source == .cc ? "CC" : "MLO") view; pick a point on the breast")
        }
        guard output.count >= width * height else {
            throw GlamError(.invalidArgument, "heatmap buffer holds \(output.count) values; \(width)×\(height) needs \(width * height)")
        }

        let weights = attentionRow(from: source, row: region.row, column: region.column)
        let target = pair.encoding(source == .cc ? .mlo : .cc).preprocessed
        let transform = target.originalToInput
        let scaleX = Double(target.originalWidth) / Double(width)
        let scaleY = Double(target.originalHeight) / Double(height)
        let grid = self.grid
        for j in 0..<height {
            for i in 0..<width {
                let point = transform.apply(x: (Double(i) + 0.5) * scaleX, y: (Double(j) + 0.5) * scaleY)
                var value: Float = 0
                if let cell = grid.region(atInput: point.x, point.y), cell.column == region.column {
                    value = weights[cell.row]
                }
                output[j * width + i] = value
            }
        }
        return region
    }
}
