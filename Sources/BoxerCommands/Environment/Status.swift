import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Networks
import Vagrantfile

struct Status: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the state of the machines in this environment.",
        discussion: "Reads the Vagrantfile and lists each machine with its state and provider, as `vagrant status` does."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to show (default: all).")
    var names: [String] = []

    func run() throws {
        let output = global.makeOutput()
        let loader = VagrantfileLoader.forProject()
        let environment = try loader.load()
        let machines = try select(names, from: environment)
        let inUse = MachineFolder.anyInUse(inProject: environment.root)
        let states = MachineStates.read(machines, in: environment, inUse: inUse, output: output)
        // Vagrant's records: each machine's provider, then per machine its state, then the
        // same text as on a terminal.
        for (machine, state) in zip(machines, states) { output.targeting(machine.name).record("metadata", "provider", state.provider) }
        for (machine, state) in zip(machines, states) {
            let about = output.targeting(machine.name)
            about.record("provider-name", state.provider)
            about.record("state", state.id)
            about.record("state-human-short", state.state)
            about.record("state-human-long", state.explanation)
            if let location = state.location { about.record("host", location) }
        }
        var text = "Current machine states:\n\n"
        for (machine, state) in zip(machines, states) {
            let provider = state.location.map { "\(state.provider) on \($0)" } ?? state.provider
            text += machine.name.padded(to: max(25, machine.name.count + 1)) + " \(state.state) (\(provider))\n"
        }
        text += "\n"
        // The network is said while it exists, also when its machines are gone (a destroy that
        // was killed before it released the network leaves X reserved and the switch running).
        if inUse
            || SubnetRegistry(home: loader.home).recordedSubnet(for: environment.root) != nil
        {
            let lines = networkLines(machines, states: states, in: environment)
            if !lines.isEmpty { text += lines.joined(separator: "\n") + "\n\n" }
        }
        let failed = states.filter(\.failed)
        if machines.count == 1, let only = states.first, !only.failed {
            text += only.explanation
        } else if failed.isEmpty {
            text +=
                "This environment represents multiple VMs. The VMs are all listed\nabove with their current state. For more information about a specific\nVM, run `boxer status NAME`."
        }
        output.say(text.trimmingSuffix("\n"))
        // A state boxer could not read is said, and the command fails, rather than guessed.
        guard failed.isEmpty else { throw CommandError.unreadableStates(failed.map(\.explanation)) }
    }
}

/// Each machine's state for `status`. A project where boxer created nothing (no id file and no
/// QEMU pidfile under `.vagrant/machines`) is answered without asking any provider: that is every
/// `status` before the first `up`, and it stays a few milliseconds.
enum MachineStates {
    struct Entry {
        let provider: String
        /// Vagrant's state id (`not_created`, `running`, `poweroff`...), `unknown` when unread.
        let id: String
        /// The words `status` prints.
        let state: String
        let explanation: String
        /// The state could not be read (a damaged id): `explanation` says why.
        var failed = false
        /// Where the machine runs when the provider spans hosts (libvirt: the host).
        var location: String?
    }

    /// `inUse`: `MachineFolder.anyInUse` for the project, which the caller has asked already.
    static func read(_ machines: [Machine], in environment: VagrantEnvironment, inUse: Bool, output: Output) -> [Entry] {
        let notCreated =
            "The environment has not yet been created. Run `boxer up` to\ncreate the environment. If a machine is not created, only the\ndefault provider will be shown. So if a provider is not listed,\nthen the machine is not created for that environment."
        // Nothing boxer created here (no id, no pidfile): no provider is asked, and `status`
        // stays a few milliseconds even where Vagrant's own runs made `.vagrant/machines`.
        guard inUse else {
            return machines.map {
                Entry(
                    provider: DefaultProvider.choose(for: $0), id: MachineState.notCreated.rawValue, state: "not created",
                    explanation: notCreated)
            }
        }
        return liveStates(machines, in: environment, notCreated: notCreated, output: output)
    }
}

/// Picks machines by name, failing with the known names when one is unknown.
func select(_ names: [String], from environment: VagrantEnvironment) throws -> [Machine] {
    guard !names.isEmpty else { return environment.machines }
    return try names.map { name in
        guard let machine = environment.machine(named: name) else {
            throw CommandError.machineNotDefined(
                name: name, vagrantfile: environment.vagrantfile, machines: environment.machines.map(\.name))
        }
        return machine
    }
}

/// Vagrant's default provider rules: $BOXER_DEFAULT_PROVIDER / $VAGRANT_DEFAULT_PROVIDER, then
/// the machine's first provider block, then boxer's own (qemu).
/// Vagrant's rules for a machine's provider when `--provider` is not given: the environment
/// variable; else the Vagrantfile's provider blocks in order, the first usable one; else the
/// preferred providers (`$BOXER_PREFERRED_PROVIDERS` / `$VAGRANT_PREFERRED_PROVIDERS`), the
/// first usable; else the first usable provider boxer has (QEMU).
enum DefaultProvider {
    static let known = ["qemu", "virtualbox", "vmware_desktop", "parallels"]

    static func choose(
        for machine: Machine, environment: [String: String] = ProcessInfo.processInfo.environment,
        usable: (String) -> Bool = { $0 == "qemu" }
    ) -> String {
        let order = machine.providerOrder
        if let configured = environment["BOXER_DEFAULT_PROVIDER"] ?? environment["VAGRANT_DEFAULT_PROVIDER"], !configured.isEmpty {
            return configured
        }
        if let first = order.first(where: usable) { return first }
        let preferred = (environment["BOXER_PREFERRED_PROVIDERS"] ?? environment["VAGRANT_PREFERRED_PROVIDERS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if let first = preferred.first(where: usable) { return first }
        // Nothing usable: the Vagrantfile's first block, so the error names what it asked for.
        return known.first(where: usable) ?? order.first ?? "qemu"
    }
}
