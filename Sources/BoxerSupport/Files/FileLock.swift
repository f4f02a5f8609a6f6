import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory `flock(2)` lock on a file, released when the value is deallocated or the process dies.
///
/// Because the kernel drops the lock when its holder dies, a lock that can be taken proves that
/// whoever created the locked thing is gone: boxer uses that to find work left by killed runs.
// Sendable: it is a file descriptor; flock calls on it are safe from any thread.
public final class FileLock: @unchecked Sendable {
    public enum Mode: Sendable { case shared, exclusive }

    public let url: URL
    private let descriptor: Int32

    /// Opens the lock file (creating it unless `create` is false) without locking it.
    public init(url: URL, create: Bool = true) throws {
        self.url = url
        let fd = open(url.path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (create ? O_CREAT : 0), 0o600)
        guard fd >= 0 else {
            throw SystemError(operation: "open lock file", path: url.path, code: errno)
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    /// Blocks until the lock is held.
    public func lock(_ mode: Mode = .exclusive) throws {
        while flock(descriptor, mode == .exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno == EINTR { continue }
            throw SystemError(operation: "lock", path: url.path, code: errno)
        }
    }

    /// Takes the lock if nobody holds it; returns false when somebody does.
    public func tryLock(_ mode: Mode = .exclusive) throws -> Bool {
        if flock(descriptor, (mode == .exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw SystemError(operation: "lock", path: url.path, code: errno)
    }

    /// Opens and locks `url`, making sure the lock is on the file that bears that name now. A
    /// holder may delete its lock file while others wait on it; a waiter that then wins holds a
    /// lock nobody else can see, so it starts over. Returns nil when `wait` is false and another
    /// process holds the lock, or when `create` is false and the file is gone.
    public static func acquire(_ url: URL, mode: Mode = .exclusive, wait: Bool = true, create: Bool = true) throws -> FileLock? {
        while true {
            let lock: FileLock
            do {
                lock = try FileLock(url: url, create: create)
            } catch let error as SystemError where error.code == ENOENT && !create {
                return nil
            }
            if wait {
                try lock.lock(mode)
            } else if try !lock.tryLock(mode) {
                return nil
            }
            if lock.isStillNamed { return lock }
            if !create { return nil }
        }
    }

    /// Whether the open file is still the one at `url` (not deleted or replaced meanwhile).
    public var isStillNamed: Bool {
        var opened = stat()
        var named = stat()
        guard fstat(descriptor, &opened) == 0, stat(url.path, &named) == 0 else { return false }
        return opened.st_ino == named.st_ino && opened.st_dev == named.st_dev
    }

    public func unlock() {
        flock(descriptor, LOCK_UN)
    }

    /// Runs `body` while holding the lock.
    public func withLock<T>(_ mode: Mode = .exclusive, _ body: () throws -> T) throws -> T {
        try lock(mode)
        defer { unlock() }
        return try body()
    }
}
