/// Area-averaging resize, the semantics of OpenCV `resize` with `INTER_AREA` when shrinking.
///
/// Each output pixel averages the source pixels its footprint covers, weighted by the covered
/// fraction; OpenCV ignores slivers under 1e-3 of a pixel, and so does this code.
enum AreaResize {
    /// Source indices and weights of one output pixel along one axis.
    struct Tap {
        var start: Int
        var weights: [Float]
    }

    static func taps(sourceSize: Int, targetSize: Int) -> [Tap] {
        let scale = Double(sourceSize) / Double(targetSize)
        var taps: [Tap] = []
        taps.reserveCapacity(targetSize)
        for target in 0..<targetSize {
            let low = Double(target) * scale
            let high = low + scale
            let cell = min(scale, Double(sourceSize) - low)
            let last = min(Int(high.rounded(.down)), sourceSize - 1)
            let first = min(Int(low.rounded(.up)), last)

            var start = first
            var weights: [Float] = []
            if Double(first) - low > 1e-3 {
                start = first - 1
                weights.append(Float((Double(first) - low) / cell))
            }
            for _ in first..<last {
                weights.append(Float(1 / cell))
            }
            if high - Double(last) > 1e-3 {
                weights.append(Float(min(min(high - Double(last), 1), cell) / cell))
            }
            taps.append(Tap(start: start, weights: weights))
        }
        return taps
    }

    /// Resizes `image`; both target sides must be positive.
    static func resize(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        if width == image.width && height == image.height { return image }
        // NOTE: OpenCV's INTER_AREA enlarges with its own bilinear variant; enlarging here uses
        // PIL-style bilinear instead, which can differ by a grey level at edges.
        if width > image.width || height > image.height {
            return AntialiasedResize.resize(image, width: width, height: height)
        }

        let columnTaps = taps(sourceSize: image.width, targetSize: width)
        let rowTaps = taps(sourceSize: image.height, targetSize: height)
        var output = GrayImage(width: width, height: height)
        var rowSums = [Float](repeating: 0, count: width)

        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                rowSums.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<height {
                        for x in 0..<width { sums[x] = 0 }
                        let rowTap = rowTaps[y]
                        for (k, rowWeight) in rowTap.weights.enumerated() {
                            let rowStart = (rowTap.start + k) * image.width
                            for x in 0..<width {
                                let columnTap = columnTaps[x]
                                var sum: Float = 0
                                var index = rowStart + columnTap.start
                                for weight in columnTap.weights {
                                    sum += weight * Float(source[index])
                                    index += 1
                                }
                                sums[x] += rowWeight * sum
                            }
                        }
                        let outputRow = y * width
                        for x in 0..<width {
                            target[outputRow + x] = UInt8(min(max(sums[x].rounded(.toNearestOrEven), 0), 255))
                        }
                    }
                }
            }
        }
        return output
    }
}
