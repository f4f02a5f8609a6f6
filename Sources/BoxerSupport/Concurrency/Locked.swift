import Foundation

/// A value behind a lock, shared between threads and tasks: the one place boxer's mutable
/// shared state (counters, lists, answers remembered) lives, instead of a locked class per use
/// (SwiftPM's `ThreadSafeBox`). `Synchronization.Mutex` would do this without the class but
/// needs macOS 15, and boxer runs on macOS 14.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock; `body` may change it.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value as it is now.
    public var current: Value { withLock { $0 } }

    /// Replaces the value.
    public func set(_ newValue: Value) { withLock { $0 = newValue } }
}
