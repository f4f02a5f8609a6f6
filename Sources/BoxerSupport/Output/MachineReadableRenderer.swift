import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Vagrant's `--machine-readable` format, for scripts: one record per line on standard output,
/// `timestamp,target,type,data...`, the target empty when the record is about no machine.
/// Messages become `ui` records (`ui,info,...`, `ui,warn,...`, report text `ui,output`), a
/// targeted one keeping its terminal prefix (`web,ui,info,==> web: Booting VM...`), progress an
/// untargeted `ui,detail,Progress: ...` at most once a second, as Vagrant 2.3.4 prints them.
/// In the data (not the target, as in Vagrant), commas are written `%!(VAGRANT_COMMA)`,
/// newlines `\n` and carriage returns `\r`, so that every record is one line. Trace lines are
/// left out.
public final class MachineReadableRenderer: OutputRenderer {
    private let standardOutput: Int32
    private let clock: @Sendable () -> Int
    /// When the current progress started and when it was last recorded.
    private let progress = Locked<(started: Int, last: Int)?>(nil)

    /// `clock` gives the timestamp (seconds since 1970); tests fix it.
    public init(standardOutput: Int32 = STDOUT_FILENO, clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) {
        self.standardOutput = standardOutput
        self.clock = clock
    }

    public var isMachineReadable: Bool { true }

    public func render(_ event: OutputEvent) {
        switch event {
        case .message(let level, let target, let text):
            let prefix = target == nil ? "" : TerminalRenderer.prefix(level, target: target).0
            let prefixed = text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
            emit(Self.line(time: clock(), target: target, type: "ui", data: [level == .ask ? "info" : level.rawValue, prefixed]))
        case .record(let target, let type, let data):
            emit(Self.line(time: clock(), target: target, type: type, data: data))
        case .progress(_, let done, let total):
            let now = clock()
            let started: Int? = progress.withLock { state in
                if let current = state, now - current.last < 1 { return nil }
                state = (state?.started ?? now, now)
                return state?.started
            }
            guard let started else { return }
            let line = TerminalRenderer.progressLine(target: nil, done: done, total: total, elapsed: TimeInterval(now - started))
            emit(Self.line(time: now, target: nil, type: "ui", data: ["detail", String(line.drop { $0 == " " })]))
        case .progressFinished:
            progress.set(nil)
        case .trace:
            break
        }
    }

    /// One record, its data escaped.
    public static func line(time: Int, target: String?, type: String, data: [String]) -> String {
        ([String(time), target ?? "", type] + data.map(escape)).joined(separator: ",") + "\n"
    }

    /// Vagrant's escaping of one field.
    public static func escape(_ field: String) -> String {
        field.replacingOccurrences(of: ",", with: "%!(VAGRANT_COMMA)")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    private func emit(_ line: String) { writeWhole(line, to: standardOutput) }
}
