import GlamMammography
import GlamPipeline

/// The demo picture: CC and MLO originals side by side, each with its region grid, the chosen
/// CC point and its region, and the MLO heatmap for that point.
enum OverlayPicture {
    struct Result {
        var canvas: Canvas
        var region: (row: Int, column: Int)
        /// The MLO heatmap at panel resolution.
        var heatmap: (values: [Float], width: Int, height: Int)
    }

    static let banner = 48
    static let gap = 24

    static func draw(cc: StoredImage, mlo: StoredImage, alignment: Alignment, point: (x: Double, y: Double),
                     panelHeight: Int, untrained: Bool) throws -> Result {
        let ccScale = Double(panelHeight) / Double(cc.height)
        let mloScale = Double(panelHeight) / Double(mlo.height)
        let ccWidth = Int((Double(cc.width) * ccScale).rounded())
        let mloWidth = Int((Double(mlo.width) * mloScale).rounded())
        var canvas = Canvas(width: ccWidth + gap + mloWidth, height: panelHeight + banner)
        paint(cc, scale: ccScale, width: ccWidth, height: panelHeight, offsetX: 0, into: &canvas)
        paint(mlo, scale: mloScale, width: mloWidth, height: panelHeight, offsetX: ccWidth + gap, into: &canvas)

        // The heatmap is computed at panel resolution: one cell per drawn MLO pixel.
        var heat = [Float](repeating: 0, count: mloWidth * panelHeight)
        let region = try heat.withUnsafeMutableBufferPointer { buffer in
            try alignment.heatmap(from: .cc, x: point.x, y: point.y, width: mloWidth, height: panelHeight, into: buffer)
        }
        // Colours span the weights of the source region's row, so a near-uniform attention
        // (as untrained weights give) still shows which MLO regions it prefers.
        let row = alignment.attentionRow(from: .cc, row: region.row, column: region.column)
        let low = row.min() ?? 0
        let span = max((row.max() ?? 0) - low, 1e-6)
        for y in 0..<panelHeight {
            for x in 0..<mloWidth where heat[y * mloWidth + x] > 0 {
                let weight = (heat[y * mloWidth + x] - low) / span
                canvas.blend(ccWidth + gap + x, banner + y, (255, 255 * weight, 0), alpha: 0.15 + 0.5 * weight)
            }
        }

        let grid = alignment.grid
        let regions = alignment.pair.geometry.regions
        try drawGrid(grid, view: alignment.pair.cc.preprocessed, scale: ccScale, offsetX: 0, regions: regions,
                     highlight: region, into: &canvas)
        try drawGrid(grid, view: alignment.pair.mlo.preprocessed, scale: mloScale, offsetX: ccWidth + gap, regions: regions,
                     highlight: nil, into: &canvas)
        canvas.marker(at: (point.x * ccScale, point.y * ccScale + Double(banner)), radius: 12, color: (255, 40, 40))

        let title = untrained ? "GLAM DEMO - UNTRAINED WEIGHTS - NOT DIAGNOSTIC" : "GLAM"
        canvas.text(title, at: (10, 8), scale: 3, color: untrained ? (255, 200, 0) : (255, 255, 255))
        canvas.text("CC", at: (10, banner + 10), scale: 3, color: (255, 255, 255))
        canvas.text("MLO", at: (ccWidth + gap + 10, banner + 10), scale: 3, color: (255, 255, 255))
        return Result(canvas: canvas, region: region, heatmap: (heat, mloWidth, panelHeight))
    }

    /// Draws an image scaled into a panel, averaging the source pixels each panel pixel covers.
    private static func paint(_ image: StoredImage, scale: Double, width: Int, height: Int, offsetX: Int, into canvas: inout Canvas) {
        let peak = max(image.values.max() ?? 1, 1)
        let step = max(1, Int(1 / scale))
        for y in 0..<height {
            let sourceY = min(image.height - 1, Int(Double(y) / scale))
            for x in 0..<width {
                let sourceX = min(image.width - 1, Int(Double(x) / scale))
                var sum: Float = 0
                var count: Float = 0
                for dy in 0..<step where sourceY + dy < image.height {
                    for dx in 0..<step where sourceX + dx < image.width {
                        sum += image.values[(sourceY + dy) * image.width + sourceX + dx]
                        count += 1
                    }
                }
                let value = UInt8(max(0, min(255, (sum / max(count, 1) / peak * 255).rounded())))
                canvas.set(offsetX + x, banner + y, (value, value, value))
            }
        }
    }

    private static func drawGrid(_ grid: RegionGrid, view: PreprocessedView, scale: Double, offsetX: Int, regions: Int,
                                 highlight: (row: Int, column: Int)?, into canvas: inout Canvas) throws {
        let corners = try grid.corners(of: view)
        func corner(_ row: Int, _ column: Int) -> (Double, Double) {
            let index = 2 * (row * (regions + 1) + column)
            return (corners[index] * scale + Double(offsetX), corners[index + 1] * scale + Double(banner))
        }
        for row in 0...regions {
            for column in 0...regions {
                if column < regions { canvas.line(from: corner(row, column), to: corner(row, column + 1), color: (0, 200, 255)) }
                if row < regions { canvas.line(from: corner(row, column), to: corner(row + 1, column), color: (0, 200, 255)) }
            }
        }
        if let highlight {
            let (r, c) = highlight
            let quad = [corner(r, c), corner(r, c + 1), corner(r + 1, c + 1), corner(r + 1, c)]
            for index in 0..<4 {
                canvas.line(from: quad[index], to: quad[(index + 1) % 4], color: (255, 230, 0), thickness: 3)
            }
        }
    }
}
