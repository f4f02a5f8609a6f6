import Foundation

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
    /// What Vagrant's `validate` (and `up`) refuse though the file reads: unknown settings and
    /// sections, provisioner files and synced folders that are missing. `status` shows machines regardless.
    public var problems: [Diagnostic] = []

    /// Fails, naming each problem's place, when the configuration has problems.
    public func checkProblems() throws(VagrantfileError) {
        if !problems.isEmpty { throw VagrantfileError.configurationProblems(problems) }
    }

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
