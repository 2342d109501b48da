import CKernels

/// Conv: 2-D convolution of an (N, C, H, W) input with (M, C/group, kH, kW) weights and optional
/// bias (M), with `strides`, `pads`, `dilations`, `group` and `auto_pad`. FLOAT and DOUBLE.
///
/// Each image and group is unfolded into columns (im2col) and multiplied by the weights in one
/// GEMM; the column buffer is allocated once, at the first run. FLOAT products on CPUs with
/// AVX-512 go through libglam's GEMM tiles, which add the bias as they store each row.
final class ConvOperator: Operator {
    private struct Geometry {
        var batch = 0, channels = 0, height = 0, width = 0
        var filters = 0, kernelHeight = 0, kernelWidth = 0, group = 1
        var strideY = 1, strideX = 1, dilationY = 1, dilationX = 1
        var padTop = 0, padLeft = 0
        var outputHeight = 0, outputWidth = 0
    }

    private let node: Node
    private var geometry = Geometry()
    private var columns: TensorBuffer?
    private(set) var scratchByteCount = 0
    /// Runs the tile GEMM; its working memory is allocated at the first FLOAT run that uses it.
    private let tiles = TileGEMM()

    init(node: Node) {
        self.node = node
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let x = try inputs.required(0, of: node)
        let w = try inputs.required(1, of: node)
        try BLAS.requireGEMMType(x.type.dataType, node: node)
        guard x.type.shape.count == 4, w.type.shape.count == 4, w.type.dataType == x.type.dataType else {
            throw GlamError.unsupported("\(node.label): only 2-D convolution is supported, got input \(x.type) and weights \(w.type)")
        }
        let reader = AttributeReader(node: node)
        var g = Geometry()
        g.batch = x.type.shape[0]
        g.channels = x.type.shape[1]
        g.height = x.type.shape[2]
        g.width = x.type.shape[3]
        g.filters = w.type.shape[0]
        g.kernelHeight = w.type.shape[2]
        g.kernelWidth = w.type.shape[3]
        g.group = try reader.int("group", default: 1)

        if let kernel = try reader.ints("kernel_shape"), kernel != [g.kernelHeight, g.kernelWidth] {
            throw GlamError.invalidModel("\(node.label): kernel_shape \(kernel) differs from weights \(w.type.shape)")
        }
        guard g.group > 0, g.channels % g.group == 0, g.filters % g.group == 0, w.type.shape[1] == g.channels / g.group else {
            throw GlamError.invalidModel("\(node.label): group \(g.group) does not fit \(g.channels) channels and weights \(w.type.shape)")
        }
        if let bias = inputs.optional(2), bias.type.shape != [g.filters] {
            throw GlamError.invalidModel("\(node.label): bias shape \(bias.type.shape) must be [\(g.filters)]")
        }

        let strides = try reader.ints("strides") ?? [1, 1]
        let dilations = try reader.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw GlamError.invalidModel("\(node.label): strides \(strides) and dilations \(dilations) must be two positive values")
        }
        (g.strideY, g.strideX, g.dilationY, g.dilationX) = (strides[0], strides[1], dilations[0], dilations[1])

