/// Stored pixel values of one view, row-major, in any numeric range.
///
/// The caller converts uint8, uint16 or float32 DICOM or PNG samples to `Float` before calling
/// the preprocessor. `isMonochrome1` marks DICOM photometric interpretation MONOCHROME1, where
/// larger values are darker.
public struct StoredImage: Sendable {
    public var width: Int
    public var height: Int
    public var values: [Float]
    public var isMonochrome1: Bool

    public init(width: Int, height: Int, values: [Float], isMonochrome1: Bool = false) {
        self.width = width
        self.height = height
        self.values = values
        self.isMonochrome1 = isMonochrome1
    }
}
