import Foundation

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

    public init(name: String?, type: String, run: String, options: [String: ConfigValue]) {
        self.name = name
        self.type = type
        self.run = run
        self.options = options
    }

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

/// vagrant-hostmanager's settings, with its defaults: hosts files are updated on `up` and
/// `destroy` only when `enabled`; the guests' files by default, the host's only when asked.
public struct HostManagerSettings: Sendable, Equatable, Codable {
    public var enabled: Bool
    public var manageGuest: Bool
    public var manageHost: Bool
    public var ignorePrivateIP: Bool
    public var includeOffline: Bool
    public var aliases: [String]

    public init(_ values: [String: ConfigValue]) {
        enabled = values["enabled"]?.bool ?? false
        manageGuest = values["manage_guest"]?.bool ?? true
        manageHost = values["manage_host"]?.bool ?? false
        ignorePrivateIP = values["ignore_private_ip"]?.bool ?? false
        includeOffline = values["include_offline"]?.bool ?? false
        switch values["aliases"] {
        case .array(let items)?: aliases = items.compactMap(\.string)
        case .string(let single)?: aliases = [single]
        default: aliases = []
        }
    }
}
