/// Removal of bright film artifacts that GLAM's rules keep on digitised film.
///
/// GLAM detects labels as small components of the non-zero mask. On digitised film the
/// background is scanner noise rather than zero, so the whole film is one component. Burned-in
/// labels then survive and stretch the Otsu crop, and the bright strip at the film edge ends up
/// inside the MLO crop after rotation. GLAM's orientation rule counts non-zero pixels,
/// which on film counts the noise as well.
///
/// Here the breast is the largest component of the tissue mask after a morphological opening,
/// together with any opened component of at least `keptFraction` of its area (a
/// breast the threshold splits in two). The tissue threshold is a second Otsu threshold over
/// the grey levels below the first, which separates background from fatty tissue; fatty tissue
/// lies below the first threshold on digital images, and the dense tissue alone would be
/// fragments. The opening cuts thin strips (film edges, label
/// strokes) away from the breast. A component of the foreground itself, dilated by 2 pixels as
/// GLAM dilates its label mask, is an artifact when it shares no pixel with the breast and
/// either lies wholly outside the breast's bounding box or is a thin strip along the image
/// border. Other specks inside the breast's box are left alone, so breast tissue that the
/// threshold separates is never blanked. Artifact pixels are set to 0. The breast mask also
/// decides the orientation: the half holding more breast is the chest-wall side.
enum FilmArtifacts {
    /// Opening radius per 1024 pixels of the long side: cuts strips up to about 8 pixels wide
    /// at GLAM's cache size.
    // NOTE: these three constants are judgment calls checked on one digitised-film case
    // (CBIS-DDSM P_00173) and four digital views, not fitted on a data set.
    static let openingRadiusPer1024 = 4
    static let keptFraction = 0.1
    /// Widest border strip treated as film edge, per 1024 pixels of the long side.
    static let stripWidthPer1024 = 16

    struct Result {
        var image: GrayImage
        var removed: [RemovedComponent]
        /// Whether the right half contains more breast pixels than the left half.
        var breastOnRight: Bool
    }

    static func union(_ lhs: PixelBox, _ rhs: PixelBox) -> PixelBox {
        PixelBox(x0: min(lhs.x0, rhs.x0), y0: min(lhs.y0, rhs.y0), x1: max(lhs.x1, rhs.x1), y1: max(lhs.y1, rhs.y1))
    }

    static func remove(from image: GrayImage) -> Result {
        let width = image.width
        let height = image.height
        let radius = max(1, max(width, height) * openingRadiusPer1024 / 1024)
        let histogram = Otsu.histogram(of: image)
        let threshold = Otsu.threshold(histogram: histogram)
        var lowerHistogram = histogram
        for level in (threshold + 1)..<256 { lowerHistogram[level] = 0 }
        let tissueThreshold = Otsu.threshold(histogram: lowerHistogram)
        let foreground = Morphology.mask(of: image, above: UInt8(threshold))
        let tissue = Morphology.mask(of: image, above: UInt8(tissueThreshold))
        let opened = Morphology.open(tissue, width: width, height: height, radius: radius)
        let components = ConnectedComponents(mask: opened, width: width, height: height)

        let largest = components.components.map(\.area).max() ?? 0
        guard largest > 0 else {
            return Result(image: image, removed: [], breastOnRight: Orientation.needsFlip(image))
        }
        var breast = [Bool](repeating: false, count: opened.count)
        var breastBox: PixelBox?
        for i in 0..<opened.count where components.labels[i] >= 0 {
            let component = components.components[Int(components.labels[i])]
            guard Double(component.area) >= keptFraction * Double(largest) else { continue }
            breast[i] = true
            breastBox = breastBox.map { union($0, component.box) } ?? component.box
        }
        guard let breastBox else {
            return Result(image: image, removed: [], breastOnRight: Orientation.needsFlip(image))
        }

        let stripWidth = max(width, height) * stripWidthPer1024 / 1024
        let candidates = Morphology.dilate(foreground, width: width, height: height, radius: 2)
        let groups = ConnectedComponents(mask: candidates, width: width, height: height)
        var touchesBreast = [Bool](repeating: false, count: groups.components.count)
        for i in 0..<breast.count where breast[i] && groups.labels[i] >= 0 {
            touchesBreast[Int(groups.labels[i])] = true
        }
        var isArtifact = [Bool](repeating: false, count: groups.components.count)
        var removed: [RemovedComponent] = []
        for (label, group) in groups.components.enumerated() where !touchesBreast[label] {
            let box = group.box
            let touchesBorder = box.x0 == 0 || box.y0 == 0 || box.x1 == width - 1 || box.y1 == height - 1
            let isStrip = touchesBorder && min(box.width, box.height) <= stripWidth
            let outsideBreast = box.x1 < breastBox.x0 || box.x0 > breastBox.x1
                || box.y1 < breastBox.y0 || box.y0 > breastBox.y1
            if isStrip || outsideBreast {
                isArtifact[label] = true
                removed.append(RemovedComponent(area: group.area, box: box))
            }
        }

        var output = image
        for i in 0..<output.pixels.count where groups.labels[i] >= 0 && isArtifact[Int(groups.labels[i])] {
            output.pixels[i] = 0
        }

        let split = width / 2
        var left = 0
        var right = 0
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where breast[row + x] {
                if x < split { left += 1 } else { right += 1 }
            }
        }
        return Result(image: output, removed: removed, breastOnRight: left < right)
    }
}
