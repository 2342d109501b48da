import GlamFuzzSupport
import CGlamABI
import GlamCAPI
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point for the C ABI, in one of two modes chosen by GLAM_FUZZ_MODE:
///
/// - `pipeline` (the default): two image descriptions and their pixels from the fuzz input go
///   through `glam_encode_pair`, and on success through `glam_align` and every accessor with
///   arguments from the fuzz input. GLAM's preprocessing works at a 1024-pixel long side
///   whatever the input size, so this mode runs a few inputs per second.
/// - `convert`: the same descriptions go only through the ABI's check and conversion of host
///   pixels (the code that reads host memory). The accessors run on a pair and alignment
///   encoded once at start-up, so this mode runs thousands of inputs per second.
///
/// The bundle in GLAM_FUZZ_BUNDLE is opened once (`make fuzz` uses the small opset 17 test
/// bundle). The harness keeps the host's side of the contract: a pixel buffer spans what its
/// description declares. A description beyond libglam's documented limits gets a 64-byte
/// buffer instead, which libglam must reject without reading, so AddressSanitizer reports any
/// read past it. A `glam_image` whose struct_size is short is allocated short.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzABI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, let model = FuzzBundle.model else {
        return 0
    }
    var reader = FuzzInput(data, count: size)
    var images: [HostImage] = []
    defer { images.forEach { $0.release() } }
    for _ in 0..<2 {
        guard let image = reader.image() else {
            return 0
        }
        images.append(image)
    }
    let cc = images[0].description
    let mlo = images[1].description

    if FuzzBundle.convertOnly {
        _ = checkHostImage(cc, view: GLAM_VIEW_CC)
        _ = checkHostImage(mlo, view: GLAM_VIEW_MLO)
        if let (pair, alignment) = FuzzBundle.fixedPair {
            readPair(pair, reader: &reader)
            readAlignment(alignment, reader: &reader)
        }
        return 0
    }

    var pair: OpaquePointer?
    guard GlamCAPI.glam_encode_pair(model, cc, mlo, &pair) == GLAM_OK, let pair else {
        return 0
    }
    defer { GlamCAPI.glam_pair_free(pair) }
    readPair(pair, reader: &reader)

    var alignment: OpaquePointer?
    guard GlamCAPI.glam_align(model, pair, &alignment) == GLAM_OK, let alignment else {
        return 0
    }
    defer { GlamCAPI.glam_alignment_free(alignment) }
    readAlignment(alignment, reader: &reader)
    return 0
}

/// A `glam_image` and its pixels in memory the harness allocated to the declared sizes.
struct HostImage {
    let description: UnsafePointer<glam_image>
    let pixels: UnsafeMutableRawPointer

    func release() {
        free(UnsafeMutableRawPointer(mutating: description))
        free(pixels)
    }
}

/// Calls every pair accessor once with a view, point and capacity from the fuzz input.
private func readPair(_ pair: OpaquePointer, reader: inout FuzzInput) {
    let view = reader.view()
    var values: UnsafePointer<Float>?
    var count = 0
    var grid = 0
    var dim = 0
    _ = GlamCAPI.glam_pair_embedding(pair, view, &values, &count)
    _ = GlamCAPI.glam_pair_patch_tokens(pair, view, &values, &grid, &dim)
    _ = GlamCAPI.glam_pair_model_input(pair, view, &values, &count)

    let (x, y) = (reader.coordinate(), reader.coordinate())
    var mappedX = 0.0
    var mappedY = 0.0
    _ = GlamCAPI.glam_pair_map_point(pair, view, Int32(reader.byte() % 3), x, y, &mappedX, &mappedY)
    var row: Int32 = 0
    var column: Int32 = 0
    _ = GlamCAPI.glam_pair_region_at(pair, view, x, y, &row, &column)

    let capacity = Int(reader.byte()) * 2
    let corners = UnsafeMutablePointer<Double>.allocate(capacity: max(capacity, 1))
    defer { corners.deallocate() }
    _ = GlamCAPI.glam_pair_region_grid(pair, view, corners, capacity)
}

