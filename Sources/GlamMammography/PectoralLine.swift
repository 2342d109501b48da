import Glibc

/// Choice of the pectoral-muscle edge among Hough peaks, following GLAM's MLO alignment script.
///
/// A candidate has a normal angle of 10 to 60 degrees and a distance from the origin of
/// `max(5, 0.01 * width)` to `min(300, 0.6 * width)` pixels. The chosen one has the smallest
/// standard deviation of the non-zero pixels in the triangle between the line and the top-left
/// corner: the pectoral muscle is more uniform than the breast tissue next to it.
enum PectoralLine {
    struct Line {
        var angleDegrees: Double
        var distance: Double
    }

    static func candidates(peaks: [HoughAccumulator.Peak], width: Int) -> [Line] {
        let minDistance = max(5, 0.01 * Double(width))
        let maxDistance = min(300, 0.6 * Double(width))
        let lines = peaks.map { Line(angleDegrees: $0.angle * 180 / Double.pi, distance: $0.distance) }
        let kept = lines.filter {
            $0.distance >= minDistance && $0.distance <= maxDistance
                && $0.angleDegrees >= 10 && $0.angleDegrees <= 60
        }
        // Stable sort by angle: on equal spread the earlier candidate wins, as in GLAM.
        return kept.enumerated()
            .sorted { ($0.element.angleDegrees, $0.offset) < ($1.element.angleDegrees, $1.offset) }
            .map { $0.element }
    }

    /// Standard deviation (grey levels) of the non-zero pixels in the triangle with corners
    /// (0, 0), (distance / cos, 0) and (0, distance / sin), or nil when it has none.
    ///
    /// A pixel `(column, row)` is inside when `row` is in `[0, yIntercept)` and
    /// `column < xIntercept * (1 - row / yIntercept)`, the crossing test of scikit-image's
    /// `draw.polygon` for this triangle. Coordinates beyond the image are clamped to its last
    /// row or column, as GLAM clips them, so border pixels can count more than once.
    static func triangleSpread(of image: GrayImage, line: Line) -> Double? {
        let theta = line.angleDegrees * Double.pi / 180
        let xIntercept = line.distance / cos(theta)
        let yIntercept = line.distance / sin(theta)
        guard xIntercept.isFinite, yIntercept.isFinite, xIntercept > 0, yIntercept > 0 else { return nil }

        var count = 0
        var sum = 0.0
        var sumOfSquares = 0.0
        let lastRow = Int(yIntercept.rounded(.up))
        for row in 0...lastRow {
            let rowValue = Double(row)
            guard rowValue < yIntercept else { break }
            let bound = xIntercept * (1 - rowValue / yIntercept)
            guard bound > 0 else { continue }
            let columnEnd = Int(bound.rounded(.up))
            let imageRow = min(row, image.height - 1) * image.width
            for column in 0..<columnEnd {
                let value = image.pixels[imageRow + min(column, image.width - 1)]
                if value > 0 {
                    let v = Double(value)
                    count += 1
                    sum += v
                    sumOfSquares += v * v
                }
            }
        }
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        return max(sumOfSquares / Double(count) - mean * mean, 0).squareRoot()
    }

    /// The candidate with the lowest triangle spread, or nil when no candidate has one.
    static func pick(from candidates: [Line], image: GrayImage) -> Line? {
        var best: Line?
        var bestSpread = Double.infinity
        for line in candidates {
            guard let spread = triangleSpread(of: image, line: line) else { continue }
            if spread < bestSpread {
                bestSpread = spread
                best = line
            }
        }
        return best
    }
}
