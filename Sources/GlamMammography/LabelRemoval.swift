/// Blanking of burned-in labels: small components of the foreground mask.
///
/// GLAM has two versions of this step, and each reference output uses its own:
/// - `.alignment` (the MLO alignment script): foreground is `value > 0`, and every component
///   under 10,000 pixels is blanked.
/// - `.training` (the dataset transform): foreground is `value > 5`, a component is blanked when
///   under 10,000 pixels and smaller than the largest label in OpenCV's statistics (which
///   include the background), and an image that would end up all black is kept unchanged.
/// Both dilate the mask by a 5x5 square first, and both blank the component's whole bounding box.
// NOTE: the `.training` rules come from a GLAM-family `transforms.py` found by search, because
// the stored copy of GLAM's repository lacks `dataset/transforms.py`. Parity with GLAM's outputs
// on eight images supports them, but none of those images exercises the all-black fallback.
enum LabelRemoval {
    enum Variant {
        case alignment
        case training
    }

    static let maxLabelArea = 10_000

    static func remove(from image: GrayImage, variant: Variant) -> (image: GrayImage, removed: [RemovedComponent]) {
        let threshold: UInt8 = variant == .alignment ? 0 : 5
        let mask = Morphology.mask(of: image, above: threshold)
        let dilated = Morphology.dilate(mask, width: image.width, height: image.height, radius: 2)
        let components = ConnectedComponents(mask: dilated, width: image.width, height: image.height)

        var largestLabelArea = image.width * image.height - components.components.reduce(0) { $0 + $1.area }
        for component in components.components {
            largestLabelArea = max(largestLabelArea, component.area)
        }

        var output = image
        var removed: [RemovedComponent] = []
        for component in components.components {
            let isSmall = component.area < maxLabelArea
            let qualifies = variant == .alignment ? isSmall : isSmall && component.area < largestLabelArea
            guard qualifies else { continue }
            removed.append(RemovedComponent(area: component.area, box: component.box))
            fill(&output, box: component.box)
        }

        if variant == .training && !removed.isEmpty && !output.pixels.contains(where: { $0 != 0 }) {
            return (image, [])
        }
        return (output, removed)
    }

    static func fill(_ image: inout GrayImage, box: PixelBox) {
        for y in box.y0...box.y1 {
            let row = y * image.width
            for x in box.x0...box.x1 {
                image.pixels[row + x] = 0
            }
        }
    }
}
