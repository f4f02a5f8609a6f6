import BoxerSupport
import Foundation

/// What a build says, passed on to the command's renderer and also kept: its warnings (said
/// again after the summary, where they are seen) and the full trace of the build, each line
/// stamped with the seconds since the build started: in `--log-file` with the steps the
/// terminal shows, or on standard error (`BOXER_LOG=1`) with only the rest.
final class BuildRecorder: OutputRenderer {
    private struct Trace {
        /// nil: standard error, written through the lock every renderer's writes take.
        let file: FileHandle?
        let copiesSteps: Bool
    }

    private let next: any OutputRenderer
    private let trace: Trace?
    private let started = Date()
    private let collected = Locked<[String]>([])
    private let writing = NSLock()

    init(_ next: any OutputRenderer, logFile: String?, environment: [String: String]) throws(CommandError) {
        self.next = next
        if let logFile {
            guard FileManager.default.createFile(atPath: logFile, contents: nil), let handle = FileHandle(forWritingAtPath: logFile) else {
                throw CommandError.logFileUnwritable(path: logFile)
            }
            trace = Trace(file: handle, copiesSteps: true)
        } else if ["1", "true", "debug"].contains(environment["BOXER_LOG"]?.lowercased() ?? "") {
            trace = Trace(file: nil, copiesSteps: false)
        } else {
            trace = nil
        }
    }

    var isMachineReadable: Bool { next.isMachineReadable }

    /// The build's warnings so far, each once.
    var warnings: [String] { collected.current }

    func render(_ event: OutputEvent) {
        next.render(event)
        switch event {
        case .message(let level, _, let text):
            if level == .warn { collected.withLock { if !$0.contains(text) { $0.append(text) } } }
            guard trace?.copiesSteps == true else { return }
            switch level {
            case .info: write("==> \(text)")
            case .warn: write("WARNING: \(text)")
            default: write("    \(text)")
            }
        case .trace(_, let text):
            write(text)
        case .record, .progress, .progressFinished:
            break
        }
    }

    private func write(_ text: String) {
        guard let trace else { return }
        let stamp = String(format: "[%8.2f] ", Date().timeIntervalSince(started))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { stamp + $0 }.joined(separator: "\n")
        guard let file = trace.file else { return writeWhole(lines + "\n", to: STDERR_FILENO) }
        writing.withLock { file.write(Data((lines + "\n").utf8)) }
    }
}
