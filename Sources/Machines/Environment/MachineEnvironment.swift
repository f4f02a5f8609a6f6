import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// One project's machines and what can be done to them: the lifecycle behind `up`, `halt`,
/// `destroy`, `status`, `provision`, `ssh`. Holds no state of its own beyond the configuration;
/// each machine's state is in its folder and with its hypervisor.
public struct MachineEnvironment: Sendable {
    public let environment: VagrantEnvironment
    public let home: BoxerHome
    public let providers: [String: any Provider]
    /// The provider a machine that is not created yet gets (`--provider`, the defaults).
    public let defaultProvider: @Sendable (Machine) -> String
    /// What the machines say, each message targeted at its machine (`==> web: Booting...`).
    public let output: Output
    /// The `boxer` executable, which runs environment network switches; nil: machines get no
    /// internal network (NIC2).
    public let switchExecutable: String?
    let ports: PortAllocator
    let index: MachineIndex
    /// Joining the environment network is one step at a time within this process (the first
    /// machine starts the switch; the others must not race it). Other processes are kept out by
    /// the environment lock.
    let networkLock = AsyncLock()
    /// Hosts files are rewritten one update at a time (machines come up side by side).
    let hostsLock = AsyncLock()
    /// Boxes added during this command, so machines that share one download it once.
    let boxInstalls = BoxInstalls()
    /// Asked before a machine is created: nil lets it be, else the reason it cannot run here
    /// (provider, guest architecture). `boxer up` answers from the capability data.
    public var admission: (@Sendable (_ provider: String, _ guestArchitecture: String) -> String?)?

    public init(
        environment: VagrantEnvironment, home: BoxerHome, providers: [any Provider],
        defaultProvider: @escaping @Sendable (Machine) -> String, output: Output, switchExecutable: String? = nil
    ) {
        self.switchExecutable = switchExecutable
        self.environment = environment
        self.home = home
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultProvider = defaultProvider
        self.output = output
        self.ports = PortAllocator(home: home)
        self.index = MachineIndex(home: home)
    }

    // MARK: Machines and their providers

    /// The machines named (all when none), or an error naming the unknown one.
    public func machines(_ names: [String], onlyAutostart: Bool = false) throws(MachineError) -> [Machine] {
        if names.isEmpty {
            return environment.machines.filter { !onlyAutostart || $0.autostart }
        }
        var selected: [Machine] = []
        for name in names {
            guard let machine = environment.machine(named: name) else {
                throw MachineError.notDefined(name, in: environment.vagrantfile, machines: environment.machines.map(\.name))
            }
            selected.append(machine)
        }
        return selected
    }

    /// The provider a machine runs with: the one it was created with, if any, else the default.
    public func providerName(for machine: Machine) -> String {
        let machinesFolder = environment.root + "/.vagrant/machines/" + machine.name
        // Any `id` entry counts, a damaged one too: its machine is not "not created".
        for name in HostFiles.entries(of: machinesFolder) where MachineIDForm.isRecorded(machinesFolder + "/" + name + "/id") {
            return name
        }
        return defaultProvider(machine)
    }

    public func context(for machine: Machine) throws(MachineError) -> (any Provider, MachineContext) {
        let name = providerName(for: machine)
        guard let provider = providers[name] else {
            throw MachineError.providerUnavailable(name, machine: machine.name, providers: providers.keys.sorted())
        }
        let resolved = machine.resolved(for: name)
        let folder = MachineFolder(projectRoot: environment.root, machineName: machine.name, provider: name)
        _ = try verifiedID(folder, provider: provider)
        return (
            provider,
            MachineContext(machine: resolved, folder: folder, box: recordedBox(folder) ?? findBox(for: resolved, provider: provider))
        )
    }

