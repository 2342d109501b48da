import GlamMammography

/// One view's preprocessing geometry and encoder outputs.
public struct ViewEncoding: Sendable {
    public let view: MammographyView
    public let preprocessed: PreprocessedView
    /// The L2-normalised embedding (`embedDim` values).
    public let embedding: [Float]
    /// Final patch tokens, `grid × grid × featureDim`, row-major over the patch grid.
    public let patchTokens: [Float]
}

/// The encoder's results for a CC + MLO pair of one breast.
public final class EncodedPair: @unchecked Sendable {
    public let geometry: BundleGeometry
    public let cc: ViewEncoding
    public let mlo: ViewEncoding

    init(geometry: BundleGeometry, cc: ViewEncoding, mlo: ViewEncoding) {
        self.geometry = geometry
        self.cc = cc
        self.mlo = mlo
    }

    public func encoding(_ view: MammographyView) -> ViewEncoding {
        view == .cc ? cc : mlo
    }
}
