/// The one contract of every error boxer reports. Each module has its own error type with its
/// messages in one place; all of them adopt this, so that the command line maps any of them to
/// an exit status and a `--machine-readable` `error-exit` record the same way.
///
/// `description` is the message the user reads: what went wrong, naming the file, line, field,
/// box or machine, and what to do about it.
public protocol BoxerError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure for scripts, `<ErrorType>.<kind>` (e.g. `MachineError.portInUse`):
    /// what `error-exit` records carry where Vagrant's carry the error's class name.
    var kindName: String { get }
    /// The process's exit status when this error ends a command.
    var exitStatus: ExitStatus { get }
}

extension BoxerError {
    public var exitStatus: ExitStatus { .failure }
}

/// How a boxer command ends, as its exit status. The same numbers Vagrant users and shells
/// expect: 1 for any error, 2 for a command line boxer cannot parse, 128 + the signal when
/// Ctrl-C (130), SIGTERM (143) or SIGHUP (129) stopped it.
public struct ExitStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let success = ExitStatus(rawValue: 0)
    public static let failure = ExitStatus(rawValue: 1)
    public static let usage = ExitStatus(rawValue: 2)
    /// Ctrl-C: 128 + SIGINT.
    public static let interrupted = ExitStatus(rawValue: 130)

    /// Stopped by `signal`: 128 + its number.
    public static func signalled(_ signal: Int32) -> ExitStatus { ExitStatus(rawValue: 128 + signal) }

    public var description: String { "\(rawValue)" }
}

/// The name of an enum value's case without its associated values (`noMatchingVersion` for
/// `.noMatchingVersion(box: ...)`), for `kindName`. Only for cases with associated values: the
/// runtime names a case without any only through `description`, which an error overrides with
/// its message, so `kindName` spells those out.
public func caseName(of value: Any) -> String {
    if let label = Mirror(reflecting: value).children.first?.label { return label }
    return String(describing: value)
}
