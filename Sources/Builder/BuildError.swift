/// What goes wrong in `boxer build`: each message names the file, line or field, or the URL,
/// and says what to do.
public struct BuildError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case template, unknownTemplate, download, checksum, tool, guest, io, interrupted
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Thrown between steps once the build was cancelled (Ctrl-C), so that nothing new starts.
    static func checkCancellation(_ step: String) throws(BuildError) {
        if Task.isCancelled { throw BuildError(.interrupted, "The build was interrupted before \(step).") }
    }
}
