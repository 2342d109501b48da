/// Settings of the preprocessing pipeline; the defaults are the GLAM release's.
public struct PreprocessOptions: Sendable {
    /// Side of the square model input, in pixels.
    public var imageSize = 518
    /// Long side of the 8-bit cache that GLAM stores before training, in pixels.
    public var cacheLongSide = 1024
    /// Normalisation applied to pixels scaled to [0, 1]: `(p - pixelMean) / pixelStd`.
    public var pixelMean: Float = 0.5
    public var pixelStd: Float = 0.5
    /// Removes film-border and edge-touching label components before cropping. GLAM's release
    /// has no such step, so it is off by default; turn it on for digitised film.
    public var removeFilmArtifacts = false

    public init() {}
}
