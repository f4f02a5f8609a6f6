import Foundation

/// A setting's value as written in the Vagrantfile, in a form that compares and encodes.
public enum ConfigValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ConfigValue])
    case object([String: ConfigValue])

    public var description: String {
        switch self {
        case .null: return "nil"
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .array(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .object(let v): return "{" + v.keys.sorted().map { "\($0): \(v[$0]?.description ?? "")" }.joined(separator: ", ") + "}"
        }
    }

    public var string: String? {
        switch self {
        case .string(let v): return v
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return String(v)
        default: return nil
        }
    }

    public var int: Int? {
        switch self {
        case .int(let v): return v
        case .string(let v): return Int(v)
        case .double(let v) where v.isFinite && abs(v) < 9e18: return Int(v)
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let v): return v
        case .string(let v): return v == "true" ? true : v == "false" ? false : nil
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let v = try? container.decode(Bool.self) { self = .bool(v) }
        else if let v = try? container.decode(Int.self) { self = .int(v) }
        else if let v = try? container.decode(Double.self) { self = .double(v) }
        else if let v = try? container.decode(String.self) { self = .string(v) }
        else if let v = try? container.decode([ConfigValue].self) { self = .array(v) }
        else { self = .object(try container.decode([String: ConfigValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let v): try container.encode(v)
        case .int(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }
}

/// The environment a Vagrantfile describes: its machines in definition order.
public struct VagrantEnvironment: Sendable, Equatable, Codable {
    /// The project Vagrantfile, nil when none was found.
    public var vagrantfile: String?
    /// The project folder (where `.vagrant/` lives).
    public var root: String
    public var machines: [Machine]
    public var warnings: [Diagnostic]
    /// Lines the Vagrantfile printed with puts/print/p.
    public var output: [String]

    public var primaryMachine: Machine? {
        machines.first { $0.primary } ?? (machines.count == 1 ? machines.first : nil)
    }

    public func machine(named name: String) -> Machine? {
        machines.first { $0.name == name }
    }
}

/// One machine with every setting resolved, defaults included.
public struct Machine: Sendable, Equatable, Codable {
    public var name: String
    public var primary: Bool
    public var autostart: Bool
    public var box: String?
    public var boxVersion: String?
    public var boxURL: [String]
    public var boxCheckUpdate: Bool
    /// "auto" (the host's), an architecture name, or nil for the box's default.
    public var boxArchitecture: String?
    public var hostname: String?
    public var bootTimeout: Int
    public var communicator: String
    public var baseMAC: String?
    /// Other `config.vm.*` settings, as written.
    public var settings: [String: ConfigValue]
    public var networks: [Network]
    public var syncedFolders: [SyncedFolder]
    public var providers: [String: ProviderSettings]
    /// Provider blocks in the order they were written: the preferred provider is the first.
    public var providerOrder: [String]
    public var provisioners: [Provisioner]
    public var ssh: SSHSettings
    /// The machine as it is when run with a given provider, where that provider's block set
    /// `override.*` settings.
    public var providerOverrides: [String: MachineOverride]

    /// This machine with the `override` settings of `provider`'s block applied.
    public func resolved(for provider: String) -> Machine {
        guard let override = providerOverrides[provider] else { return self }
        return override.machine
    }
}

/// A machine as one provider's `override` leaves it (stored whole, so applying it is a lookup).
public struct MachineOverride: Sendable, Equatable, Codable {
    private let storage: [Machine]
    public var machine: Machine { storage[0] }
    public init(_ machine: Machine) { storage = [machine] }
}

public enum Network: Sendable, Equatable, Codable {
    case forwardedPort(ForwardedPort)
    case privateNetwork(PrivateNetwork)
    case publicNetwork(PublicNetwork)

    public var id: String {
        switch self {
        case .forwardedPort(let port): return port.id
        case .privateNetwork(let network): return network.id
        case .publicNetwork(let network): return network.id
        }
    }
}

public struct ForwardedPort: Sendable, Equatable, Codable {
    public var id: String
    public var guest: Int
    public var host: Int
    public var hostIP: String?
    public var guestIP: String?
    public var proto: String
    public var autoCorrect: Bool

    public init(id: String, guest: Int, host: Int, hostIP: String?, guestIP: String?, proto: String, autoCorrect: Bool) {
        self.id = id
        self.guest = guest
        self.host = host
        self.hostIP = hostIP
        self.guestIP = guestIP
        self.proto = proto
        self.autoCorrect = autoCorrect
    }
}

public struct PrivateNetwork: Sendable, Equatable, Codable {
    public var id: String
    /// nil with `type: "dhcp"`.
    public var ip: String?
    public var dhcp: Bool
    public var netmask: String?
    /// `virtualbox__intnet`: true (Vagrant's shared "intnet") or a network name.
    public var intnet: ConfigValue?
    public var options: [String: ConfigValue]
    /// Where the Vagrantfile says it, for errors found when the machine comes up.
    public var location: SourceLocation?
}

public struct PublicNetwork: Sendable, Equatable, Codable {
    public var id: String
    public var ip: String?
    public var bridge: ConfigValue?
    public var options: [String: ConfigValue]
}

public struct SyncedFolder: Sendable, Equatable, Codable {
    public var id: String
    public var hostPath: String
    public var guestPath: String
    public var disabled: Bool
    public var type: String?
    public var options: [String: ConfigValue]

    public init(id: String, hostPath: String, guestPath: String, disabled: Bool, type: String?, options: [String: ConfigValue]) {
        self.id = id
        self.hostPath = hostPath
        self.guestPath = guestPath
        self.disabled = disabled
        self.type = type
        self.options = options
    }
}

public struct ProviderSettings: Sendable, Equatable, Codable {
    public var name: String
    public var memory: Int? { values["memory"]?.int }
    public var cpus: Int? { values["cpus"]?.int }
    /// Every `p.key = value`, as written.
    public var values: [String: ConfigValue]
    /// `customize [...]` calls (VirtualBox, Parallels), in order; `:id` is
    /// `machineIDPlaceholder`.
    public var customizations: [[ConfigValue]]
    /// What `:id` in a `customize` array is kept as, for the driver to replace with the VM's id.
    public static let machineIDPlaceholder = ":id"
    /// VMware `vmx["key"] = "value"`.
    public var vmx: [String: String]
    /// Other method calls (`libvirt.storage :file, size: "20G"`), in order.
    public var calls: [ProviderCall]
}

public struct ProviderCall: Sendable, Equatable, Codable {
    public var name: String
    public var arguments: [ConfigValue]

    public init(name: String, arguments: [ConfigValue]) {
        self.name = name
        self.arguments = arguments
    }
}

public struct Provisioner: Sendable, Equatable, Codable {
    public var name: String?
    public var type: String
    /// "once" (default), "always" or "never".
    public var run: String
    public var options: [String: ConfigValue]

    public var inline: String? { options["inline"]?.string }
    public var path: String? { options["path"]?.string }
    public var privileged: Bool { options["privileged"]?.bool ?? true }
    public var arguments: [String] {
        switch options["args"] {
        case .array(let items)?: return items.compactMap(\.string)
        case .string(let text)?: return [text]
        default: return []
        }
    }
    public var environment: [String: String] {
        guard case .object(let values)? = options["env"] else { return [:] }
        return values.compactMapValues(\.string)
    }
    public var source: String? { options["source"]?.string }
    public var destination: String? { options["destination"]?.string }
}

public struct SSHSettings: Sendable, Equatable, Codable {
    public var username: String?
    public var password: String?
    public var insertKey: Bool
    public var privateKeyPath: [String]
    public var shell: String?
    public var forwardAgent: Bool
    public var port: Int?
    public var host: String?
    public var values: [String: ConfigValue]
}
