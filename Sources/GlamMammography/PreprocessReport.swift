/// A burned-in label or other small component that was blanked.
public struct RemovedComponent: Sendable, Equatable {
    /// Pixel count of the component in the dilated foreground mask.
    public var area: Int
    /// Blanked rectangle, in the frame of the image it was removed from.
    public var box: PixelBox
}

/// Decisions and crops of the MLO-to-CC alignment, in the frames named on each field.
public struct AlignmentReport: Sendable, Equatable {
    /// Whether the 1024-px cache was mirrored to put the chest wall on the left.
    public var flipped: Bool
    /// Components blanked in the oriented cache.
    public var removedComponents: [RemovedComponent]
    /// Film artifacts removed from the cache before orienting it, when `removeFilmArtifacts` is on.
    public var removedFilmArtifacts: [RemovedComponent]
    /// Otsu crop of the oriented cache.
    public var firstCrop: PixelBox
    /// Whether a Hough line passed the angle, offset and intensity-spread tests.
    public var lineFound: Bool
    /// Counter-clockwise rotation, in degrees (the line's normal angle, or 18 when no line was found).
    public var angleDegrees: Double
    /// Hough offset of the chosen line in pixels of the first crop; 0 when no line was found.
    public var lineDistance: Double
    /// Rotation centre in the first crop's frame (pixel-centre coordinates, as OpenCV uses).
    public var rotationCenter: (x: Double, y: Double)
    /// Otsu crop of the rotated canvas (twice the first crop's width).
    public var secondCrop: PixelBox

    public static func == (lhs: AlignmentReport, rhs: AlignmentReport) -> Bool {
        lhs.flipped == rhs.flipped && lhs.removedComponents == rhs.removedComponents
            && lhs.removedFilmArtifacts == rhs.removedFilmArtifacts
            && lhs.firstCrop == rhs.firstCrop && lhs.lineFound == rhs.lineFound
            && lhs.angleDegrees == rhs.angleDegrees && lhs.lineDistance == rhs.lineDistance
            && lhs.rotationCenter.x == rhs.rotationCenter.x && lhs.rotationCenter.y == rhs.rotationCenter.y
            && lhs.secondCrop == rhs.secondCrop
    }
}

/// The geometry and decisions of one preprocessing run.
public struct PreprocessReport: Sendable, Equatable {
    /// Size of the 8-bit cache (long side `cacheLongSide`).
    public var cacheWidth: Int
    public var cacheHeight: Int
    /// MLO only: the alignment step; nil for CC.
    public var alignment: AlignmentReport?
    /// Size of the image entering the final step: the cache for CC, the aligned image for MLO.
    public var stageWidth: Int
    public var stageHeight: Int
    /// Whether the final step mirrored its input to put the chest wall on the left.
    public var finalFlipped: Bool
    /// Components blanked in the final step, in its oriented frame.
    public var removedComponents: [RemovedComponent]
    /// Film-border components removed when `removeFilmArtifacts` is on, in the same frame.
    public var removedFilmArtifacts: [RemovedComponent]
    /// Otsu crop of the final step, in its oriented frame (after `finalFlipped`).
    public var finalCrop: PixelBox
}
