import BoxerSupport

/// What goes wrong in `boxer build`: each message names the file, line or field, or the URL,
/// and says what to do.
public struct BuildError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case template, unknownTemplate, download, checksum, tool, guest, io, interrupted
    }

    public let kind: Kind
    public let message: String
    /// The signal that interrupted the build, for the exit status (128 + it).
    public let signal: Int32?

    public init(_ kind: Kind, _ message: String, signal: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.signal = signal
    }

    public var description: String { message }

    /// Thrown between steps once the build was cancelled (Ctrl-C), so that nothing new starts.
    static func checkCancellation(_ step: String) throws(BuildError) {
        if Task.isCancelled { throw BuildError.interruptedBefore(step) }
    }
}

extension BuildError: BoxerError {
    public var kindName: String { "BuildError.\(kind)" }
    public var exitStatus: ExitStatus {
        guard kind == .interrupted else { return .failure }
        return signal.map(ExitStatus.signalled) ?? .interrupted
    }
}
