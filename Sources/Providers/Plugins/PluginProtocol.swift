import BoxStore
import Foundation
import Machines
import Networks
import Vagrantfile

/// The boxer provider plugin protocol, version 1 (documented in providers/PLUGINS.md).
///
/// boxer starts `boxer-provider-<name>` once per operation and speaks JSON lines over its
/// standard input and output: boxer's `hello`, the plugin's `hello` (its name, box formats
/// and capability data), one `request`, then the plugin's `log` lines and one `result` or
/// `error` with the request's id. boxer then closes the plugin's input and the plugin exits.
/// Plugins keep no state between operations beyond the machine's folder and the hypervisor
/// itself, as built-in providers do.
public enum PluginProtocol {
    public static let name = "boxer-provider"
    public static let version = 1
    public static let executablePrefix = "boxer-provider-"

    public struct Hello: Codable, Sendable, Equatable {
        public var type = "hello"
        public var `protocol`: String
        /// boxer sends the versions it speaks; the plugin answers with the one it chose.
        public var versions: [Int]?
        public var version: Int?
        public var name: String?
        public var boxFormats: [String]?
        public var attachesToUserspaceSwitch: Bool?
        public var sharedFolderTypes: [String]?
        /// The plugin's capability data, in the schema of providers/*.yaml (as JSON).
        public var capabilities: JSONValue?

        public init(
            protocol: String = PluginProtocol.name, versions: [Int]? = nil, version: Int? = nil, name: String? = nil,
            boxFormats: [String]? = nil,
            attachesToUserspaceSwitch: Bool? = nil, sharedFolderTypes: [String]? = nil, capabilities: JSONValue? = nil
        ) {
            self.protocol = `protocol`
            self.versions = versions
            self.version = version
            self.name = name
            self.boxFormats = boxFormats
            self.attachesToUserspaceSwitch = attachesToUserspaceSwitch
            self.sharedFolderTypes = sharedFolderTypes
            self.capabilities = capabilities
        }

        enum CodingKeys: String, CodingKey {
            case type, `protocol`, versions, version, name, capabilities
            case boxFormats = "box_formats"
            case attachesToUserspaceSwitch = "attaches_to_userspace_switch"
            case sharedFolderTypes = "shared_folder_types"
        }
    }

    /// The provider operations, one per `Provider` requirement.
    public enum Operation: String, Codable, Sendable, CaseIterable {
        case checkUsable = "check_usable"
        case create, start, stop, suspend, resume, destroy, state
        case sshEndpoint = "ssh_endpoint"
        case forwardedPorts = "forwarded_ports"
        case consoleTail = "console_tail"
        case mountCommand = "mount_command"
        case internalAddress = "internal_address"
        case ensureInternalNetwork = "ensure_internal_network"
        case removeInternalNetwork = "remove_internal_network"
    }

    public struct Request: Codable, Sendable {
        public var type = "request"
        public var id: Int
        public var operation: Operation
        public var context: Context?
        public var force: Bool?
        public var timeout: Double?
        public var lines: Int?
        public var share: Share?
        public var network: Network?

        public init(id: Int, operation: Operation, context: Context? = nil) {
            self.id = id
            self.operation = operation
            self.context = context
        }
    }

    /// What the plugin prints after a request: `log` lines, then `result` or `error`.
    public struct Reply: Codable, Sendable {
        public var type: String
        public var id: Int?
        public var value: JSONValue?
        public var kind: String?
        public var message: String?

        public init(type: String, id: Int? = nil, value: JSONValue? = nil, kind: String? = nil, message: String? = nil) {
            self.type = type
            self.id = id
            self.value = value
            self.kind = kind
            self.message = message
        }
    }

    /// A machine as the plugin sees it: `MachineContext` in JSON.
    public struct Context: Codable, Sendable {
        public struct Box: Codable, Sendable {
            public var name: String
            public var version: String
            public var architecture: String?
            public var provider: String
            public var path: String
        }

