/// Step 4 of GLAM's pipeline, the dataset transform applied to both views.
enum FinalStage {
    struct Result {
        var input: [Float]
        /// Maps pixel-edge coordinates of the stage image to those of the model input.
        var transform: AffineTransform
        let flipped: Bool
        var removed: [RemovedComponent]
        var removedArtifacts: [RemovedComponent]
        var crop: PixelBox
    }

    static func run(_ stage: GrayImage, options: PreprocessOptions) -> Result {
        var transform = AffineTransform.identity
        var working = stage
        var removedArtifacts: [RemovedComponent] = []
        let flipped: Bool
        if options.removeFilmArtifacts {
            let cleaned = FilmArtifacts.remove(from: working)
            working = cleaned.image
            removedArtifacts = cleaned.removed
            flipped = cleaned.breastOnRight
        } else {
            flipped = Orientation.needsFlip(working)
        }

        if flipped {
            working = working.flippedHorizontally()
            transform = transform.then(.horizontalFlip(width: stage.width))
            removedArtifacts = removedArtifacts.map { mirrored($0, width: stage.width) }
        }

        let (cleaned, removed) = LabelRemoval.remove(from: working, variant: .training)
        let crop = Otsu.foregroundBox(of: cleaned)
        let cropped = cleaned.cropped(to: crop)
        transform = transform.then(.translation(x: -Double(crop.x0), y: -Double(crop.y0)))

        let size = options.imageSize
        let resized = AntialiasedResize.resize(cropped, width: size, height: size)
        transform = transform.then(.scaling(x: Double(size) / Double(crop.width), y: Double(size) / Double(crop.height)))

        let scale = 1 / (255 * options.pixelStd)
        let shift = options.pixelMean / options.pixelStd
        let input = resized.pixels.map { Float($0) * scale - shift }
        return Result(input: input, transform: transform, flipped: flipped, removed: removed,
                      removedArtifacts: removedArtifacts, crop: crop)
    }

    private static func mirrored(_ component: RemovedComponent, width: Int) -> RemovedComponent {
        var copy = component
        copy.box = PixelBox(x0: width - 1 - component.box.x1, y0: component.box.y0,
                            x1: width - 1 - component.box.x0, y1: component.box.y1)
        return copy
    }
}
