import GlamRuntime

/// The live handles of one kind, so a freed or foreign pointer is detected instead of followed.
///
/// The registry holds the strong reference behind each handle. A call resolves the pointer
/// under the lock and keeps its own reference for the call's duration, so closing a handle
/// while another thread uses it frees the object only when that call returns.
final class HandleRegistry<Object: AnyObject>: @unchecked Sendable {
    private let lock = Mutex()
    private var live: [UnsafeMutableRawPointer: Object] = [:]
    private let kind: String

    init(kind: String) {
        self.kind = kind
    }

    func register(_ object: Object) -> OpaquePointer {
        let pointer = Unmanaged.passUnretained(object).toOpaque()
        lock.withLock { live[pointer] = object }
        return OpaquePointer(pointer)
    }

    func resolve(_ handle: OpaquePointer?) throws -> Object {
        guard let handle else {
            throw ABIError.invalidArgument("\(kind) is NULL")
        }
        guard let object = lock.withLock({ live[UnsafeMutableRawPointer(handle)] }) else {
            throw ABIError.invalidHandle("\(kind) \(handle) is not open: it was closed or freed already, or is not a \(kind)")
        }
        return object
    }

    /// Removes a handle; returns false when it was not live.
    @discardableResult
    func remove(_ handle: OpaquePointer?) -> Bool {
        guard let handle else { return true }
        return lock.withLock { live.removeValue(forKey: UnsafeMutableRawPointer(handle)) } != nil
    }
}
