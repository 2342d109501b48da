import Glibc

/// Canny edge detection with the semantics of scikit-image `feature.canny` (0.19 and later) for
/// a float image, constant-zero padding and no mask, as GLAM's MLO alignment calls it.
///
/// Steps: Gaussian smoothing (truncated at 4 sigma) normalised by the smoothed all-ones image so
/// the zero padding does not darken the border; Sobel gradients with reflected borders;
/// non-maximum suppression interpolated along the gradient, skipping the one-pixel border;
/// hysteresis that keeps 8-connected runs above `low` that touch a pixel above `high`.
enum Canny {
    /// Returns an edge mask, row-major. `values` has `width * height` entries.
    static func edges(values: [Double], width: Int, height: Int, sigma: Double, low: Double, high: Double) -> [Bool] {
        let smoothed = smooth(values, width: width, height: height, sigma: sigma)
        let count = width * height
        var rowGradient = [Double](repeating: 0, count: count)
        var columnGradient = [Double](repeating: 0, count: count)
        sobel(smoothed, width: width, height: height, rowGradient: &rowGradient, columnGradient: &columnGradient)

        var magnitude = [Double](repeating: 0, count: count)
        for i in 0..<count {
            magnitude[i] = (rowGradient[i] * rowGradient[i] + columnGradient[i] * columnGradient[i]).squareRoot()
        }

        let candidates = suppressNonMaxima(
            magnitude: magnitude, rowGradient: rowGradient, columnGradient: columnGradient,
            width: width, height: height, low: low)
        return hysteresis(candidates: candidates, magnitude: magnitude, width: width, height: height, high: high)
    }

    static func gaussianKernel(sigma: Double) -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        var kernel = [Double](repeating: 0, count: 2 * radius + 1)
        var total = 0.0
        for i in -radius...radius {
            let weight = exp(-0.5 * Double(i * i) / (sigma * sigma))
            kernel[i + radius] = weight
            total += weight
        }
        return kernel.map { $0 / total }
    }

    /// Gaussian smoothing with zero padding, divided by the smoothed all-ones image. The all-ones
    /// image is separable, so its smoothing is the product of two 1-D border sums.
    static func smooth(_ values: [Double], width: Int, height: Int, sigma: Double) -> [Double] {
        let kernel = gaussianKernel(sigma: sigma)
        let radius = kernel.count / 2

        func borderSums(size: Int) -> [Double] {
            (0..<size).map { i in
                var total = 0.0
                for k in -radius...radius where i + k >= 0 && i + k < size {
                    total += kernel[k + radius]
                }
                return total
            }
        }
        let rowSums = borderSums(size: height)
        let columnSums = borderSums(size: width)

        var vertical = [Double](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            vertical.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let kLow = max(-radius, -y)
                    let kHigh = min(radius, height - 1 - y)
                    let row = y * width
                    for k in kLow...kHigh {
                        let weight = kernel[k + radius]
                        let sourceRow = (y + k) * width
                        for x in 0..<width {
                            target[row + x] += weight * source[sourceRow + x]
                        }
                    }
                }
            }
        }

        var output = [Double](repeating: 0, count: values.count)
        vertical.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        let kLow = max(-radius, -x)
                        let kHigh = min(radius, width - 1 - x)
                        var sum = 0.0
                        for k in kLow...kHigh {
                            sum += kernel[k + radius] * source[row + x + k]
                        }
                        target[row + x] = sum / (rowSums[y] * columnSums[x] + Double.ulpOfOne)
                    }
                }
            }
        }
        return output
    }

    /// Sobel derivatives along rows (y) and columns (x), with edge pixels repeated at the border
    /// as SciPy's `reflect` mode does.
    static func sobel(_ values: [Double], width: Int, height: Int,
                      rowGradient: inout [Double], columnGradient: inout [Double]) {
        for y in 0..<height {
            let up = max(y - 1, 0) * width
            let row = y * width
            let down = min(y + 1, height - 1) * width
            for x in 0..<width {
                let left = max(x - 1, 0)
                let right = min(x + 1, width - 1)
                let topLeft = values[up + left], top = values[up + x], topRight = values[up + right]
                let midLeft = values[row + left], midRight = values[row + right]
                let bottomLeft = values[down + left], bottom = values[down + x], bottomRight = values[down + right]
                columnGradient[row + x] = (topRight + 2 * midRight + bottomRight) - (topLeft + 2 * midLeft + bottomLeft)
                rowGradient[row + x] = (bottomLeft + 2 * bottom + bottomRight) - (topLeft + 2 * top + topRight)
            }
        }
    }

    /// Local maxima along the gradient direction with magnitude at least `low`. The neighbour
    /// magnitude is interpolated between the two pixels the gradient line passes, in four sectors.
    static func suppressNonMaxima(magnitude: [Double], rowGradient: [Double], columnGradient: [Double],
                                  width: Int, height: Int, low: Double) -> [Bool] {
        var output = [Bool](repeating: false, count: magnitude.count)
        guard width > 2, height > 2 else { return output }
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let index = y * width + x
                let m = magnitude[index]
                guard m >= low else { continue }
                let gy = rowGradient[index]
                let gx = columnGradient[index]
                let ay = abs(gy)
                let ax = abs(gx)
                let sameSign = (gy >= 0 && gx >= 0) || (gy <= 0 && gx <= 0)

                // Each sector names the two neighbours on the positive side; the negative side
                // mirrors them through the pixel.
                let weight: Double
                let near: (dy: Int, dx: Int)
                let far: (dy: Int, dx: Int)
                if !sameSign && ay >= ax {
                    weight = ax / ay
                    near = (-1, 0)
                    far = (-1, 1)
                } else if !sameSign {
                    weight = ay / ax
                    near = (0, 1)
                    far = (-1, 1)
                } else if ay <= ax {
                    weight = ay / ax
                    near = (0, 1)
                    far = (1, 1)
                } else {
                    weight = ax / ay
                    near = (1, 0)
                    far = (1, 1)
                }
                let plus = magnitude[index + far.dy * width + far.dx] * weight
                    + magnitude[index + near.dy * width + near.dx] * (1 - weight)
                let minus = magnitude[index - far.dy * width - far.dx] * weight
                    + magnitude[index - near.dy * width - near.dx] * (1 - weight)
                output[index] = plus <= m && minus <= m
            }
        }
        return output
    }

    static func hysteresis(candidates: [Bool], magnitude: [Double], width: Int, height: Int, high: Double) -> [Bool] {
        let components = ConnectedComponents(mask: candidates, width: width, height: height)
        var strong = [Bool](repeating: false, count: components.components.count)
        for i in 0..<candidates.count where candidates[i] && magnitude[i] >= high {
            strong[Int(components.labels[i])] = true
        }
        var output = [Bool](repeating: false, count: candidates.count)
        for i in 0..<candidates.count where candidates[i] {
            output[i] = strong[Int(components.labels[i])]
        }
        return output
    }
}
