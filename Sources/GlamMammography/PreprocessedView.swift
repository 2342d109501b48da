/// One view ready for the GLAM encoder, with the geometry that produced it.
public struct PreprocessedView: Sendable {
    /// `imageSize * imageSize` values of one channel, row-major, normalised with the options'
    /// mean and standard deviation (into [-1, 1] by default). The model takes three equal channels.
    public var input: [Float]
    public var imageSize: Int
    /// Maps original pixel coordinates to model-input pixel coordinates.
    ///
    /// Both frames use pixel-edge coordinates: pixel `(i, j)` covers `[i, i+1) x [j, j+1)`, so its
    /// centre is `(i + 0.5, j + 0.5)`, and the model input spans `[0, imageSize)` on both axes.
    /// The map composes every step: the cache resize, flips, crops, the MLO rotation and the
    /// final resize.
    public var originalToInput: AffineTransform
    /// Maps the final step's input frame (the cache for CC, the aligned image for MLO) to model
    /// input coordinates, in the same pixel-edge convention.
    public var stageToInput: AffineTransform
    public var originalWidth: Int
    public var originalHeight: Int
    public var report: PreprocessReport
}