/// Calls every alignment accessor, and the heatmap with a size and point from the fuzz input.
private func readAlignment(_ alignment: OpaquePointer, reader: inout FuzzInput) {
    let view = reader.view()
    var values: UnsafePointer<Float>?
    var regions = 0
    var dim = 0
    _ = GlamCAPI.glam_alignment_regions(alignment, view, &values, &regions, &dim)
    _ = GlamCAPI.glam_alignment_attention(alignment, view, &values, &regions)
    _ = GlamCAPI.glam_alignment_similarity(alignment, view, &values, &regions)

    let width = Int32(reader.byte()) - 8
    let height = Int32(reader.byte()) - 8
    let cells = max(Int(width), 0) * max(Int(height), 0)
    let heatmap = UnsafeMutablePointer<Float>.allocate(capacity: max(cells, 1))
    defer { heatmap.deallocate() }
    var row: Int32 = 0
    var column: Int32 = 0
    _ = GlamCAPI.glam_alignment_heatmap(alignment, view, reader.coordinate(), reader.coordinate(), heatmap, width, height,
                                        &row, &column)
}

extension FuzzInput {
    /// Reads a small signed enum value: mostly valid ones, sometimes out of range or negative.
    mutating func enumValue() -> Int32 {
        Int32(Int8(bitPattern: byte()))
    }

    mutating func view() -> glam_view {
        glam_view(rawValue: UInt32(bitPattern: enumValue()))
    }

    /// Reads a coordinate: a small pixel position most of the time, any double (NaN,
    /// infinity, subnormal) when the first byte is odd.
    mutating func coordinate() -> Double {
        let selector = byte()
        if selector & 1 == 1 {
            let bits = (0..<8).reduce(UInt64(0)) { value, _ in value << 8 | UInt64(byte()) }
            return Double(bitPattern: bits)
        }
        return Double(Int(selector) << 3 | Int(byte()))
    }

    /// One image description and a buffer for its pixels, or nil when the description needs
    /// more memory than a fuzz run should use (the host would be the one failing there).
    mutating func image() -> HostImage? {
        var image = glam_image()
        glam_image_init(&image, MemoryLayout<glam_image>.size)
        let sizeSelector = byte()
        if sizeSelector >= 250 {
            // An older or broken host's struct_size.
            image.struct_size = Int(sizeSelector - 250) * 8
        }
        image.pixel_type = enumValue()
        let scale = byte()
        // Sides are up to 255 usually, and a `scale` of 240 or more multiplies them past GLAM_MAX_IMAGE_SIDE.
        let multiplier: Int32 = scale >= 240 ? 1 << Int32(scale - 240) : 1
        image.width = Int32(byte()).multipliedReportingOverflow(by: multiplier).partialValue
        image.height = Int32(byte()).multipliedReportingOverflow(by: multiplier).partialValue
        if scale == 239 {
            image.width = int32()
            image.height = int32()
        }
        let pixelSize: Int
        switch image.pixel_type {
        case Int32(GLAM_PIXEL_UINT16.rawValue): pixelSize = 2
        case Int32(GLAM_PIXEL_FLOAT32.rawValue): pixelSize = 4
        default: pixelSize = 1
        }
        let padding = byte()
        if padding >= 250 {
            // Any size_t, as a host with a sign or unit mistake might pass.
            image.row_stride = Int(truncatingIfNeeded: uint64())
        } else {
            image.row_stride = max(0, Int(max(image.width, 0)) * pixelSize + Int(padding % 16) - 2)
        }
        image.bits_stored = enumValue()
        image.photometric = enumValue()
        image.laterality = enumValue()
        image.view = enumValue()
        image.flags = UInt32(byte() & 0x83)

        guard let byteCount = pixelBufferSize(image, pixelSize: pixelSize), let pixels = malloc(byteCount) else {
            return nil
        }
        fillPixels(pixels, byteCount: byteCount)
        image.pixels = UnsafeRawPointer(pixels)

        // The struct itself, cut to struct_size bytes when the host declares it shorter.
        let structBytes = min(max(image.struct_size, MemoryLayout<Int>.size), MemoryLayout<glam_image>.size)
        guard let storage = malloc(structBytes) else {
            free(pixels)
            return nil
        }
        withUnsafeBytes(of: image) { bytes in
            if let base = bytes.baseAddress {
                storage.copyMemory(from: base, byteCount: structBytes)
            }
        }
        return HostImage(description: UnsafePointer(storage.assumingMemoryBound(to: glam_image.self)), pixels: pixels)
    }

