/// Otsu thresholding and the foreground crop built on it.
///
/// GLAM thresholds with OpenCV `threshold(..., THRESH_BINARY + THRESH_OTSU)`: the threshold `t`
/// maximises the between-class variance of the 256-bin histogram (the first maximum wins), and
/// foreground is `value > t`. GLAM then crops to the bounding box of the foreground.
enum Otsu {
    static func threshold(histogram: [Int]) -> Int {
        let total = Double(histogram.reduce(0, +))
        guard total > 0 else { return 0 }
        var weightedTotal = 0.0
        for (value, count) in histogram.enumerated() {
            weightedTotal += Double(value) * Double(count)
        }
        let mean = weightedTotal / total

        var bestThreshold = 0
        var bestVariance = 0.0
        var lowerWeight = 0.0
        var lowerSum = 0.0
        let epsilon = Double(Float.ulpOfOne)
        for value in 0..<256 {
            let probability = Double(histogram[value]) / total
            lowerWeight += probability
            lowerSum += Double(value) * probability
            let upperWeight = 1 - lowerWeight
            if min(lowerWeight, upperWeight) < epsilon || max(lowerWeight, upperWeight) > 1 - epsilon {
                continue
            }
            let lowerMean = lowerSum / lowerWeight
            let upperMean = (mean - lowerWeight * lowerMean) / upperWeight
            let variance = lowerWeight * upperWeight * (lowerMean - upperMean) * (lowerMean - upperMean)
            if variance > bestVariance {
                bestVariance = variance
                bestThreshold = value
            }
        }
        return bestThreshold
    }

    static func histogram(of image: GrayImage) -> [Int] {
        var histogram = [Int](repeating: 0, count: 256)
        for pixel in image.pixels {
            histogram[Int(pixel)] += 1
        }
        return histogram
    }

    /// Bounding box of the pixels above the Otsu threshold, or the whole image when none are,
    /// as GLAM returns the image uncropped in that case.
    static func foregroundBox(of image: GrayImage) -> PixelBox {
        let cut = UInt8(threshold(histogram: histogram(of: image)))
        var box: PixelBox?
        image.pixels.withUnsafeBufferPointer { pixels in
            var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
            for y in 0..<image.height {
                let row = y * image.width
                var rowMin = -1
                var rowMax = -1
                for x in 0..<image.width where pixels[row + x] > cut {
                    if rowMin < 0 { rowMin = x }
                    rowMax = x
                }
                if rowMin >= 0 {
                    minX = min(minX, rowMin)
                    maxX = max(maxX, rowMax)
                    minY = min(minY, y)
                    maxY = y
                }
            }
            if maxX >= 0 {
                box = PixelBox(x0: minX, y0: minY, x1: maxX, y1: maxY)
            }
        }
        return box ?? PixelBox(x0: 0, y0: 0, x1: image.width - 1, y1: image.height - 1)
    }
}
