#if canImport(Glibc)
import Glibc
#endif
import CGlamABI
import GlamPipeline
import GlamRuntime

@_cdecl("glam_model_options_init")
public func glam_model_options_init(_ options: UnsafeMutablePointer<glam_model_options>?, _ structSize: Int) {
    let defaults = glam_model_options(struct_size: structSize, thread_count: 0, precision: Int32(GLAM_PRECISION_FP32.rawValue))
    initializePrefix(options, with: defaults, structSize: structSize)
}

@_cdecl("glam_model_open")
public func glam_model_open(_ path: UnsafePointer<CChar>?, _ options: UnsafePointer<glam_model_options>?,
                            _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> glam_status {
    withStatus("glam_model_open") {
        guard let path else { throw ABIError.invalidArgument("bundle_path is NULL") }
        guard let outModel else { throw ABIError.invalidArgument("out_model is NULL") }

        var threads = 0
        var precision = PlanOptions.Precision.float32
        if let options {
            try requireStructSize(options.pointee.struct_size, minimum: MemoryLayout<glam_model_options>.size,
                                  name: "glam_model_options")
            threads = Int(options.pointee.thread_count)
            guard threads >= 0, threads <= 4096 else {
                throw ABIError.invalidArgument("thread_count \(threads) must be between 0 (all CPUs) and 4096")
            }
            switch options.pointee.precision {
            case Int32(GLAM_PRECISION_FP32.rawValue): precision = .float32
            case Int32(GLAM_PRECISION_BF16.rawValue): precision = .bfloat16
            case let other:
                throw ABIError.invalidArgument("precision \(other) must be GLAM_PRECISION_FP32 (0) or GLAM_PRECISION_BF16 (1)")
            }
        }
        Threading.setThreadCount(threads == 0 ? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) : threads)

        let model = try GlamModel(bundlePath: String(cString: path), precision: precision)
        outModel.pointee = Handles.models.register(model)
    }
}

@_cdecl("glam_model_close")
public func glam_model_close(_ model: OpaquePointer?) {
    Handles.models.remove(model)
}

@_cdecl("glam_model_get_info")
public func glam_model_get_info(_ model: OpaquePointer?, _ outInfo: UnsafeMutablePointer<glam_model_info>?) -> glam_status {
    withStatus("glam_model_get_info") {
        let resolved = try Handles.models.resolve(model)
        guard let outInfo else { throw ABIError.invalidArgument("out_info is NULL") }
        try requireStructSize(outInfo.pointee.struct_size, minimum: MemoryLayout<glam_model_info>.size, name: "glam_model_info")
        let g = resolved.geometry
        outInfo.pointee.image_size = Int32(g.imageSize)
        outInfo.pointee.patch_size = Int32(g.patchSize)
        outInfo.pointee.grid = Int32(g.grid)
        outInfo.pointee.regions = Int32(g.regions)
        outInfo.pointee.region_size = Int32(g.regionSize)
        outInfo.pointee.feature_dim = Int32(g.featureDim)
        outInfo.pointee.embed_dim = Int32(g.embedDim)
        outInfo.pointee.untrained = resolved.isUntrained ? 1 : 0
    }
}
