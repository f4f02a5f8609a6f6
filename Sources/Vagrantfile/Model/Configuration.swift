import Foundation

/// A machine's settings while the Vagrantfile runs, before defaults and types are applied.
struct MachineDraft {
    struct NetworkEntry {
        var type: String
        var id: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct FolderEntry {
        var id: String
        var hostPath: String
        var guestPath: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct ProvisionerEntry {
        var name: String?
        var type: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct ProviderBlock {
        var provider: String
        var block: Closure?
        var location: SourceLocation
    }

    var vm: [String: ConfigValue] = [:]
    var networks: [NetworkEntry] = []
    var syncedFolders: [FolderEntry] = []
    var provisioners: [ProvisionerEntry] = []
    var providerBlocks: [ProviderBlock] = []
    var ssh: [String: ConfigValue] = [:]
    /// `config.trigger` entries, finalized, in the order given.
    var triggers: [Trigger] = []
    /// Where each `config.vm.disk` was written, in order.
    var diskLocations: [SourceLocation] = []
    /// `config.hostmanager.*` as written.
    var hostManager: [String: ConfigValue] = [:]
    var unnamedNetworks = 0
    /// Where each `config.vm.*` and `config.ssh.*` setting was last written ("vm.box_version"),
    /// for problems that name the line.
    var settingLocations: [String: SourceLocation] = [:]

    /// Where `key` of `section` was written, else `fallback` (the machine's definition).
    func location(of section: String, _ key: String, else fallback: SourceLocation) -> SourceLocation {
        settingLocations[section + "." + key] ?? fallback
    }
}

/// A mutable home for a draft, shared by the config objects that write into it.
final class DraftBox {
    var draft: MachineDraft
    var touched = false
    init(_ draft: MachineDraft) { self.draft = draft }
}

/// Collects what `Vagrant.configure` blocks declare and turns it into machines.
final class ConfigurationCollector {
    struct Definition {
        var name: String
        var options: [String: ConfigValue]
        var blocks: [Closure]
        var location: SourceLocation
    }

    let global = DraftBox(MachineDraft())
    /// The project folder: relative host paths (provisioner scripts, synced folders) are checked from it.
    var root = "/"
    private(set) var definitions: [Definition] = []
    /// Machine name → its place in `definitions`: a define is found in constant time (a
    /// Vagrantfile that defines machines in a loop of thousands stays linear).
    private var definitionIndex: [String: Int] = [:]
    var warnings: [Diagnostic] = []
    var configured = false

    /// What Vagrant's validation refuses, as "section: message" (e.g. "vm: The following settings shouldn't exist: boxx").
    private(set) var problems: [Diagnostic] = []
    /// The objects `config.vm.defined_vms` handed out, by machine name.
    var definedMachineObjects: [String: DefinedMachineObject] = [:]
    /// `VAGRANT_EXPERIMENTAL=disks`: Vagrant then validates disks, and refuses bad ones.
    var experimentalDisks = false
    /// Provisioner types that plugins defined in the project's own files register.
    var pluginProvisioners: Set<String> = []
    /// `config.vagrant.plugins` that boxer does not have, where they were named.
    var missingPlugins: [(names: [String], location: SourceLocation)] = []

    /// Problems of a provider block's `override`: they count only for a machine that runs with
    /// that provider (Vagrant applies the override for that provider alone).
    private(set) var providerProblems: [ProviderProblem] = []
    /// The machine and provider whose override is being read, while it is.
    private var overrideScope: (machine: String, provider: String)?

    func problem(_ section: String, _ message: String, at location: SourceLocation) {
        let diagnostic = Diagnostic(location: location, message: "\(section): \(message)")
        if let overrideScope {
            let scoped = ProviderProblem(machine: overrideScope.machine, provider: overrideScope.provider, diagnostic: diagnostic)
            if !problems.contains(diagnostic), !providerProblems.contains(scoped) { providerProblems.append(scoped) }
        } else if !problems.contains(diagnostic) {
            problems.append(diagnostic)
        }
    }

    /// What Vagrant accepts when it validates and leaves to the provider, which fails when the
    /// machine starts: `validate` warns, `up` refuses (`status` lists the machines, as Vagrant's does).
    private(set) var startProblems: [Diagnostic] = []

    func startProblem(_ message: String, at location: SourceLocation) {
        let diagnostic = Diagnostic(location: location, message: message)
        guard !startProblems.contains(diagnostic) else { return }
        startProblems.append(diagnostic)
        warn("`boxer up` will refuse this: \(message)", at: location)
    }

    func warn(_ message: String, at location: SourceLocation) {
        let diagnostic = Diagnostic(location: location, message: message)
        if !warnings.contains(diagnostic) { warnings.append(diagnostic) }
    }

    /// The `Vagrant.configure` blocks in the order they ran, to run again beneath a box's Vagrantfile.
    private(set) var configureBlocks: [Closure] = []

    /// Define blocks of version 1 files, which are given a version 1 `config`.
    private var version1Blocks: Set<ObjectIdentifier> = []

    func markVersion1(_ block: Closure) { version1Blocks.insert(ObjectIdentifier(block)) }

    /// A box's layering runs the project's blocks again: its version 1 blocks stay version 1.
    func keepVersions(of first: ConfigurationCollector) { version1Blocks.formUnion(first.version1Blocks) }

    /// `Vagrant.configure` blocks waiting to run: as in Vagrant, a file's blocks run once the
    /// whole file (and what it loads) has been read, so they can call methods defined below them.
    private var pendingBlocks: [(block: Closure, interpreter: Interpreter, location: SourceLocation)] = []
    private var runningBlocks = false

    func configure(_ block: Closure, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        // Vagrant collects blocks only while it loads a file: one given by a running block is
        // never run (checked against vagrant 2.3.4).
        if runningBlocks { return .null }
        configured = true
        configureBlocks.append(block)
        pendingBlocks.append((block, interpreter, location))
        return .null
    }

    /// Runs the blocks recorded since the last call, in the order they were given.
    func runPendingBlocks() throws {
        runningBlocks = true
        defer { runningBlocks = false }
        while !pendingBlocks.isEmpty {
            let (block, interpreter, location) = pendingBlocks.removeFirst()
            let config = ConfigObject(box: global, collector: self, level: .global)
            let given: Value = version1Blocks.contains(ObjectIdentifier(block)) ? .object(V1ConfigObject(root: config)) : .object(config)
            _ = try interpreter.callClosure(block, [given], at: location)
        }
    }

    /// `Vagrant::Config.run` / `Vagrant.configure("1")`.
    func configureVersion1(_ block: Closure, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        markVersion1(block)
        return try configure(block, interpreter: interpreter, at: location)
    }

    func define(_ name: String, options: [String: ConfigValue], block: Closure?, at location: SourceLocation) {
        if let index = definitionIndex[name] {
            definitions[index].options.merge(options) { $1 }
            if let block { definitions[index].blocks.append(block) }
        } else {
            definitionIndex[name] = definitions.count
            definitions.append(Definition(name: name, options: options, blocks: block.map { [$0] } ?? [], location: location))
        }
    }

    /// Every machine, its define blocks and provider blocks run now, in definition order.
    func machines(interpreter: Interpreter) throws -> [Machine] {
        let definitions =
            self.definitions.isEmpty
            ? [Definition(name: "default", options: [:], blocks: [], location: SourceLocation(file: interpreter.file, line: 1, column: 1))]
            : self.definitions
        var machines: [Machine] = []
        for written in definitions {
            let definition = try applyingDefinedMachineChanges(written, interpreter: interpreter)
            let box = DraftBox(global.draft)
            let config = ConfigObject(box: box, collector: self, level: .machine)
            for block in definition.blocks {
                let given: Value =
                    version1Blocks.contains(ObjectIdentifier(block)) ? .object(V1ConfigObject(root: config)) : .object(config)
                _ = try block.call([given], at: block.location)
            }
            var providers: [String: ProviderSettingsBox] = [:]
            var overrides: [String: DraftBox] = [:]
            var order: [String] = []
            for providerBlock in box.draft.providerBlocks {
                let settings = providers[providerBlock.provider] ?? ProviderSettingsBox(name: providerBlock.provider)
                providers[providerBlock.provider] = settings
                if !order.contains(providerBlock.provider) { order.append(providerBlock.provider) }
                guard let block = providerBlock.block else { continue }
                var base = box.draft
                base.providerBlocks = []
                let override = overrides[providerBlock.provider] ?? DraftBox(base)
                overrides[providerBlock.provider] = override
                let overrideConfig = ConfigObject(box: override, collector: self, level: .override)
                overrideScope = (definition.name, providerBlock.provider)
                defer { overrideScope = nil }
                // As Vagrant's finalize! does, every provider's blocks run, whichever is used.
                _ = try block.call(
                    [.object(ProviderConfigObject(settings: settings, collector: self)), .object(overrideConfig)],
                    at: providerBlock.location)
            }
            var machine = try MachineBuilder.build(
                name: definition.name, options: definition.options, draft: box.draft, providers: providers, order: order, collector: self,
                at: definition.location)
            for (provider, override) in overrides where override.touched {
                overrideScope = (definition.name, provider)
                defer { overrideScope = nil }
                let overridden = try MachineBuilder.build(
                    name: definition.name, options: definition.options, draft: override.draft, providers: providers, order: order,
                    collector: self, at: definition.location)
                machine.providerOverrides[provider] = MachineOverride(overridden)
            }
            machines.append(machine)
        }
        try checkBoxes(&machines, definitions: definitions, interpreter: interpreter)
        // Vagrant takes the first machine marked primary and says nothing of the others.
        let primaries = machines.filter(\.primary).map(\.name)
        if primaries.count > 1, let second = definitions.first(where: { $0.name == primaries[1] }) {
            warn(
                "more than one machine is marked primary (\(primaries.joined(separator: ", "))); the first, \(primaries[0]), is the primary machine, as in Vagrant",
                at: second.location)
        }
        return machines
    }
}

/// Converts interpreter values into settings values.
enum Settings {
    static func value(_ value: Value, at location: SourceLocation, interpreter: Interpreter, depth: Int = 0) throws -> ConfigValue {
        guard depth < 32 else {
            throw VagrantfileError.settingNestedTooDeeply(at: location)
        }
        try interpreter.tick(at: location)
        switch value {
        case .null: return .null
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .float(let v): return .double(v)
        case .string(let v), .symbol(let v): return .string(v)
        case .array(let box):
            return .array(try box.items.map { try Self.value($0, at: location, interpreter: interpreter, depth: depth + 1) })
        case .hash(let box):
            var object: [String: ConfigValue] = [:]
            for pair in box.pairs {
                object[pair.key.text] = try Self.value(pair.value, at: location, interpreter: interpreter, depth: depth + 1)
            }
            return .object(object)
        case .range(let low, let high, let exclusive):
            return .string("\(low.map(String.init) ?? "")\(exclusive ? "..." : "..")\(high.map(String.init) ?? "")")
        case .object(let object as EnvironmentObject):
            return .object(object.merged.mapValues { .string($0) })
        default:
            throw VagrantfileError.unsupportedSettingValue(typeName: value.typeName, at: location)
        }
    }

    static func options(_ arguments: Arguments, at location: SourceLocation, interpreter: Interpreter) throws -> [String: ConfigValue] {
        var options: [String: ConfigValue] = [:]
        for pair in arguments.keywords?.pairs ?? [] {
            options[pair.key.text] = try value(pair.value, at: location, interpreter: interpreter)
        }
        return options
    }

    static func back(_ value: ConfigValue) -> Value {
        switch value {
        case .null: return .null
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .double(let v): return .float(v)
        case .string(let v): return .string(v)
        case .array(let v): return .array(v.map(back))
        case .object(let v): return .hash(HashBox(v.keys.sorted().map { (.symbol($0), back(v[$0] ?? .null)) }))
        }
    }
}

extension ConfigurationCollector {
    /// The providers Vagrant 2.3.4 (with vagrant-libvirt) has, and those of them that need no box.
    static let vagrantProviders: Set<String> = ["virtualbox", "docker", "hyperv", "libvirt"]
    static let boxOptionalProviders: Set<String> = ["docker", "libvirt"]

    /// A box the outer `config` was given from inside a define block reaches every machine that
    /// has none (Vagrant reads all machines once before it validates any, so the root
    /// configuration is complete by then: hadoop labs set the box so). Then Vagrant's "A box must
    /// be specified." for the machines still without one whose provider needs a box: the provider
    /// `validate -p` picks (VAGRANT_DEFAULT_PROVIDER, else the first provider block Vagrant has,
    /// else VirtualBox), where Docker and libvirt need none.
    func checkBoxes(_ machines: inout [Machine], definitions: [Definition], interpreter: Interpreter) throws {
        if case .string(let box)? = global.draft.vm["box"], !box.isEmpty {
            for index in machines.indices where machines[index].box == nil {
                machines[index].box = box
                for (provider, override) in machines[index].providerOverrides where override.machine.box == nil {
                    var machine = override.machine
                    machine.box = box
                    machines[index].providerOverrides[provider] = MachineOverride(machine)
                }
            }
        }
        let forced = interpreter.host.processEnvironment(interpreter)["VAGRANT_DEFAULT_PROVIDER"].flatMap { $0.isEmpty ? nil : $0 }
        for (machine, definition) in zip(machines, definitions) where machine.box == nil {
            let provider = forced ?? machine.providerOrder.first { Self.vagrantProviders.contains($0) } ?? "virtualbox"
            let resolved = machine.resolved(for: provider)
            guard resolved.box == nil, ProvisionerChecks.isSet(resolved.settings["clone"]) == false,
                !Self.boxOptionalProviders.contains(provider)
            else { continue }
            // Where the file set the box to nothing (`config.vm.box = ENV["BASE"]`), else the machine.
            problem("vm", "A box must be specified.", at: global.draft.location(of: "vm", "box", else: definition.location))
        }
    }
}
