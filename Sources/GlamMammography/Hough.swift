import Glibc

/// Straight-line Hough transform and peak picking with the semantics of scikit-image
/// `transform.hough_line` and `hough_line_peaks` at their defaults, as GLAM calls them.
///
/// A line is `x * cos(theta) + y * sin(theta) = distance`, with `x` the column and `y` the row.
/// The 180 angles run from -90 to 89 degrees in 1-degree steps; distances are whole pixels
/// from `-offset` to `offset`, where `offset = ceil(hypot(width, height))`.
struct HoughAccumulator {
    static let angleCount = 180

    let offset: Int
    let distanceCount: Int
    /// Votes, row-major as `[distanceIndex][angleIndex]`.
    var votes: [Int32]

    static func angle(index: Int) -> Double {
        -Double.pi / 2 + Double(index) * Double.pi / Double(angleCount)
    }

    init(edges: [Bool], width: Int, height: Int) {
        let diagonal = (Double(width * width + height * height)).squareRoot()
        offset = Int(diagonal.rounded(.up))
        distanceCount = 2 * offset + 1
        votes = [Int32](repeating: 0, count: distanceCount * Self.angleCount)

        var cosines = [Double](repeating: 0, count: Self.angleCount)
        var sines = [Double](repeating: 0, count: Self.angleCount)
        for k in 0..<Self.angleCount {
            cosines[k] = cos(Self.angle(index: k))
            sines[k] = sin(Self.angle(index: k))
        }
        let angleCount = Self.angleCount
        let offset = self.offset
        votes.withUnsafeMutableBufferPointer { votes in
            for y in 0..<height {
                for x in 0..<width where edges[y * width + x] {
                    for k in 0..<angleCount {
                        // C `round` (half away from zero), as scikit-image's Cython loop uses.
                        let distance = Int((Double(x) * cosines[k] + Double(y) * sines[k]).rounded(.toNearestOrAwayFromZero))
                        votes[(distance + offset) * angleCount + k] += 1
                    }
                }
            }
        }
    }

    /// One peak: its votes, angle in radians and signed distance in pixels.
    struct Peak {
        var votes: Int32
        var angle: Double
        var distance: Double
    }

    /// Peaks above half the maximum vote, strongest first, suppressing any other peak within
    /// 9 distance bins and 10 angle bins. The angle axis wraps (angle + 180 degrees is the same
    /// line with the distance negated), as in scikit-image.
    func peaks(minDistance: Int = 9, minAngle: Int = 10) -> [Peak] {
        let rows = distanceCount
        let columns = Self.angleCount
        guard let maximum = votes.max(), maximum > 0 else { return [] }
        let threshold = 0.5 * Double(maximum)

        // Maximum filter along distances, then along angles, with zero padding.
        var rowMaximum = [Int32](repeating: 0, count: votes.count)
        for row in 0..<rows {
            for column in 0..<columns {
                var best: Int32 = 0
                for r in max(row - minDistance, 0)...min(row + minDistance, rows - 1) {
                    best = max(best, votes[r * columns + column])
                }
                rowMaximum[row * columns + column] = best
            }
        }
        var localMaximum = [Int32](repeating: 0, count: votes.count)
        for row in 0..<rows {
            for column in 0..<columns {
                var best: Int32 = 0
                for c in max(column - minAngle, 0)...min(column + minAngle, columns - 1) {
                    best = max(best, rowMaximum[row * columns + c])
                }
                localMaximum[row * columns + column] = best
            }
        }

        var isPeakCell = [Bool](repeating: false, count: votes.count)
        for i in 0..<votes.count where votes[i] == localMaximum[i] && Double(votes[i]) > threshold {
            isPeakCell[i] = true
        }
        let regions = ConnectedComponents(mask: isPeakCell, width: columns, height: rows)

        // Region centroids and the highest filtered value inside each region.
        var sumRow = [Double](repeating: 0, count: regions.components.count)
        var sumColumn = [Double](repeating: 0, count: regions.components.count)
        var regionMaximum = [Int32](repeating: 0, count: regions.components.count)
        for i in 0..<votes.count where isPeakCell[i] {
            let label = Int(regions.labels[i])
            sumRow[label] += Double(i / columns)
            sumColumn[label] += Double(i % columns)
            regionMaximum[label] = max(regionMaximum[label], localMaximum[i])
        }
        // Ascending stable sort, then reversed, as scikit-image orders regions of equal strength.
        let ascending = (0..<regions.components.count).sorted { regionMaximum[$0] < regionMaximum[$1] }
        let order = ascending.reversed()

        var suppressed = localMaximum
        var found: [Peak] = []
        for label in order {
            let area = Double(regions.components[label].area)
            let row = Int((sumRow[label] / area).rounded(.toNearestOrEven))
            let column = Int((sumColumn[label] / area).rounded(.toNearestOrEven))
            let accumulated = suppressed[row * columns + column]
            guard Double(accumulated) > threshold else { continue }

            for dr in -minDistance...minDistance {
                for dc in -minAngle...minAngle {
                    var r = row + dr
                    var c = column + dc
                    guard r >= 0, r < rows else { continue }
                    if c < 0 {
                        r = rows - r
                        c += columns
                    } else if c >= columns {
                        r = rows - r
                        c -= columns
                    }
                    guard r >= 0, r < rows else { continue }
                    suppressed[r * columns + c] = 0
                }
            }
            found.append(Peak(votes: accumulated, angle: Self.angle(index: column), distance: Double(row - offset)))
        }
        return found
    }
}
