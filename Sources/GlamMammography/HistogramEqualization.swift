/// Histogram equalisation with the semantics of OpenCV `equalizeHist` for 8-bit images.
///
/// The lowest occupied grey level maps to 0, and each higher level maps to its cumulative
/// count above that level, scaled so the total maps to 255 and rounded to nearest.
enum HistogramEqualization {
    static func equalize(_ image: GrayImage) -> GrayImage {
        let histogram = Otsu.histogram(of: image)
        let total = image.pixels.count
        guard let lowest = histogram.firstIndex(where: { $0 > 0 }) else { return image }
        if histogram[lowest] == total {
            return GrayImage(width: image.width, height: image.height,
                             pixels: [UInt8](repeating: UInt8(lowest), count: total))
        }

        let scale = Float(255) / Float(total - histogram[lowest])
        var table = [UInt8](repeating: 0, count: 256)
        var cumulative = 0
        for level in (lowest + 1)..<256 {
            cumulative += histogram[level]
            let mapped = (Float(cumulative) * scale).rounded(.toNearestOrEven)
            table[level] = UInt8(min(max(mapped, 0), 255))
        }

        var output = image
        for i in 0..<total {
            output.pixels[i] = table[Int(image.pixels[i])]
        }
        return output
    }
}
