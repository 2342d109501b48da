/// An RGB picture the demo draws into: grayscale images, lines, markers, heatmaps and captions.
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgb = [UInt8](repeating: 0, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        rgb[index] = color.0
        rgb[index + 1] = color.1
        rgb[index + 2] = color.2
    }

    /// Blends `color` over a pixel with opacity `alpha` in 0...1.
    mutating func blend(_ x: Int, _ y: Int, _ color: (Float, Float, Float), alpha: Float) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let index = (y * width + x) * 3
        let a = min(alpha, 1)
        for (offset, channel) in [color.0, color.1, color.2].enumerated() {
            let blended = Float(rgb[index + offset]) * (1 - a) + channel * a
            rgb[index + offset] = UInt8(max(0, min(255, blended.rounded())))
        }
    }

    /// Draws a line with Bresenham's algorithm, `thickness` pixels wide.
    mutating func line(from start: (Double, Double), to end: (Double, Double), color: (UInt8, UInt8, UInt8), thickness: Int = 1) {
        guard start.0.isFinite, start.1.isFinite, end.0.isFinite, end.1.isFinite else { return }
        var x0 = Int(start.0.rounded()), y0 = Int(start.1.rounded())
        let x1 = Int(end.0.rounded()), y1 = Int(end.1.rounded())
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        let half = thickness / 2
        var steps = 0
        while steps <= dx - dy {
            for oy in -half...half {
                for ox in -half...half { set(x0 + ox, y0 + oy, color) }
            }
            if x0 == x1 && y0 == y1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x0 += sx }
            if doubled <= dx { error += dx; y0 += sy }
            steps += 1
        }
    }

    /// Draws a ring and a cross centred on a point.
    mutating func marker(at center: (Double, Double), radius: Int, color: (UInt8, UInt8, UInt8)) {
        let cx = Int(center.0.rounded()), cy = Int(center.1.rounded())
        for y in -radius...radius {
            for x in -radius...radius {
                let distance = (Double(x * x + y * y)).squareRoot()
                if abs(distance - Double(radius)) < 1.5 || (abs(x) <= 1 && abs(y) < radius / 2) || (abs(y) <= 1 && abs(x) < radius / 2) {
                    set(cx + x, cy + y, color)
                }
            }
        }
    }

    /// Writes text with the 5×7 font at `scale` pixels per font pixel.
    mutating func text(_ string: String, at origin: (Int, Int), scale: Int, color: (UInt8, UInt8, UInt8)) {
        var x = origin.0
        for character in string {
            for (row, bits) in BitmapFont.rows(of: character).enumerated() {
                for column in 0..<BitmapFont.width where bits & (0x10 >> UInt8(column)) != 0 {
                    for dy in 0..<scale {
                        for dx in 0..<scale { set(x + column * scale + dx, origin.1 + row * scale + dy, color) }
                    }
                }
            }
            x += (BitmapFont.width + 1) * scale
        }
    }
}