    /// The bytes a host would have behind `image.pixels`, computed as libglam documents
    /// (rows of row_stride bytes), or nil when that is more than a fuzz run should allocate.
    private func pixelBufferSize(_ image: glam_image, pixelSize: Int) -> Int? {
        let width = Int(max(image.width, 0))
        let height = Int(max(image.height, 0))
        let withinLimits = width <= Int(GLAM_MAX_IMAGE_SIDE) && height <= Int(GLAM_MAX_IMAGE_SIDE)
            && width * height <= Int(GLAM_MAX_IMAGE_PIXELS)
        guard withinLimits else {
            return 64
        }

        // Swift imports size_t as Int, so a stride above SSIZE_MAX is negative here.
        let (rows, overflow) = image.row_stride.multipliedReportingOverflow(by: max(height - 1, 0))
        if image.row_stride < 0 || overflow || rows > Int.max - width * pixelSize {
            // No buffer can be that long; libglam must reject the stride without reading.
            return 64
        }
        let spanned = height == 0 ? 0 : rows + width * pixelSize
        return spanned <= 1 << 20 ? max(spanned, 1) : nil
    }

    /// Pixels: a pattern from two fuzz bytes (so that large images stay cheap to describe)
    /// with the next bytes of the input laid over the start.
    private mutating func fillPixels(_ buffer: UnsafeMutableRawPointer, byteCount: Int) {
        let pixels = buffer.assumingMemoryBound(to: UInt8.self)
        let low = byte()
        let high = byte()
        for index in 0..<byteCount {
            pixels[index] = index & 0x3ff < 0x200 ? low : high
        }
        let overlay = min(Int(byte()) * 4, byteCount)
        for index in 0..<overlay {
            pixels[index] = byte()
        }
    }
}

/// The model opened once per process from GLAM_FUZZ_BUNDLE, and what the `convert` mode
/// reads accessors from.
enum FuzzBundle {
    nonisolated(unsafe) static let model: OpaquePointer? = {
        guard let path = getenv("GLAM_FUZZ_BUNDLE") else {
            print("GlamFuzzABI: set GLAM_FUZZ_BUNDLE to a bundle folder")
            return nil
        }
        var options = glam_model_options()
        glam_model_options_init(&options, MemoryLayout<glam_model_options>.size)
        options.thread_count = 1
        var model: OpaquePointer?
        guard GlamCAPI.glam_model_open(path, &options, &model) == GLAM_OK else {
            print("GlamFuzzABI: cannot open the bundle: \(String(cString: GlamCAPI.glam_last_error()))")
            return nil
        }
        return model
    }()

    static let convertOnly: Bool = getenv("GLAM_FUZZ_MODE").map { String(cString: $0) } == "convert"

    /// A pair and alignment of a synthetic breast-like image pair (a bright half-disc on the
    /// left edge), encoded once.
    nonisolated(unsafe) static let fixedPair: (OpaquePointer, OpaquePointer)? = {
        guard let model else { return nil }
        let width = 300
        let height = 400
        var pixels = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width {
                let dx = Double(column) / 250
                let dy = Double(row - height / 2) / 180
                if dx * dx + dy * dy < 1 {
                    pixels[row * width + column] = UInt8(120 + (row * 7 + column * 3) % 100)
                }
            }
        }
        return pixels.withUnsafeBytes { bytes -> (OpaquePointer, OpaquePointer)? in
            var cc = glam_image()
            glam_image_init(&cc, MemoryLayout<glam_image>.size)
            cc.pixels = bytes.baseAddress
            cc.pixel_type = Int32(GLAM_PIXEL_UINT8.rawValue)
            cc.width = Int32(width)
            cc.height = Int32(height)
            cc.row_stride = width
            cc.laterality = Int32(GLAM_LATERALITY_LEFT.rawValue)
            cc.view = Int32(GLAM_VIEW_CC.rawValue)
            var mlo = cc
            mlo.view = Int32(GLAM_VIEW_MLO.rawValue)
            var pair: OpaquePointer?
            var alignment: OpaquePointer?
            guard GlamCAPI.glam_encode_pair(model, &cc, &mlo, &pair) == GLAM_OK, let pair,
                  GlamCAPI.glam_align(model, pair, &alignment) == GLAM_OK, let alignment else {
                print("GlamFuzzABI: cannot encode the fixed pair: \(String(cString: GlamCAPI.glam_last_error()))")
                return nil
            }
            return (pair, alignment)
        }
    }()
}

/// Hands control to libFuzzer; SwiftPM links this as the executable's entry point.
@_cdecl("GlamFuzzABI_main")
public func fuzzABIMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, name: "GlamFuzzABI") { data, size in fuzzABI(data, size) }
}
