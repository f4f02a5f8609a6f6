import BoxerSupport

/// What goes wrong with environment networks, each message (saying what to do) in one place.
public enum NetworkError: BoxerError, Equatable {
    /// The switch was started without its ports folder.
    case noPortsFolder(path: String)
    /// All 254 internal networks are taken.
    case allInUse
    /// A static address outside the environment's network.
    case notOnNetwork(existing: EnvironmentSubnet, required: EnvironmentSubnet)
    /// A static address in another environment's network.
    case taken(subnet: EnvironmentSubnet, by: String)
    case registryUnreadable(file: String, reason: String)
    case registryUnwritable(file: String, reason: String)
    case registryUnlockable(folder: String, reason: String?)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .noPortsFolder(let path):
            return "the ports folder \(path) does not exist"
        case .allInUse:
            return
                "All 254 internal networks (192.168.1-254.0/24) are in use by other environments; destroy the machines of one you no longer need (boxer global-status lists them)."
        case .notOnNetwork(let existing, let required):
            return
                "this environment's internal network is \(existing) (chosen when its first machine came up), so an address in \(required) is not on it. Use an address from \(existing.lowest) to \(existing.highest), or `boxer destroy` every machine so the network can be chosen again."
        case .taken(let subnet, let other):
            return
                "\(subnet) is the internal network of another environment (\(other)); every environment has its own. Use addresses in a free /24 (boxer global-status lists the environments), or destroy that environment's machines."
        case .registryUnreadable(let file, let reason):
            return """
                The network registry \(file) cannot be read: \(reason). boxer hands out no internal network while it \
                cannot tell which ones are in use, so that no two environments share one; nothing was changed. Move the \
                file away (mv '\(file)' '\(file).damaged'): boxer then rebuilds it from the switches that are running.
                """
        case .registryUnwritable(let file, let reason):
            return "cannot update the network registry \(file): \(reason)"
        case .registryUnlockable(let folder, let reason):
            return "cannot lock the network registry in \(folder)" + (reason.map { ": \($0)" } ?? "")
        case .unwritable(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }

    /// The message, as the other modules' errors call it.
    public var message: String { description }

    public var kindName: String {
        if case .allInUse = self { return "NetworkError.allInUse" }
        return "NetworkError.\(caseName(of: self))"
    }
}
