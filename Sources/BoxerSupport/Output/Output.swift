/// Everything boxer says goes through one `Output`: messages for people, records for scripts and
/// progress, each about a target (a machine, a build, `box`) or about the whole command. A
/// renderer decides how it looks: `TerminalRenderer` draws today's `==> web: ...` lines and
/// progress bars, `MachineReadableRenderer` prints Vagrant's `--machine-readable` records.
public struct Output: Sendable {
    public let renderer: any OutputRenderer
    /// The target messages are about when the caller names none.
    public let target: String?

    public init(_ renderer: any OutputRenderer, target: String? = nil) {
        self.renderer = renderer
        self.target = target
    }

    /// The same channel, about `target` (a machine's name, a build's, `box`).
    public func targeting(_ target: String?) -> Output { Output(renderer, target: target) }

    /// Output that nobody sees (a library call without a user, a test that checks no text).
    public static let discarded = Output(DiscardingRenderer())

    /// Whether scripts read this output (`--machine-readable`); commands then leave out tables.
    public var isMachineReadable: Bool { renderer.isMachineReadable }

    /// A step: `==> target: text`.
    public func say(_ text: String) { renderer.render(.message(.info, target: target, text: text)) }
    /// Detail under a step: `    target: text` (a guest's output, a file written).
    public func detail(_ text: String) { renderer.render(.message(.detail, target: target, text: text)) }
    /// A step that finished well (`Successfully added box ...`): shown as `say`, recorded as
    /// `ui,success` for scripts.
    public func success(_ text: String) { renderer.render(.message(.success, target: target, text: text)) }
    /// Something the user should know although the command goes on (standard error).
    public func warn(_ text: String) { renderer.render(.message(.warn, target: target, text: text)) }
    /// A failure (standard error).
    public func error(_ text: String) { renderer.render(.message(.error, target: target, text: text)) }
    /// Report text shown as it is: a table, a listing, `ssh-config`'s stanza.
    public func text(_ text: String) { renderer.render(.message(.output, target: target, text: text)) }
    /// A question, left open on its line for the answer (`Destroy web? [y/N] `).
    public func ask(_ question: String) { renderer.render(.message(.ask, target: target, text: question)) }
    /// A record for scripts (`state`, `box-name`, ...); the terminal shows none.
    public func record(_ type: String, _ data: String...) { renderer.render(.record(target: target, type: type, data: data)) }
    /// A record for scripts with its data as a list.
    public func record(_ type: String, data: [String]) { renderer.render(.record(target: target, type: type, data: data)) }
    /// How far a download or copy is (`total` nil when unknown).
    public func progress(done: Int64, total: Int64?) { renderer.render(.progress(target: target, done: done, total: total)) }
    /// The progress line is finished (and the terminal clears it).
    public func progressFinished() { renderer.render(.progressFinished(target: target)) }
    /// A line for the build's trace only (`--log-file`, `BOXER_LOG`): a guest's console, a command run.
    public func trace(_ text: String) { renderer.render(.trace(target: target, text: text)) }
}

/// What boxer says, before it is rendered.
public enum OutputEvent: Sendable, Equatable {
    public enum Level: String, Sendable, Equatable {
        /// `output` is report text, `ask` a question the user answers on the same line; the
        /// rest are messages, in Vagrant's names for them.
        case info, detail, warn, error, output, success, ask
    }

    case message(Level, target: String?, text: String)
    case record(target: String?, type: String, data: [String])
    case progress(target: String?, done: Int64, total: Int64?)
    case progressFinished(target: String?)
    case trace(target: String?, text: String)
}

/// Turns output events into what the user or the script reads.
public protocol OutputRenderer: Sendable {
    func render(_ event: OutputEvent)
    var isMachineReadable: Bool { get }
}

extension OutputRenderer {
    public var isMachineReadable: Bool { false }
}

/// Drops everything.
public struct DiscardingRenderer: OutputRenderer {
    public init() {}
    public func render(_ event: OutputEvent) {}
}

/// Keeps every event, in order: for tests, and for callers that show output later.
public final class CollectingRenderer: OutputRenderer {
    private let collected = Locked<[OutputEvent]>([])
    public init() {}
    public func render(_ event: OutputEvent) { collected.withLock { $0.append(event) } }
    public var events: [OutputEvent] { collected.current }

    /// The text of the messages of `level`, in order.
    public func messages(_ level: OutputEvent.Level) -> [String] {
        events.compactMap {
            if case .message(level, _, let text) = $0 { return text }
            return nil
        }
    }
}
