import CGlamABI
import GlamMammography

/// Converts a host's `glam_image` into stored pixel values, checking every field first.
enum ImageConversion {
    static func storedImage(_ pointer: UnsafePointer<glam_image>?, name: String,
                            expectedView: glam_view) throws -> (image: StoredImage, laterality: Laterality, isFilm: Bool) {
        guard let pointer else { throw ABIError.invalidArgument("\(name) is NULL") }
        // Check the size before copying the struct: a shorter host struct must not be read past its end.
        try requireStructSize(pointer.pointee.struct_size, minimum: MemoryLayout<glam_image>.size, name: "glam_image")
        let image = pointer.pointee
        guard let pixels = image.pixels else { throw ABIError.invalidArgument("\(name).pixels is NULL") }

        let width = Int(image.width)
        let height = Int(image.height)
        let maxSide = Int(GLAM_MAX_IMAGE_SIDE)
        guard width >= 1, width <= maxSide, height >= 1, height <= maxSide else {
            throw ABIError.invalidArgument("\(name) is \(width)×\(height); width and height must be 1 to \(maxSide)")
        }
        guard width * height <= Int(GLAM_MAX_IMAGE_PIXELS) else {
            throw ABIError.invalidArgument("\(name) has \(width * height) pixels, more than GLAM_MAX_IMAGE_PIXELS (\(GLAM_MAX_IMAGE_PIXELS))")
        }

        let pixelSize: Int
        let maxBits: Int
        switch glam_pixel_type(rawValue: UInt32(bitPattern: image.pixel_type)) {
        case GLAM_PIXEL_UINT8: (pixelSize, maxBits) = (1, 8)
        case GLAM_PIXEL_UINT16: (pixelSize, maxBits) = (2, 16)
        case GLAM_PIXEL_FLOAT32: (pixelSize, maxBits) = (4, 32)
        default: throw ABIError.invalidArgument("\(name).pixel_type \(image.pixel_type) is not a glam_pixel_type (1 uint8, 2 uint16, 3 float32)")
        }
        let rowBytes = width * pixelSize
        // Swift imports size_t as Int, so a row_stride above SSIZE_MAX arrives negative here.
        guard image.row_stride >= rowBytes else {
            throw ABIError.invalidArgument("\(name).row_stride \(UInt(bitPattern: image.row_stride)) is shorter than a row of \(width) pixels (\(rowBytes) bytes) or larger than any buffer")
        }
        let stride = image.row_stride
        let (lastRow, overflow) = stride.multipliedReportingOverflow(by: height - 1)
        guard !overflow, lastRow <= Int.max - rowBytes else {
            throw ABIError.invalidArgument("\(name).row_stride \(stride) × height \(height) overflows")
        }

        let bits = Int(image.bits_stored)
        guard bits == 0 || pixelSize == 4 || (bits >= 1 && bits <= maxBits) else {
            throw ABIError.invalidArgument("\(name).bits_stored \(bits) must be 0 (full width) or 1 to \(maxBits)")
        }
        let photometric = image.photometric
        guard photometric == Int32(GLAM_MONOCHROME1.rawValue) || photometric == Int32(GLAM_MONOCHROME2.rawValue) else {
            throw ABIError.invalidArgument("\(name).photometric \(photometric) must be GLAM_MONOCHROME1 (1) or GLAM_MONOCHROME2 (2)")
        }
        let laterality: Laterality
        switch image.laterality {
        case Int32(GLAM_LATERALITY_LEFT.rawValue): laterality = .left
        case Int32(GLAM_LATERALITY_RIGHT.rawValue): laterality = .right
        default: throw ABIError.invalidArgument("\(name).laterality \(image.laterality) must be GLAM_LATERALITY_LEFT (1) or GLAM_LATERALITY_RIGHT (2)")
        }
        guard image.view == Int32(expectedView.rawValue) else {
            let expected = expectedView == GLAM_VIEW_CC ? "GLAM_VIEW_CC (1)" : "GLAM_VIEW_MLO (2)"
            throw ABIError.invalidArgument("\(name).view is \(image.view); pass the \(expected) image here")
        }

        var values = [Float](repeating: 0, count: width * height)
        var nonFinite = 0
        // FLOAT32 ignores bits_stored, whatever its value, so only integer types build a mask.
        let mask: UInt32 = pixelSize == 4 || bits == 0 ? .max : (UInt32(1) << UInt32(bits)) &- 1
        for row in 0..<height {
            let line = pixels + row * stride
            let offset = row * width
            switch pixelSize {
            case 1:
                let source = line.assumingMemoryBound(to: UInt8.self)
                for column in 0..<width { values[offset + column] = Float(UInt32(source[column]) & mask) }
            case 2:
                for column in 0..<width {
                    let sample = line.loadUnaligned(fromByteOffset: column * 2, as: UInt16.self)
                    values[offset + column] = Float(UInt32(sample) & mask)
                }
            default:
                for column in 0..<width {
                    let sample = line.loadUnaligned(fromByteOffset: column * 4, as: Float.self)
                    if !sample.isFinite { nonFinite += 1 }
                    values[offset + column] = sample
                }
            }
        }
        guard nonFinite == 0 else {
            throw ABIError.invalidImage("\(name) has \(nonFinite) NaN or infinite pixels; replace them before encoding")
        }
        guard image.flags & ~GLAM_IMAGE_FILM == 0 else {
            throw ABIError.invalidArgument("\(name).flags 0x\(String(image.flags, radix: 16)) has unknown bits; the known flag is GLAM_IMAGE_FILM (0x1)")
        }
        let stored = StoredImage(width: width, height: height, values: values,
                                 isMonochrome1: photometric == Int32(GLAM_MONOCHROME1.rawValue))
        return (stored, laterality, image.flags & GLAM_IMAGE_FILM != 0)
    }
}

@_cdecl("glam_image_init")
public func glam_image_init(_ image: UnsafeMutablePointer<glam_image>?, _ structSize: Int) {
    let defaults = glam_image(struct_size: structSize, pixels: nil, pixel_type: 0, width: 0, height: 0,
                              row_stride: 0, bits_stored: 0, photometric: Int32(GLAM_MONOCHROME2.rawValue),
                              laterality: 0, view: 0, flags: 0)
    initializePrefix(image, with: defaults, structSize: structSize)
}

/// Writes the part of `defaults` that fits in the host's `structSize` bytes and zeroes the rest.
func initializePrefix<Struct>(_ pointer: UnsafeMutablePointer<Struct>?, with defaults: Struct, structSize: Int) {
    guard let pointer, structSize >= MemoryLayout<Int>.size else { return }
    let raw = UnsafeMutableRawPointer(pointer)
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: structSize)
    withUnsafeBytes(of: defaults) { bytes in
        guard let base = bytes.baseAddress else { return }
        raw.copyMemory(from: base, byteCount: min(structSize, bytes.count))
    }
}

/// Checks and converts a host image as `glam_encode_pair` does, without encoding it, and
/// returns whether it was accepted. The C ABI fuzz target calls it to reach the code that reads
/// host memory thousands of times per second. It is not part of the C interface.
public func checkHostImage(_ image: UnsafePointer<glam_image>?, view: glam_view) -> Bool {
    let name = view == GLAM_VIEW_CC ? "cc" : "mlo"
    return (try? ImageConversion.storedImage(image, name: name, expectedView: view)) != nil
}