        public struct Attachment: Codable, Sendable {
            public var endpoint: String
            public var mac: String
            /// The network, "a.b.c.0/24" (nil from an older boxer, which sent only `subnet`).
            public var network: EnvironmentSubnet?
            /// X, for a 192.168.X.0/24 network.
            public var subnet: Int?

            init(_ attachment: InternalNetworkAttachment) {
                endpoint = attachment.endpoint
                mac = attachment.mac
                network = attachment.subnet
                subnet = attachment.subnet.standardX
            }

            var internalNetworkAttachment: InternalNetworkAttachment {
                InternalNetworkAttachment(endpoint: endpoint, mac: mac, subnet: network ?? EnvironmentSubnet(standard: subnet ?? 0))
            }
        }

        public var machine: Machine
        public var projectRoot: String
        public var folder: String
        public var provider: String
        public var id: String?
        public var box: Box?
        public var forwards: [PortForward]
        public var internalNetwork: Attachment?
        public var seed: String?
        public var shares: [Share]

        enum CodingKeys: String, CodingKey {
            case machine, folder, provider, id, box, forwards, seed, shares
            case projectRoot = "project_root"
            case internalNetwork = "internal_network"
        }

        public init(_ context: MachineContext) {
            machine = context.machine
            projectRoot = context.folder.projectRoot
            folder = context.folder.path
            provider = context.folder.provider
            id = context.folder.id
            box = context.box.map {
                Box(name: $0.name, version: $0.version, architecture: $0.architecture, provider: $0.provider, path: $0.path)
            }
            forwards = context.forwards
            internalNetwork = context.internalNetwork.map(Attachment.init)
            seed = context.seed
            shares = context.shares.map(Share.init)
        }

        /// Back to the context a provider works with (the plugin's side).
        public var machineContext: MachineContext {
            var context = MachineContext(
                machine: machine, folder: MachineFolder(projectRoot: projectRoot, machineName: machine.name, provider: provider),
                box: box.map {
                    BoxMatch(name: $0.name, version: $0.version, architecture: $0.architecture, provider: $0.provider, path: $0.path)
                },
                forwards: forwards,
                internalNetwork: internalNetwork?.internalNetworkAttachment,
                seed: seed)
            context.shares = shares.map(\.sharedFolder)
            return context
        }
    }

    public struct Share: Codable, Sendable {
        public var tag: String
        public var hostPath: String
        public var guestPath: String
        public var accessMode: String

        enum CodingKeys: String, CodingKey {
            case tag
            case hostPath = "host_path"
            case guestPath = "guest_path"
            case accessMode = "access_mode"
        }

        public init(_ share: SharedFolder) {
            tag = share.tag
            hostPath = share.hostPath
            guestPath = share.guestPath
            accessMode = share.accessMode
        }

        public var sharedFolder: SharedFolder { SharedFolder(tag: tag, hostPath: hostPath, guestPath: guestPath, accessMode: accessMode) }
    }

    public struct Network: Codable, Sendable {
        public var name: String
        /// The network, "a.b.c.0/24" (nil from an older boxer, which sent only `subnet`).
        public var network: EnvironmentSubnet?
        /// X, for a 192.168.X.0/24 network.
        public var subnet: Int?
        public var reservations: [String: String]

        public init(_ network: InternalNetwork) {
            name = network.name
            self.network = network.subnet
            subnet = network.subnet.standardX
            reservations = network.reservations
        }

        public var internalNetwork: InternalNetwork {
            InternalNetwork(name: name, subnet: network ?? EnvironmentSubnet(standard: subnet ?? 0), reservations: reservations)
        }
    }
}

/// The parts of messages whose shape depends on the operation are any JSON value: the
/// Vagrantfile model's `ConfigValue` (null, booleans, numbers, strings, arrays, objects).
public typealias JSONValue = ConfigValue

extension ConfigValue {
    /// A Codable value as JSON (results: an endpoint, forwarded ports).
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(ConfigValue.self, from: try JSONEncoder().encode(value))
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: try JSONEncoder().encode(self))
    }
}