        let spanY = g.dilationY * (g.kernelHeight - 1) + 1
        let spanX = g.dilationX * (g.kernelWidth - 1) + 1
        var pads = try reader.ints("pads") ?? [0, 0, 0, 0]
        switch try reader.string("auto_pad") ?? "NOTSET" {
        case "NOTSET":
            break
        case "VALID":
            pads = [0, 0, 0, 0]
        case let mode where mode == "SAME_UPPER" || mode == "SAME_LOWER":
            let totalY = max(0, ((g.height + g.strideY - 1) / g.strideY - 1) * g.strideY + spanY - g.height)
            let totalX = max(0, ((g.width + g.strideX - 1) / g.strideX - 1) * g.strideX + spanX - g.width)
            let upper = mode == "SAME_UPPER"
            pads = [upper ? totalY / 2 : totalY - totalY / 2, upper ? totalX / 2 : totalX - totalX / 2,
                    upper ? totalY - totalY / 2 : totalY / 2, upper ? totalX - totalX / 2 : totalX / 2]
        case let mode:
            throw GlamError.invalidModel("\(node.label): auto_pad '\(mode)' is not valid")
        }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
            throw GlamError.invalidModel("\(node.label): pads \(pads) must be four non-negative values")
        }
        g.padTop = pads[0]
        g.padLeft = pads[1]
        let paddedHeight = g.height + pads[0] + pads[2]
        let paddedWidth = g.width + pads[1] + pads[3]
        guard paddedHeight >= spanY, paddedWidth >= spanX else {
            throw GlamError.invalidModel("\(node.label): kernel \(spanY)×\(spanX) is larger than the padded input \(paddedHeight)×\(paddedWidth)")
        }
        g.outputHeight = (paddedHeight - spanY) / g.strideY + 1
        g.outputWidth = (paddedWidth - spanX) / g.strideX + 1
        geometry = g

        let columnCount = try Shape.elementCount([g.channels / g.group * g.kernelHeight * g.kernelWidth,
                                                  g.outputHeight * g.outputWidth], context: node.label)
        // The column buffer is allocated at the first run, after the planner has checked its size.
        scratchByteCount = columnCount * (x.type.dataType.byteSize ?? 4)
        guard scratchByteCount <= TensorBuffer.maxByteCount else {
            throw GlamError(.outOfMemory, "\(node.label) needs \(scratchByteCount) bytes of im2col columns, more than libglam's 4 GiB buffer limit")
        }
        columns = nil
        return [TensorType(x.type.dataType, [g.batch, g.filters, g.outputHeight, g.outputWidth])]
    }

    var flops: Int {
        let g = geometry
        return 2 * g.batch * g.filters * g.outputHeight * g.outputWidth * (g.channels / max(g.group, 1)) * g.kernelHeight * g.kernelWidth
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        if outputs[0].dataType == .float {
            try convolve(Float.self, inputs, outputs[0])
        } else {
            try convolve(Double.self, inputs, outputs[0])
        }
    }

    private func convolve<Element: BinaryFloatingPoint>(_ type: Element.Type, _ inputs: [Tensor?], _ output: Tensor) throws {
        if columns == nil {
            columns = try TensorBuffer(byteCount: scratchByteCount)
        }
        guard let columns else { return }
        let g = geometry
        let x = try inputs.at(0).pointer(as: Element.self)
        let w = try inputs.at(1).pointer(as: Element.self)
        let bias = inputs.count > 2 ? inputs[2]?.pointer(as: Element.self) : nil
        let y = output.pointer(as: Element.self)
        let column = columns.pointer.assumingMemoryBound(to: Element.self)

        let groupChannels = g.channels / g.group
        let groupFilters = g.filters / g.group
        let patch = groupChannels * g.kernelHeight * g.kernelWidth
        let pixels = g.outputHeight * g.outputWidth
        for image in 0..<g.batch {
            for groupIndex in 0..<g.group {
                let source = x + (image * g.channels + groupIndex * groupChannels) * g.height * g.width
                unfold(source, into: column, channels: groupChannels)
                let target = y + (image * g.filters + groupIndex * groupFilters) * pixels
                if Element.self == Float.self && BLAS.usesTiles {
                    try multiplyWithTiles(filters: groupFilters, patch: patch, pixels: pixels,
                                          weights: UnsafeRawPointer(w + groupIndex * groupFilters * patch),
                                          columns: UnsafeRawPointer(column), target: UnsafeMutableRawPointer(target),
                                          bias: bias.map { UnsafeRawPointer($0 + groupIndex * groupFilters) })
                    continue
                }
                try BLAS.gemm(Element.self, transposeA: false, transposeB: false,
                              m: groupFilters, n: pixels, k: patch,
                              alpha: 1, a: w + groupIndex * groupFilters * patch, lda: patch,
                              b: column, ldb: pixels, beta: 0, c: target, ldc: pixels)
                if let bias {
                    for filter in 0..<groupFilters {
                        let value = bias[groupIndex * groupFilters + filter]
                        let row = target + filter * pixels
                        for pixel in 0..<pixels { row[pixel] += value }
                    }
                }
            }
        }
    }

    /// Computes target[filters × pixels] = weights[filters × patch] · columns[patch × pixels] + bias per filter, in FLOAT.
    private func multiplyWithTiles(filters: Int, patch: Int, pixels: Int, weights: UnsafeRawPointer,
                                   columns: UnsafeRawPointer, target: UnsafeMutableRawPointer,
                                   bias: UnsafeRawPointer?) throws {
        try tiles.run(glam_gemm_problem(
            rows: filters, inner: patch, columns: pixels,
            a: weights.assumingMemoryBound(to: Float.self), lda: patch,
            b: columns.assumingMemoryBound(to: Float.self), ldb: pixels, transpose_b: 0,
            c: target.assumingMemoryBound(to: Float.self), ldc: pixels,
            bias: nil, row_bias: bias?.assumingMemoryBound(to: Float.self), residual: nil, ld_residual: pixels, gelu: 0, tile_columns: 0, packed_b: nil))
    }

    /// im2col: row (c, ky, kx) of `column` holds that input tap for every output pixel.
    private func unfold<Element: BinaryFloatingPoint>(_ source: UnsafeMutablePointer<Element>,
                                                      into column: UnsafeMutablePointer<Element>, channels: Int) {
        let g = geometry
        var row = column
        for channel in 0..<channels {
            let plane = source + channel * g.height * g.width
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    for oy in 0..<g.outputHeight {
                        let iy = oy * g.strideY - g.padTop + ky * g.dilationY
                        let out = row + oy * g.outputWidth
                        guard iy >= 0 && iy < g.height else {
                            out.update(repeating: 0, count: g.outputWidth)
                            continue
                        }
                        let line = plane + iy * g.width
                        for ox in 0..<g.outputWidth {
                            let ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                            out[ox] = ix >= 0 && ix < g.width ? line[ix] : 0
                        }
                    }
                    row += g.outputHeight * g.outputWidth
                }
            }
        }
    }
}
