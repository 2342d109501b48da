/// GLAM's image preprocessing, from stored pixels to the encoder's 518x518 input.
///
/// Steps:
/// 1. Scale to 8 bits by the image maximum and invert MONOCHROME1.
/// 2. Resize the long side to `cacheLongSide` with area averaging (the cache GLAM stores before training).
/// 3. MLO only: `MLOAlignment`.
/// 4. Orient, blank labels, crop to the Otsu foreground, resize to `imageSize` squared with
///    antialiased bilinear interpolation ignoring aspect ratio, and normalise with `pixelMean`
///    and `pixelStd`.
public enum Preprocessor {
    /// Largest accepted `imageSize` and `cacheLongSide`, far above GLAM's 518 and 1024.
    static let maxOptionSide = 16_384

    /// Runs the whole pipeline on stored pixel values.
    ///
    /// - Throws: `PreprocessError` for invalid sizes, a value count that does not match the size,
    ///   NaN or infinite values, an image with no positive value, or invalid options.
    public static func preprocess(_ image: StoredImage, laterality: Laterality, view: MammographyView,
                                  options: PreprocessOptions = .init()) throws -> PreprocessedView {
        try validate(options)
        let eightBit = try EightBitConversion.convert(image)
        let cache = cacheSize(width: eightBit.width, height: eightBit.height, longSide: options.cacheLongSide)
        let cached = AreaResize.resize(eightBit, width: cache.width, height: cache.height)
        let toCache = AffineTransform.scaling(
            x: Double(cache.width) / Double(image.width), y: Double(cache.height) / Double(image.height))

        var result = try preprocessCached(cached, laterality: laterality, view: view, options: options)
        result.originalToInput = toCache.then(result.originalToInput)
        result.originalWidth = image.width
        result.originalHeight = image.height
        return result
    }

    /// Runs steps 3 and 4 on an 8-bit image that is already GLAM's cache (long side 1024).
    ///
    /// `originalToInput` of the result maps this image's coordinates. GLAM's rules orient every
    /// view from its pixels, so `laterality` is unused. It is accepted so that callers pass the
    /// same arguments to both entry points.
    public static func preprocessCached(_ image: GrayImage, laterality: Laterality, view: MammographyView,
                                        options: PreprocessOptions = .init()) throws -> PreprocessedView {
        try validate(options)
        try SizeLimits.check(width: image.width, height: image.height)
        guard image.pixels.count == image.width * image.height else {
            throw PreprocessError.valueCountMismatch(count: image.pixels.count, width: image.width, height: image.height)
        }
        guard image.pixels.contains(where: { $0 != 0 }) else {
            throw PreprocessError.noPositiveValues(maximum: 0)
        }

        var stage = image
        var toStage = AffineTransform.identity
        var alignment: AlignmentReport?
        if view == .mlo {
            let aligned = MLOAlignment.align(image, options: options)
            stage = aligned.image
            toStage = aligned.transform
            alignment = aligned.report
        }

        let final = FinalStage.run(stage, options: options)
        let report = PreprocessReport(
            cacheWidth: image.width, cacheHeight: image.height, alignment: alignment,
            stageWidth: stage.width, stageHeight: stage.height, finalFlipped: final.flipped,
            removedComponents: final.removed, removedFilmArtifacts: final.removedArtifacts,
            finalCrop: final.crop)
        return PreprocessedView(
            input: final.input, imageSize: options.imageSize,
            originalToInput: toStage.then(final.transform), stageToInput: final.transform,
            originalWidth: image.width, originalHeight: image.height, report: report)
    }

    /// Size of GLAM's cache: the long side becomes `longSide`, the short side is scaled and
    /// truncated as Python's `int()` does. Height wins ties.
    static func cacheSize(width: Int, height: Int, longSide: Int) -> (width: Int, height: Int) {
        if height >= width {
            return (max(Int(Double(width) * (Double(longSide) / Double(height))), 1), longSide)
        }
        return (longSide, max(Int(Double(height) * (Double(longSide) / Double(width))), 1))
    }

    static func validate(_ options: PreprocessOptions) throws {
        guard options.imageSize > 0, options.imageSize <= maxOptionSide else {
            throw PreprocessError.invalidOptions("imageSize \(options.imageSize) must be in 1...\(maxOptionSide)")
        }
        guard options.cacheLongSide > 0, options.cacheLongSide <= maxOptionSide else {
            throw PreprocessError.invalidOptions("cacheLongSide \(options.cacheLongSide) must be in 1...\(maxOptionSide)")
        }
        guard options.pixelMean.isFinite, options.pixelStd.isFinite, options.pixelStd > 0 else {
            throw PreprocessError.invalidOptions(
                "pixelMean \(options.pixelMean) must be finite and pixelStd \(options.pixelStd) finite and positive")
        }
    }
}
