import BoxerSupport

/// Everything that can go wrong reading a Vagrantfile; each names the place and says what to do.
public struct VagrantfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Ruby boxer reads but this file gets wrong (a syntax error).
        case syntax
        /// Ruby that boxer refuses on purpose (backticks, eval, classes, ...).
        case unsupported
        /// Evaluation failed (undefined variable, wrong argument, `raise`).
        case runtime
        /// The file is valid Ruby but not a valid configuration.
        case configuration
        /// No Vagrantfile, or one that cannot be read.
        case notFound
        /// The file ended the command with `exit` or `abort`, as it does under Vagrant: nothing
        /// more is said (abort has printed its message), and boxer exits with `exitCode`.
        case exit
    }

    public let kind: Kind
    public let location: SourceLocation?
    public let message: String
    public let hint: String?
    /// For `.exit`: the status the file asked for.
    public var exitCode: Int32?

    public init(_ kind: Kind, at location: SourceLocation?, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        if kind == .exit { return "" }
        var text = location.map { "\($0): " } ?? ""
        text += message
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

extension VagrantfileError: BoxerError {
    public var kindName: String { "VagrantfileError.\(kind)" }
    public var exitStatus: ExitStatus { exitCode.map { ExitStatus(rawValue: $0) } ?? .failure }
}
