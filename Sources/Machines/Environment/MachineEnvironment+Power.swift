import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// `suspend`, `resume`, `halt` and `destroy`.
extension MachineEnvironment {
    /// Pauses running machines (their memory kept).
    public func suspend(_ names: [String]) async throws(MachineError) {
        try await forEach(try machines(names), action: "suspend", parallel: true) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            guard await provider.state(context) == .running else { return }
            output.targeting(machine.name).say("Saving VM state and suspending execution...")
            try await provider.suspend(context)
        }
    }

    /// Continues paused machines.
    public func resume(_ names: [String]) async throws(MachineError) {
        try await forEach(try machines(names), action: "resume", parallel: true) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            guard await provider.state(context) == .paused else { return }
            output.targeting(machine.name).say("Resuming suspended VM...")
            try await provider.resume(context)
        }
    }

    public func halt(_ names: [String], force: Bool) async throws(MachineError) {
        let selected = try machines(names).reversed()
        try await forEach(Array(selected), action: "halt", parallel: true) { machine throws(MachineError) in
            try await halt(machine, force: force)
        }
    }

    func halt(_ machine: Machine, force: Bool) async throws(MachineError) {
        let (provider, context) = try context(for: machine)
        let state = await provider.state(context)
        guard state == .running || state == .paused else {
            if state != .notCreated { output.targeting(machine.name).say("The machine is already halted.") }
            return
        }
        output.targeting(machine.name).say(force ? "Forcing shutdown of VM..." : "Attempting graceful shutdown of VM...")
        let timeout = machine.settings["graceful_halt_timeout"]?.int ?? 60
        try await provider.stop(context, force: force, timeout: Double(timeout))
        try await updateIndex(context, provider: provider, state: .poweroff)
    }

    /// `halt` then `up` for each machine that exists, one action (its `reload` triggers fire,
    /// not those of halt and up, as in Vagrant); machines not created are left as they are.
    public func reload(_ names: [String], options: UpOptions) async throws(MachineError) {
        let selected = try machines(names)
        let turns = ProvisionTurns(order: selected.map(\.name))
        let reload: @Sendable (Machine) async throws(MachineError) -> Void = { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            guard await provider.state(context) != .notCreated else {
                output.targeting(machine.name).say("VM not created. Moving on...")
                return
            }
            try await halt(machine, force: false)
            try await up(machine, options: options, turns: turns)
            await updateHostsFilesAfter([machine])
        }
        try await forEach(selected, action: "reload", parallel: options.parallel, finished: { await turns.finish($0.name) }, reload)
    }

    /// `graceful`: each machine is shut down as by `halt` first (within its destroy action).
    public func destroy(_ names: [String], graceful: Bool = false) async throws(MachineError) {
        let selected = try machines(names).reversed()
        let usedProviders = Set(selected.map { providerName(for: $0) })
        try await forEach(Array(selected), action: "destroy", parallel: true) { machine throws(MachineError) in
            if graceful { try await halt(machine, force: false) }
            // A damaged id is an error here (context), never "not created".
            let (provider, context) = try context(for: machine)
            guard let id = context.folder.id else {
                output.targeting(machine.name).say("VM not created. Moving on...")
                return
            }
            if await provider.state(context) == .running { output.targeting(machine.name).say("Forcing shutdown of VM...") }
            output.targeting(machine.name).say("Destroying VM and associated drives...")
            try await provider.destroy(context)
            CrashPoint.reach("destroy-provider-done")
            if let uuid = context.folder.indexUUID { try index.remove(uuid) }
            if let network, let subnet = network.subnet {
                network.removePort(subnet: subnet, mac: provider.macAddress(forMachine: id, nic: 2))
            }
            context.folder.removeAll()
            CrashPoint.reach("destroy-folder-removed")
        }
        await updateHostsFilesAfter(Array(selected))
        // The environment network goes with the environment's last machine. A machine whose id
        // file is there but damaged still counts: its network is not taken from under it.
        let remaining = environment.machines.contains { machine in
            MachineIDForm.isRecorded(folder(of: machine).file("id"))
        }
        if !remaining { await releaseNetwork(usedProviders: usedProviders) }
    }
}
