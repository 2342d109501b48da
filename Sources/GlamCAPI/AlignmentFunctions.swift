import CGlamABI
import GlamPipeline
import GlamRuntime

@_cdecl("glam_align")
public func glam_align(_ model: OpaquePointer?, _ pair: OpaquePointer?, _ outAlignment: UnsafeMutablePointer<OpaquePointer?>?) -> glam_status {
    withStatus("glam_align") {
        let resolvedModel = try Handles.models.resolve(model)
        let resolvedPair = try Handles.pairs.resolve(pair)
        guard let outAlignment else { throw ABIError.invalidArgument("out_alignment is NULL") }
        guard resolvedPair.geometry == resolvedModel.geometry else {
            throw ABIError.invalidArgument("the pair was encoded by a model of another geometry; align it with that model")
        }
        outAlignment.pointee = Handles.alignments.register(try resolvedModel.align(resolvedPair))
    }
}

@_cdecl("glam_alignment_free")
public func glam_alignment_free(_ alignment: OpaquePointer?) {
    Handles.alignments.remove(alignment)
}

@_cdecl("glam_alignment_regions")
public func glam_alignment_regions(_ alignment: OpaquePointer?, _ view: glam_view, _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                   _ outRegions: UnsafeMutablePointer<Int>?, _ outDim: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_alignment_regions") {
        let resolved = try Handles.alignments.resolve(alignment)
        let values = try mammographyView(view) == .cc ? resolved.ccRegions : resolved.mloRegions
        try expose(values, outValues, name: "out_values")
        outRegions?.pointee = resolved.pair.geometry.regions
        outDim?.pointee = resolved.pair.geometry.featureDim
    }
}

@_cdecl("glam_alignment_attention")
public func glam_alignment_attention(_ alignment: OpaquePointer?, _ sourceView: glam_view,
                                     _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                     _ outRegions: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_alignment_attention") {
        let resolved = try Handles.alignments.resolve(alignment)
        try expose(resolved.attention(from: try mammographyView(sourceView, name: "source_view")), outValues, name: "out_values")
        outRegions?.pointee = resolved.pair.geometry.regions
    }
}

@_cdecl("glam_alignment_similarity")
public func glam_alignment_similarity(_ alignment: OpaquePointer?, _ view: glam_view,
                                      _ outValues: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                                      _ outRegions: UnsafeMutablePointer<Int>?) -> glam_status {
    withStatus("glam_alignment_similarity") {
        let resolved = try Handles.alignments.resolve(alignment)
        let values = try mammographyView(view) == .cc ? resolved.ccSimilarity : resolved.mloSimilarity
        try expose(values, outValues, name: "out_values")
        outRegions?.pointee = resolved.pair.geometry.regions
    }
}

@_cdecl("glam_alignment_heatmap")
public func glam_alignment_heatmap(_ alignment: OpaquePointer?, _ sourceView: glam_view, _ x: Double, _ y: Double,
                                   _ outHeatmap: UnsafeMutablePointer<Float>?, _ width: Int32, _ height: Int32,
                                   _ outRow: UnsafeMutablePointer<Int32>?, _ outColumn: UnsafeMutablePointer<Int32>?) -> glam_status {
    withStatus("glam_alignment_heatmap") {
        let resolved = try Handles.alignments.resolve(alignment)
        let source = try mammographyView(sourceView, name: "source_view")
        guard let outHeatmap else { throw ABIError.invalidArgument("out_heatmap is NULL") }
        let maxSide = Int32(GLAM_MAX_IMAGE_SIDE)
        guard width >= 1, width <= maxSide, height >= 1, height <= maxSide else {
            throw ABIError.invalidArgument("heatmap size \(width)×\(height) must be 1 to \(maxSide) on each side")
        }
        guard x.isFinite, y.isFinite else { throw ABIError.invalidArgument("point (\(x), \(y)) is not finite") }
        let count = Int(width) * Int(height)
        let buffer = UnsafeMutableBufferPointer(start: outHeatmap, count: count)
        let region: (row: Int, column: Int)
        do {
            region = try resolved.heatmap(from: source, x: x, y: y, width: Int(width), height: Int(height), into: buffer)
        } catch let error as GlamError where error.kind == .invalidArgument {
            throw ABIError.invalidImage(error.message)
        }
        outRow?.pointee = Int32(region.row)
        outColumn?.pointee = Int32(region.column)
    }
}
