#if canImport(Glibc)
import Glibc
#endif
import CGlamABI
import GlamMammography
import GlamRuntime

/// The last error message of each thread, as `glam_last_error` returns it.
///
/// Each thread owns one malloc'd C string, replaced at its next failing call and cleared at the
/// start of every fallible call; the pthread key's destructor frees it when the thread exits.
enum ErrorState {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            free(pointer)
        }
        return key
    }()

    private static let empty: StaticString = ""

    static var message: UnsafePointer<CChar> {
        if let pointer = pthread_getspecific(key) {
            return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self))
        }
        return UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    static func set(_ text: String) {
        let copy = strdup(text)
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, copy)
        free(previous)
    }

    static func clear() {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, nil)
        free(previous)
    }
}

/// A failure at the ABI boundary, already classified.
struct ABIError: Error {
    let status: glam_status
    let message: String

    static func invalidArgument(_ message: String) -> ABIError { ABIError(status: GLAM_ERROR_INVALID_ARGUMENT, message: message) }
    static func invalidHandle(_ message: String) -> ABIError { ABIError(status: GLAM_ERROR_INVALID_HANDLE, message: message) }
    static func invalidImage(_ message: String) -> ABIError { ABIError(status: GLAM_ERROR_INVALID_IMAGE, message: message) }
}

/// Runs the body of an ABI function: clears the thread's error, converts every thrown error to
/// a status and message exactly once, and returns GLAM_OK otherwise.
func withStatus(_ function: String, _ body: () throws -> Void) -> glam_status {
    ErrorState.clear()
    do {
        try body()
        return GLAM_OK
    } catch let error as ABIError {
        ErrorState.set("\(function): \(error.message)")
        return error.status
    } catch let error as GlamError {
        ErrorState.set("\(function): \(error.message)")
        switch error.kind {
        case .invalidModel: return GLAM_ERROR_INVALID_MODEL
        case .unsupported: return GLAM_ERROR_UNSUPPORTED
        case .invalidArgument: return GLAM_ERROR_INVALID_ARGUMENT
        case .io: return GLAM_ERROR_IO
        case .outOfMemory: return GLAM_ERROR_OUT_OF_MEMORY
        }
    } catch let error as PreprocessError {
        ErrorState.set("\(function): \(error)")
        return GLAM_ERROR_INVALID_IMAGE
    } catch {
        ErrorState.set("\(function): internal error: \(error)")
        return GLAM_ERROR_INTERNAL
    }
}

@_cdecl("glam_last_error")
public func glam_last_error() -> UnsafePointer<CChar> {
    ErrorState.message
}

@_cdecl("glam_status_name")
public func glam_status_name(_ status: glam_status) -> UnsafePointer<CChar> {
    let name: StaticString
    switch status {
    case GLAM_OK: name = "GLAM_OK"
    case GLAM_ERROR_INVALID_ARGUMENT: name = "GLAM_ERROR_INVALID_ARGUMENT"
    case GLAM_ERROR_INVALID_MODEL: name = "GLAM_ERROR_INVALID_MODEL"
    case GLAM_ERROR_UNSUPPORTED: name = "GLAM_ERROR_UNSUPPORTED"
    case GLAM_ERROR_IO: name = "GLAM_ERROR_IO"
    case GLAM_ERROR_OUT_OF_MEMORY: name = "GLAM_ERROR_OUT_OF_MEMORY"
    case GLAM_ERROR_BUFFER_TOO_SMALL: name = "GLAM_ERROR_BUFFER_TOO_SMALL"
    case GLAM_ERROR_INVALID_IMAGE: name = "GLAM_ERROR_INVALID_IMAGE"
    case GLAM_ERROR_INVALID_HANDLE: name = "GLAM_ERROR_INVALID_HANDLE"
    case GLAM_ERROR_INTERNAL: name = "GLAM_ERROR_INTERNAL"
    default: name = "GLAM_STATUS_UNKNOWN"
    }
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

private let versionString: StaticString = "0.1.0"

@_cdecl("glam_version")
public func glam_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("glam_version_number")
public func glam_version_number() -> Int32 {
    Int32(GLAM_VERSION_NUMBER)
}
