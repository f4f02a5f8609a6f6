import Foundation

/// A node as the API and `boxer node show` report it: its record, its machine's state and how to
/// reach it. `state` is one of Libcloud's NodeState values, so the driver passes it through.
public struct NodeView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Libcloud's NodeState: pending, running, stopped, suspended, rebooting, starting, stopping,
    /// terminated, error, unknown.
    public var state: String
    /// The machine's own state as `boxer status` says it (not_created, running, poweroff, paused, aborted).
    public var machineState: String?
    public var phase: NodeRecord.Phase
    public var imageID: String
    public var sizeID: String
    public var cpus: Int
    public var memoryMiB: Int
    public var diskGiB: Int
    public var provider: String
    public var created: Date
    /// Where SSH reaches the node: NIC1's forward on the host's loopback.
    public var sshHost: String?
    public var sshPort: Int?
    public var sshUser: String?
    /// The node's NIC2 address on its own 192.168.X.0/24 network, once its guest took one.
    public var privateIP: String?
    /// The operation running on the node, if any (create, start, stop, reboot, destroy).
    public var operation: String?
    public var failure: String?
    /// The node's folder, where `boxer ssh` and `boxer status` work.
    public var folder: String

    enum CodingKeys: String, CodingKey {
        case id, name, state, phase, cpus, provider, created, operation, failure, folder
        case machineState = "machine_state"
        case imageID = "image_id"
        case sizeID = "size_id"
        case memoryMiB = "memory_mib"
        case diskGiB = "disk_gib"
        case sshHost = "ssh_host"
        case sshPort = "ssh_port"
        case sshUser = "ssh_user"
        case privateIP = "private_ip"
    }

    /// Libcloud's state for a node in `phase` whose machine is in `machineState` (nil: unknown),
    /// with `operation` under way.
    public static func libcloudState(phase: NodeRecord.Phase, machineState: String?, operation: String?) -> String {
        switch phase {
        case .creating: return "pending"
        case .failed: return "error"
        case .ready: break
        }
        switch operation {
        case "reboot": return "rebooting"
        case "start": return "starting"
        case "stop", "destroy": return "stopping"
        default: break
        }
        switch machineState {
        case "running": return "running"
        case "poweroff", "aborted": return "stopped"
        case "paused": return "suspended"
        case "not_created": return "terminated"
        default: return "unknown"
        }
    }
}
