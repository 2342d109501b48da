import CGlamABI
import GlamMammography
import GlamPipeline

/// Resolves a `glam_view` argument.
func mammographyView(_ view: glam_view, name: String = "view") throws -> MammographyView {
    switch view {
    case GLAM_VIEW_CC: return .cc
    case GLAM_VIEW_MLO: return .mlo
    default: throw ABIError.invalidArgument("\(name) \(view.rawValue) must be GLAM_VIEW_CC (1) or GLAM_VIEW_MLO (2)")
    }
}

/// Hands out a pointer into an array owned by a handle; the handle keeps the array alive.
func expose(_ values: [Float], _ out: UnsafeMutablePointer<UnsafePointer<Float>?>?, name: String) throws {
    guard let out else { throw ABIError.invalidArgument("\(name) is NULL") }
    out.pointee = values.withUnsafeBufferPointer { $0.baseAddress }
}

@_cdecl("glam_encode_pair")
public func glam_encode_pair(_ model: OpaquePointer?, _ cc: UnsafePointer<glam_image>?, _ mlo: UnsafePointer<glam_image>?,
                             _ outPair: UnsafeMutablePointer<OpaquePointer?>?) -> glam_status {
    withStatus("glam_encode_pair") {
        let resolved = try Handles.models.resolve(model)
        guard let outPair else { throw ABIError.invalidArgument("out_pair is NULL") }
        let ccImage = try ImageConversion.storedImage(cc, name: "cc", expectedView: GLAM_VIEW_CC)
        let mloImage = try ImageConversion.storedImage(mlo, name: "mlo", expectedView: GLAM_VIEW_MLO)
        guard ccImage.laterality == mloImage.laterality else {
            throw ABIError.invalidArgument("cc and mlo have different laterality; pass two views of one breast")
        }
        let pair = try resolved.encode(cc: ccImage.image, mlo: mloImage.image, laterality: ccImage.laterality,
                                       ccIsFilm: ccImage.isFilm, mloIsFilm: mloImage.isFilm)
        outPair.pointee = Handles.pairs.register(pair)
    }
}

@_cdecl("glam_pair_free")
public func glam_pair_free(_ pair: OpaquePointer?) {
    Handles.pairs.remove(pair)
}

@_cdecl("glam_pair_embedding")
public func glam_pair_embedding(_ pair: OpaquePointer?, _ view: glam_view, _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                _ outCount: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_pair_embedding") {
        let encoding = try Handles.pairs.resolve(pair).encoding(try mammographyView(view))
        guard let outCount else { throw ABIError.invalidArgument("out_count is NULL") }
        try expose(encoding.embedding, outValues, name: "out_values")
        outCount.pointee = encoding.embedding.count
    }
}

@_cdecl("glam_pair_patch_tokens")
public func glam_pair_patch_tokens(_ pair: OpaquePointer?, _ view: glam_view, _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                   _ outGrid: UnsafeMutablePointer<Int>?, _ outDim: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_pair_patch_tokens") {
        let resolved = try Handles.pairs.resolve(pair)
        let encoding = resolved.encoding(try mammographyView(view))
        try expose(encoding.patchTokens, outValues, name: "out_values")
        outGrid?.pointee = resolved.geometry.grid
        outDim?.pointee = resolved.geometry.featureDim
    }
}

@_cdecl("glam_pair_model_input")
public func glam_pair_model_input(_ pair: OpaquePointer?, _ view: glam_view, _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                  _ outSide: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_pair_model_input") {
        let resolved = try Handles.pairs.resolve(pair)
        let encoding = resolved.encoding(try mammographyView(view))
        guard let outSide else { throw ABIError.invalidArgument("out_side is NULL") }
        try expose(encoding.preprocessed.input, outValues, name: "out_values")
        outSide.pointee = resolved.geometry.imageSize
    }
}

@_cdecl("glam_pair_map_point")
public func glam_pair_map_point(_ pair: OpaquePointer?, _ view: glam_view, _ toInput: Int32, _ x: Double, _ y: Double,
                                _ outX: UnsafeMutablePointer<Double>?, _ outY: UnsafeMutablePointer<Double>?) -> glam_status {
    withStatus("glam_pair_map_point") {
        let preprocessed = try Handles.pairs.resolve(pair).encoding(try mammographyView(view)).preprocessed
        guard x.isFinite, y.isFinite else { throw ABIError.invalidArgument("point (\(x), \(y)) is not finite") }
        guard let outX, let outY else { throw ABIError.invalidArgument("out_x or out_y is NULL") }
        let transform = toInput != 0 ? preprocessed.originalToInput : preprocessed.originalToInput.inverted
        guard let transform else { throw ABIError.invalidImage("the preprocessing transform of this view is not invertible") }
        let point = transform.apply(x: x, y: y)
        outX.pointee = point.x
        outY.pointee = point.y
    }
}

@_cdecl("glam_pair_region_grid")
public func glam_pair_region_grid(_ pair: OpaquePointer?, _ view: glam_view, _ outXY: UnsafeMutablePointer<Double>?,
                                  _ capacity: Int) -> glam_status {
    withStatus("glam_pair_region_grid") {
        let resolved = try Handles.pairs.resolve(pair)
        let preprocessed = resolved.encoding(try mammographyView(view)).preprocessed
        guard let outXY else { throw ABIError.invalidArgument("out_xy is NULL") }
        let corners = try RegionGrid(geometry: resolved.geometry).corners(of: preprocessed)
        guard capacity >= corners.count else {
            throw ABIError(status: GLAM_ERROR_BUFFER_TOO_SMALL, message: "out_xy holds \(capacity) doubles; the grid needs \(corners.count)")
        }
        outXY.update(from: corners, count: corners.count)
    }
}

@_cdecl("glam_pair_region_at")
public func glam_pair_region_at(_ pair: OpaquePointer?, _ view: glam_view, _ x: Double, _ y: Double,
                                _ outRow: UnsafeMutablePointer<Int32>?, _ outColumn: UnsafeMutablePointer<Int32>?) -> glam_status {
    withStatus("glam_pair_region_at") {
        let resolved = try Handles.pairs.resolve(pair)
        let preprocessed = resolved.encoding(try mammographyView(view)).preprocessed
        guard let outRow, let outColumn else { throw ABIError.invalidArgument("out_row or out_column is NULL") }
        guard let region = RegionGrid(geometry: resolved.geometry).region(atOriginal: x, y, of: preprocessed) else {
            throw ABIError.invalidImage("point (\(x), \(y)) lies outside the cropped breast area; pick a point on the breast")
        }
        outRow.pointee = Int32(region.row)
        outColumn.pointee = Int32(region.column)
    }
}
