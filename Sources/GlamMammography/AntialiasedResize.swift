/// Bilinear resize with antialiasing, the semantics of Pillow's `Image.resize(..., BILINEAR)`
/// for 8-bit images (Pillow 7 and later), which torchvision's `Resize` calls on PIL images.
///
/// When shrinking, the triangle filter widens to the scale factor so every source pixel
/// contributes. Weights are rounded to 22-bit fixed point, the horizontal pass runs first and
/// its result is rounded to 8 bits before the vertical pass, as Pillow does.
enum AntialiasedResize {
    static let precisionBits = 22

    struct Tap {
        var start: Int
        var weights: [Int32]
    }

    static func taps(sourceSize: Int, targetSize: Int) -> [Tap] {
        let scale = Double(sourceSize) / Double(targetSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        var taps: [Tap] = []
        taps.reserveCapacity(targetSize)
        for target in 0..<targetSize {
            let center = (Double(target) + 0.5) * scale
            let start = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), sourceSize) - start

            var weights = [Double](repeating: 0, count: max(count, 0))
            var total = 0.0
            for i in 0..<weights.count {
                let distance = (Double(i + start) - center + 0.5) / filterScale
                let weight = max(0, 1 - abs(distance))
                weights[i] = weight
                total += weight
            }
            let fixed = weights.map { weight -> Int32 in
                let normalised = total != 0 ? weight / total : 0
                return Int32((normalised * Double(1 << precisionBits) + 0.5).rounded(.down))
            }
            taps.append(Tap(start: start, weights: fixed))
        }
        return taps
    }

    /// Resizes `image` to `width` x `height`; both must be positive.
    static func resize(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        let horizontal = resizeRows(image, width: width)
        return resizeColumns(horizontal, height: height)
    }

    private static func clampToByte(_ accumulator: Int64) -> UInt8 {
        let value = accumulator >> Int64(precisionBits)
        return UInt8(min(max(value, 0), 255))
    }

    private static func resizeRows(_ image: GrayImage, width: Int) -> GrayImage {
        if width == image.width { return image }
        let columnTaps = taps(sourceSize: image.width, targetSize: width)
        var output = GrayImage(width: width, height: image.height)
        let half = Int64(1) << Int64(precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<image.height {
                    let sourceRow = y * image.width
                    let targetRow = y * width
                    for x in 0..<width {
                        let tap = columnTaps[x]
                        var sum = half
                        var index = sourceRow + tap.start
                        for weight in tap.weights {
                            sum += Int64(source[index]) * Int64(weight)
                            index += 1
                        }
                        target[targetRow + x] = clampToByte(sum)
                    }
                }
            }
        }
        return output
    }

    private static func resizeColumns(_ image: GrayImage, height: Int) -> GrayImage {
        if height == image.height { return image }
        let rowTaps = taps(sourceSize: image.height, targetSize: height)
        var output = GrayImage(width: image.width, height: height)
        var sums = [Int64](repeating: 0, count: image.width)
        let half = Int64(1) << Int64(precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { target in
                sums.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<height {
                        for x in 0..<image.width { sums[x] = half }
                        let tap = rowTaps[y]
                        for (k, weight) in tap.weights.enumerated() {
                            let sourceRow = (tap.start + k) * image.width
                            let weight64 = Int64(weight)
                            for x in 0..<image.width {
                                sums[x] += Int64(source[sourceRow + x]) * weight64
                            }
                        }
                        let targetRow = y * image.width
                        for x in 0..<image.width {
                            target[targetRow + x] = clampToByte(sums[x])
                        }
                    }
                }
            }
        }
        return output
    }
}
