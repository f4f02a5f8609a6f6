import BoxerSupport

/// What a node operation reports, the same for `boxer node` and the API: `kind` picks the HTTP
/// status and the JSON error's kind, the message says what to do.
public struct NodeError: BoxerError, Equatable {
    public enum Kind: String, Sendable {
        case badRequest = "bad_request"
        case notFound = "not_found"
        case conflict
        /// The machine or the host failed (a provider error, a file that cannot be written).
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    public var kindName: String { "NodeError." + kind.rawValue }

    static func badName(_ problem: String) -> NodeError { NodeError(.badRequest, "Node name: \(problem).") }

    static func noNode(_ name: String) -> NodeError {
        NodeError(.notFound, "There is no node \(NodeName.quoted(name)); `boxer node list` or GET /v1/nodes lists them.")
    }

    static func nameTaken(_ name: String) -> NodeError {
        NodeError(.conflict, "A node named \(NodeName.quoted(name)) exists already; pick another name or destroy that node first.")
    }

    static func noImage(_ id: String) -> NodeError {
        NodeError(.notFound, "There is no image \(NodeName.quoted(id)); GET /v1/images (or `boxer box list`) lists them.")
    }

    static func noSize(_ id: String, offered: [String]) -> NodeError {
        NodeError(
            .badRequest,
            "This host has no size \(NodeName.quoted(id)); its sizes are \(offered.joined(separator: ", ")) (GET /v1/sizes says what each gives)."
        )
    }

    static func sizeTooSmall(_ size: NodeSize, for minimums: ImageMinimums) -> NodeError {
        NodeError(
            .badRequest,
            "The image needs \(minimums.cpus) CPU, \(minimums.memoryMiB) MiB and \(minimums.diskGiB) GiB; size \(size.id) gives \(size.cpus) CPU, \(size.memoryMiB) MiB and \(size.diskGiB) GiB. Pick a larger size."
        )
    }

    static func busy(_ name: String) -> NodeError {
        NodeError(.conflict, "Node \(NodeName.quoted(name)) is busy with another operation; try again when it has finished.")
    }

    static func notReady(_ name: String, _ phase: NodeRecord.Phase) -> NodeError {
        NodeError(
            .conflict,
            phase == .creating
                ? "Node \(NodeName.quoted(name)) is still being created; wait for its create operation."
                : "Node \(NodeName.quoted(name)) failed to be created; destroy it and create it again.")
    }

    static func unreadableRecord(_ path: String, _ reason: String) -> NodeError {
        NodeError(
            .failed,
            "The record \(path) cannot be read (\(reason)); fix it or remove it (for a node, run `boxer destroy -f` in its folder first, then remove the folder)."
        )
    }

    static func cannotWrite(_ path: String, _ reason: String) -> NodeError {
        NodeError(.failed, "Cannot write \(path): \(reason). Check that $BOXER_HOME is writable and has space.")
    }

    static func badUserData(_ reason: String) -> NodeError {
        NodeError(.badRequest, "User data: \(reason).")
    }

    static func badCredentials(_ reason: String) -> NodeError {
        NodeError(.badRequest, "Credentials: \(reason).")
    }

    /// A machine's own failure (boot, SSH, disk), as the machine layer words it.
    static func machine(_ name: String, _ error: any Error) -> NodeError {
        NodeError(.failed, "Node \(NodeName.quoted(name)): \(error)")
    }
}
