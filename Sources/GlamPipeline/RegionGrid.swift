import GlamMammography
import GlamRuntime

/// The positions of the alignment head's regions in a view's model input and original pixels.
///
/// Region (row, column) covers `regionSize × regionSize` patches starting at patch
/// (row × regionSize, column × regionSize), as GLAM's merge of patches into a `regions × regions`
/// grid defines them. When `regions × regionSize < grid` (9 × 4 < 37) the last patch rows and
/// columns belong to no region; points there are assigned to the nearest region.
public struct RegionGrid: Sendable {
    public let geometry: BundleGeometry

    public init(geometry: BundleGeometry) {
        self.geometry = geometry
    }

    /// Side of one region in model-input pixels.
    public var regionSide: Double { Double(geometry.regionSize * geometry.patchSize) }

    /// Returns the region containing model-input point (u, v), or nil when it lies outside the input.
    public func region(atInput u: Double, _ v: Double) -> (row: Int, column: Int)? {
        let side = Double(geometry.imageSize)
        guard u.isFinite, v.isFinite, u >= 0, v >= 0, u < side, v < side else {
            return nil
        }
        let last = geometry.regions - 1
        return (min(Int(v / regionSide), last), min(Int(u / regionSide), last))
    }

    /// Returns the region containing an original pixel point of a view.
    public func region(atOriginal x: Double, _ y: Double, of view: PreprocessedView) -> (row: Int, column: Int)? {
        let point = view.originalToInput.apply(x: x, y: y)
        return region(atInput: point.x, point.y)
    }

    /// Region corners in original pixels: `(regions + 1)²` points, row-major, as x, y pairs.
    public func corners(of view: PreprocessedView) throws -> [Double] {
        guard let inverse = view.originalToInput.inverted else {
            throw GlamError(.invalidArgument, "the preprocessing transform of this view is not invertible")
        }
        var result: [Double] = []
        result.reserveCapacity(2 * (geometry.regions + 1) * (geometry.regions + 1))
        for row in 0...geometry.regions {
            for column in 0...geometry.regions {
                let point = inverse.apply(x: Double(column) * regionSide, y: Double(row) * regionSide)
                result.append(point.x)
                result.append(point.y)
            }
        }
        return result
    }
}