    /// The installed box a machine uses, as Vagrant picks it.
    public func findBox(for machine: Machine, provider: any Provider) -> BoxMatch? {
        guard let name = machine.box, !name.isEmpty else { return nil }
        let architecture = machine.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 } ?? HostArchitecture.current()
        return BoxStore.find(
            in: home, name: name, versionRequirement: machine.boxVersion, providers: provider.boxFormats, architecture: architecture)
    }

    /// The box a created machine was made from (`box_meta`), while it is still installed.
    func recordedBox(_ folder: MachineFolder) -> BoxMatch? {
        guard folder.id != nil, let text = folder.read("box_meta"),
            let meta = try? JSONDecoder().decode(BoxMeta.self, from: Data(text.utf8)),
            let directory = meta.directory, HostFiles.kind(of: directory + "/metadata.json") == .regular
        else { return nil }
        return BoxMatch(name: meta.name, version: meta.version, architecture: meta.architecture, provider: meta.provider, path: directory)
    }

    struct BoxMeta: Codable {
        var name: String
        var version: String
        var provider: String
        var architecture: String?
        var directory: String?
    }

    /// The machine's provider and state; an error when its recorded state cannot be trusted
    /// (a damaged id), which is never taken for "not created".
    public func state(of machine: Machine) async throws(MachineError) -> (provider: String, state: MachineState) {
        let (provider, context) = try context(for: machine)
        let state = await provider.state(context)
        if state == .aborted { try await provider.checkReachable(context) }
        return (provider.name, state)
    }

    // MARK: Helpers

    func updateIndex(_ context: MachineContext, provider: any Provider, state: MachineState) async throws(MachineError) {
        guard let uuid = context.folder.indexUUID else { return }
        let box = context.box.map { MachineIndex.Entry.BoxReference(name: $0.name, provider: $0.provider, version: $0.version) }
        try index.set(
            uuid,
            MachineIndex.Entry(
                name: context.machine.name, provider: provider.name, architecture: context.box?.architecture, state: state.rawValue,
                vagrantfilePath: environment.root, localDataPath: environment.root + "/.vagrant", box: box))
    }

    /// Runs `body` for each machine, concurrently or in order, trying all of them; throws one
    /// error naming every machine that failed. Each machine's `action` is recorded for scripts
    /// as Vagrant does (`web,action,up,start` ... `web,action,up,end` when it succeeded), and
    /// its triggers fire around it (the after ones only when it succeeded, as in Vagrant).
    /// `finished` is called for every machine once it is done with, whether it failed or not.
    func forEach(
        _ machines: [Machine], action: String, parallel: Bool, finished: (@Sendable (Machine) async -> Void)? = nil,
        _ work: @escaping @Sendable (Machine) async throws(MachineError) -> Void
    ) async throws(MachineError) {
        let output = output
        let body: @Sendable (Machine) async throws(MachineError) -> Void = { [self] machine throws(MachineError) in
            output.targeting(machine.name).record("action", action, "start")
            do throws(MachineError) {
                try await fireTriggers(.before, action: action, machine: machine)
                try await work(machine)
                try await fireTriggers(.after, action: action, machine: machine)
            } catch {
                await finished?(machine)
                throw error
            }
            await finished?(machine)
            output.targeting(machine.name).record("action", action, "end")
        }
        var failures: [(String, MachineError)] = []
        if parallel && machines.count > 1 {
            failures = await withTaskGroup(of: (String, MachineError)?.self) { group in
                for machine in machines {
                    group.addTask {
                        do throws(MachineError) {
                            try await body(machine)
                            return nil
                        } catch { return (machine.name, error) }
                    }
                }
                var collected: [(String, MachineError)] = []
                for await failure in group { if let failure { collected.append(failure) } }
                return collected
            }
        } else {
            for machine in machines {
                do throws(MachineError) { try await body(machine) } catch { failures.append((machine.name, error)) }
            }
        }
        guard !failures.isEmpty else { return }
        if failures.count == 1, let only = failures.first {
            throw MachineError.ofMachine(only.0, only.1)
        }
        throw MachineError.ofMachines(failures)
    }
}
