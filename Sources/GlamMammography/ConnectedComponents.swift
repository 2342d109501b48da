/// 8-connected components of a binary mask, with pixel counts and bounding boxes.
struct ConnectedComponents {
    struct Component {
        var area: Int
        var box: PixelBox
    }

    /// Per pixel: the index into `components`, or -1 for background.
    var labels: [Int32]
    var components: [Component]

    init(mask: [Bool], width: Int, height: Int) {
        var labels = [Int32](repeating: -1, count: mask.count)
        var components: [Component] = []
        var stack: [Int] = []
        stack.reserveCapacity(1024)

        for start in 0..<mask.count where mask[start] && labels[start] < 0 {
            let label = Int32(components.count)
            var area = 0
            var box = PixelBox(x0: start % width, y0: start / width, x1: start % width, y1: start / width)
            labels[start] = label
            stack.append(start)
            while let index = stack.popLast() {
                area += 1
                let x = index % width
                let y = index / width
                box.x0 = min(box.x0, x)
                box.x1 = max(box.x1, x)
                box.y0 = min(box.y0, y)
                box.y1 = max(box.y1, y)
                for ny in max(y - 1, 0)...min(y + 1, height - 1) {
                    let row = ny * width
                    for nx in max(x - 1, 0)...min(x + 1, width - 1) {
                        let neighbour = row + nx
                        if mask[neighbour] && labels[neighbour] < 0 {
                            labels[neighbour] = label
                            stack.append(neighbour)
                        }
                    }
                }
            }
            components.append(Component(area: area, box: box))
        }
        self.labels = labels
        self.components = components
    }
}
