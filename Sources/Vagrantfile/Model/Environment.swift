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
    /// Problems in provider blocks' overrides, each for one machine and provider.
    public var providerProblems: [ProviderProblem] = []
    /// Settings Vagrant's validation accepts and its providers refuse when a machine starts
    /// (a forwarded protocol other than tcp/udp, a boot timeout that is not a number).
    public var startProblems: [Diagnostic] = []
    /// The file's own triggers (outside `define` blocks): command triggers fire from these.
    public var triggers: [Trigger] = []
    /// Whether `type: :command` and `:hook` triggers fire: `VAGRANT_EXPERIMENTAL` names
    /// `typed_triggers` (or is `1`) in boxer's environment or as the Vagrantfile left `ENV`.
    public var typedTriggers = false
    /// The live `ruby` blocks of triggers, nil when there are none. Not encoded; compared by identity.
    public var rubyTriggerBlocks: RubyTriggerBlocks?

    private enum CodingKeys: String, CodingKey {
        case vagrantfile, root, machines, warnings, output, problems, providerProblems, startProblems, triggers, typedTriggers
    }

    public static func == (left: VagrantEnvironment, right: VagrantEnvironment) -> Bool {
        left.vagrantfile == right.vagrantfile && left.root == right.root && left.machines == right.machines
            && left.warnings == right.warnings && left.output == right.output && left.problems == right.problems
            && left.providerProblems == right.providerProblems && left.startProblems == right.startProblems
            && left.triggers == right.triggers && left.typedTriggers == right.typedTriggers
            && left.rubyTriggerBlocks === right.rubyTriggerBlocks
    }

    /// Fails, naming each problem's place, when the configuration has problems: those of the
    /// whole file, and those of the override of the provider each machine runs with. `starting`:
    /// also those that only starting a machine meets.
    public func checkProblems(starting: Bool = false, provider: (Machine) -> String? = { _ in nil }) throws(VagrantfileError) {
        var all = problems + (starting ? startProblems : [])
        for machine in machines {
            guard let chosen = provider(machine) else { continue }
            for scoped in providerProblems where scoped.machine == machine.name && scoped.provider == chosen {
                if !all.contains(scoped.diagnostic) { all.append(scoped.diagnostic) }
            }
        }
        if !all.isEmpty { throw VagrantfileError.configurationProblems(all) }
    }

    public var primaryMachine: Machine? {
        machines.first { $0.primary } ?? (machines.count == 1 ? machines.first : nil)
    }

    public func machine(named name: String) -> Machine? {
        machines.first { $0.name == name }
    }
}

/// A problem in one provider block's `override`, which counts only when the machine runs with
/// that provider.
public struct ProviderProblem: Sendable, Equatable, Codable {
    public var machine: String
    public var provider: String
    public var diagnostic: Diagnostic
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
    /// The file's triggers, then those of the machine's `define` blocks.
    public var triggers: [Trigger] = []
    /// `config.hostmanager`: the hosts files boxer keeps (vagrant-hostmanager's settings).
    public var hostManager = HostManagerSettings([:])
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
