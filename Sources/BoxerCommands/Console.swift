import BoxStore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines for the user on standard output.
struct Console: BoxEventReporting {
    func report(_ line: String) {
        print(line)
    }
}

/// A Vagrant-style progress line on standard error, drawn only when it is a terminal.
final class TerminalProgress: DownloadProgressReporting, @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drew = false

    static func ifTerminal() -> TerminalProgress? {
        isatty(STDERR_FILENO) == 1 ? TerminalProgress() : nil
    }

    func progress(received: Int64, total: Int64?) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(received) / elapsed
        var line = "    box: Progress: "
        if let total, total > 0 {
            let remaining = rate > 0 ? Int(Double(total - received) / rate) : 0
            line += "\(received * 100 / total)% (Rate: \(Self.size(rate))/s, Estimated time remaining: \(remaining / 3600):\(String(format: "%02d:%02d", remaining / 60 % 60, remaining % 60)))"
        } else {
            line += "\(Self.size(Double(received))) (Rate: \(Self.size(rate))/s)"
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drew = true
    }

    func finished() {
        lock.lock()
        defer { lock.unlock() }
        if drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drew = false
    }

    static func size(_ bytes: Double) -> String {
        let units = ["B", "K", "M", "G", "T"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f", value) + units[unit]
    }
}

extension String {
    /// The string left-aligned in a column of `width` characters (Vagrant's status and box list
    /// tables); Foundation's `padding(toLength:)` would bridge through NSString for this.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
