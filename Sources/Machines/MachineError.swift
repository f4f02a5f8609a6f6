import BoxerSupport

/// Everything that goes wrong bringing machines up or down, with what to do about it.
public struct MachineError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case boxMissing, toolMissing, configuration, portInUse, bootTimeout, provider, communicator, provisioner, locked, io, cancelled
        /// State read back from disk (an id, a registry) that boxer cannot trust; nothing was changed.
        case untrustedState
    }

    public let kind: Kind
    public let message: String
    /// The status boxer exits with instead of 1 (a trigger's `abort: 3`).
    public let exitCode: Int32?

    public init(_ kind: Kind, _ message: String, exitCode: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

extension MachineError: BoxerError {
    public var kindName: String { "MachineError.\(kind)" }
    public var exitStatus: ExitStatus {
        if let exitCode { return ExitStatus(rawValue: exitCode) }
        return kind == .cancelled ? .interrupted : .failure
    }
}
