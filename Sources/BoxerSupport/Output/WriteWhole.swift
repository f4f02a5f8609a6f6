import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output and error are the process's, so one lock orders every renderer's writes.
private let writing = NSLock()

/// Writes `text` to `descriptor` in one piece: a short write is continued, an error (a closed
/// pipe) drops the rest. Unbuffered, so that lines reach a pipe as they are said.
public func writeWhole(_ text: String, to descriptor: Int32) {
    writing.withLock {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
