import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// boxer's look on a terminal, Vagrant's: `==> web: step` and `    web: detail` on standard
/// output, warnings and errors on standard error, a progress line redrawn in place on standard
/// error when that is a terminal. Each event is written whole, under one lock, so lines from
/// machines that run in parallel never mix.
public final class TerminalRenderer: OutputRenderer {
    private struct Progress {
        var started: Date
        var lastDraw: Date
        var drawn: Bool
    }

    private let standardOutput: Int32
    private let standardError: Int32
    private let drawsProgress: Bool
    private let progress = Locked<Progress?>(nil)

    /// Writes to the given descriptors; progress is drawn only when `standardError` is a terminal.
    public init(standardOutput: Int32 = STDOUT_FILENO, standardError: Int32 = STDERR_FILENO) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.drawsProgress = isatty(standardError) == 1
    }

    public func render(_ event: OutputEvent) {
        switch event {
        case .message(let level, let target, let text):
            let (prefix, toError) = Self.prefix(level, target: target)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            write(lines.map { prefix + $0 }.joined(separator: "\n") + (level == .ask ? "" : "\n"), error: toError)
        case .record, .trace:
            break
        case .progress(let target, let done, let total):
            guard drawsProgress else { return }
            progress.withLock { state in
                let now = Date()
                var current = state ?? Progress(started: now, lastDraw: .distantPast, drawn: false)
                guard now.timeIntervalSince(current.lastDraw) >= 0.1 else { return }
                current.lastDraw = now
                current.drawn = true
                state = current
                let line = Self.progressLine(target: target, done: done, total: total, elapsed: now.timeIntervalSince(current.started))
                write("\r\u{1B}[K" + line, error: true)
            }
        case .progressFinished:
            progress.withLock { state in
                if state?.drawn == true { write("\r\u{1B}[K", error: true) }
                state = nil
            }
        }
    }

    /// The prefix of each line of a message, and whether it goes to standard error.
    static func prefix(_ level: OutputEvent.Level, target: String?) -> (String, Bool) {
        switch (level, target) {
        case (.info, let target?), (.success, let target?): ("==> \(target): ", false)
        case (.detail, let target?): ("    \(target): ", false)
        case (.warn, let target?): ("==> \(target): WARNING: ", true)
        case (.error, let target?): ("==> \(target): ", true)
        case (.info, nil), (.success, nil), (.detail, nil), (.output, _), (.ask, _): ("", false)
        case (.warn, nil): ("warning: ", true)
        case (.error, nil): ("", true)
        }
    }

    /// Vagrant's download line: `    box: Progress: 42% (Rate: 3.1M/s, Estimated time remaining: 0:00:12)`.
    static func progressLine(target: String?, done: Int64, total: Int64?, elapsed: TimeInterval) -> String {
        let rate = Double(done) / max(elapsed, 0.001)
        var line = "    \(target.map { "\($0): " } ?? "")Progress: "
        if let total, total > 0 {
            let remaining = rate > 0 ? Int(Double(total - done) / rate) : 0
            let clock = "\(remaining / 3600):" + String(format: "%02d:%02d", remaining / 60 % 60, remaining % 60)
            line += "\(done * 100 / total)% (Rate: \(size(rate))/s, Estimated time remaining: \(clock))"
        } else {
            line += "\(size(Double(done))) (Rate: \(size(rate))/s)"
        }
        return line
    }

    /// 1536 → "1.5K", as Vagrant's progress shows sizes.
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

    private func write(_ text: String, error: Bool) {
        writeWhole(text, to: error ? standardError : standardOutput)
    }
}
