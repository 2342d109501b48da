import Glibc

/// GLAM's alignment of an MLO view to CC geometry: the pectoral edge is rotated to vertical.
///
/// Order, as in GLAM's alignment script: orient (chest wall left), blank labels, Otsu crop,
/// equalise the histogram, zero the bottom 10% of rows, Canny (sigma 6, thresholds 0.1 and 0.2
/// on [0, 1]), thicken the edges by a Sobel filter, Hough lines, choose the pectoral line,
/// rotate about the line's crossing with the left edge on a canvas twice as wide, Otsu crop
/// again, and undo the orientation flip.
enum MLOAlignment {
    static let fallbackAngleDegrees = 18.0

    struct Result {
        var image: GrayImage
        /// Maps pixel-edge coordinates of the input to those of `image`.
        var transform: AffineTransform
        var report: AlignmentReport
    }

    static func align(_ input: GrayImage, options: PreprocessOptions) -> Result {
        var source = input
        var removedArtifacts: [RemovedComponent] = []
        let flipped: Bool
        if options.removeFilmArtifacts {
            let cleaned = FilmArtifacts.remove(from: input)
            source = cleaned.image
            removedArtifacts = cleaned.removed
            flipped = cleaned.breastOnRight
        } else {
            flipped = Orientation.needsFlip(input)
        }

        var transform = AffineTransform.identity
        var oriented = source
        if flipped {
            oriented = source.flippedHorizontally()
            transform = transform.then(.horizontalFlip(width: input.width))
        }

        let (cleaned, removed) = LabelRemoval.remove(from: oriented, variant: .alignment)
        let firstCrop = Otsu.foregroundBox(of: cleaned)
        let cropped = cleaned.cropped(to: firstCrop)
        transform = transform.then(.translation(x: -Double(firstCrop.x0), y: -Double(firstCrop.y0)))

        let line = findPectoralLine(in: cropped)
        let angle = line?.angleDegrees ?? fallbackAngleDegrees
        let center: (x: Double, y: Double)
        if let line {
            // GLAM floors the angle at 1e-3 rad when intersecting with the left edge.
            let theta = max(line.angleDegrees * Double.pi / 180, 1e-3)
            center = (0, line.distance / sin(theta))
        } else {
            center = (0, Double(cropped.height / 2))
        }

        let rotation = Rotation.matrix(center: center, angleDegrees: angle)
        let canvasWidth = 2 * cropped.width
        let rotated = Rotation.warp(cropped, forward: rotation, width: canvasWidth, height: cropped.height)
        transform = transform.then(Rotation.edgeCoordinates(rotation))

        let secondCrop = Otsu.foregroundBox(of: rotated)
        var aligned = rotated.cropped(to: secondCrop)
        transform = transform.then(.translation(x: -Double(secondCrop.x0), y: -Double(secondCrop.y0)))
        if flipped {
            aligned = aligned.flippedHorizontally()
            transform = transform.then(.horizontalFlip(width: aligned.width))
        }

        let report = AlignmentReport(
            flipped: flipped, removedComponents: removed, removedFilmArtifacts: removedArtifacts, firstCrop: firstCrop,
            lineFound: line != nil, angleDegrees: angle, lineDistance: line?.distance ?? 0,
            rotationCenter: center, secondCrop: secondCrop)
        return Result(image: aligned, transform: transform, report: report)
    }

    static func findPectoralLine(in image: GrayImage) -> PectoralLine.Line? {
        guard image.width > 2, image.height > 2 else { return nil }
        let equalised = HistogramEqualization.equalize(image)
        let maskedFrom = Int(Double(image.height) * 0.9)
        var values = [Double](repeating: 0, count: image.pixels.count)
        for i in 0..<(maskedFrom * image.width) {
            values[i] = Double(equalised.pixels[i]) / 255
        }

        let edges = Canny.edges(values: values, width: image.width, height: image.height, sigma: 6, low: 0.1, high: 0.2)
        let thickened = thickenEdges(edges, width: image.width, height: image.height)
        let accumulator = HoughAccumulator(edges: thickened, width: image.width, height: image.height)
        let candidates = PectoralLine.candidates(peaks: accumulator.peaks(), width: image.width)
        return PectoralLine.pick(from: candidates, image: image)
    }

    /// Non-zero pixels of scikit-image `filters.sobel` applied to the edge mask: GLAM votes in
    /// Hough space with these, which widens each edge to about three pixels.
    static func thickenEdges(_ edges: [Bool], width: Int, height: Int) -> [Bool] {
        var output = [Bool](repeating: false, count: edges.count)
        @inline(__always) func value(_ x: Int, _ y: Int) -> Int {
            edges[min(max(y, 0), height - 1) * width + min(max(x, 0), width - 1)] ? 1 : 0
        }
        for y in 0..<height {
            for x in 0..<width {
                let horizontal = (value(x + 1, y - 1) + 2 * value(x + 1, y) + value(x + 1, y + 1))
                    - (value(x - 1, y - 1) + 2 * value(x - 1, y) + value(x - 1, y + 1))
                let vertical = (value(x - 1, y + 1) + 2 * value(x, y + 1) + value(x + 1, y + 1))
                    - (value(x - 1, y - 1) + 2 * value(x, y - 1) + value(x + 1, y - 1))
                output[y * width + x] = horizontal != 0 || vertical != 0
            }
        }
        return output
    }
}
