import BoxerSupport
import Foundation
import Vagrantfile

/// `config.trigger`: what fires around each machine action and command, run as Vagrant 2.3.4
/// runs it (Vagrant::Plugin::V2::Trigger), with its messages.
extension MachineEnvironment {
    /// Fires the triggers of `action` on `machine` at `stage`: the action triggers (and `:all`
    /// ones), then, with typed triggers enabled, the hook triggers of `machine_action_<action>`.
    public func fireTriggers(_ stage: Trigger.Stage, action: String, machine: Machine) async throws(MachineError) {
        let matching = machine.triggers.filter { $0.fires(on: action, stage: stage, kind: .action, guest: machine.name, all: true) }
        if !matching.isEmpty {
            output.targeting(machine.name).say("Running action triggers \(stage.rawValue) \(action) ...")
            for trigger in matching { try await execute(trigger, machine: machine) }
        }
        try await fireHookTriggers(stage, hook: "machine_action_" + action, machine: machine)
    }

    /// Whether any trigger would fire for `action` on `machine` at `stage` (`ssh -c` runs ssh as
    /// a child instead of replacing boxer only when after triggers wait for it).
    public func hasTriggers(_ stage: Trigger.Stage, action: String, machine: Machine) -> Bool {
        machine.triggers.contains { trigger in
            trigger.fires(on: action, stage: stage, kind: .action, guest: machine.name, all: true)
                || (environment.typedTriggers
                    && trigger.fires(on: "machine_action_" + action, stage: stage, kind: .hook, guest: machine.name, all: false))
        }
    }

    /// With typed triggers enabled, fires `type: :hook` triggers of one of Vagrant's hooks that
    /// boxer has a step for: `machine_action_<action>` around an action, `provisioner_run`
    /// around each provisioner.
    func fireHookTriggers(_ stage: Trigger.Stage, hook: String, machine: Machine) async throws(MachineError) {
        guard environment.typedTriggers else { return }
        let hooks = machine.triggers.filter { $0.fires(on: hook, stage: stage, kind: .hook, guest: machine.name, all: false) }
        guard !hooks.isEmpty else { return }
        output.targeting(machine.name).say("Running hook triggers \(stage.rawValue) \(hook) ...")
        for trigger in hooks { try await execute(trigger, machine: machine) }
    }

    /// Fires `type: :command` triggers around a whole command (`boxer status`), which Vagrant
    /// fires only with `VAGRANT_EXPERIMENTAL=typed_triggers`; they belong to no machine.
    public func fireCommandTriggers(_ stage: Trigger.Stage, command: String) async throws(MachineError) {
        guard environment.typedTriggers else { return }
        let matching = environment.triggers.filter { $0.fires(on: command, stage: stage, kind: .command, guest: nil, all: false) }
        guard !matching.isEmpty else { return }
        output.targeting("boxer").say("Running command triggers \(stage.rawValue) \(command) ...")
        for trigger in matching { try await execute(trigger, machine: nil) }
    }

    private func execute(_ trigger: Trigger, machine: Machine?) async throws(MachineError) {
        let target = output.targeting(machine?.name ?? "boxer")
        target.say(trigger.name.map { "Running trigger: \($0)..." } ?? "Running trigger...")
        if let info = trigger.info { target.say(info) }
        if let warn = trigger.warn { target.warn(warn) }
        if let code = trigger.abort {
            target.warn("boxer has been configured to abort. Terminating now...")
            throw MachineError.triggerAborted(status: Int32(truncatingIfNeeded: code))
        }
        if let run = trigger.run {
            do throws(MachineError) {
                try await runOnHost(run, exitCodes: trigger.exitCodes, target: target)
            } catch {
                target.error("Trigger run failed")
                target.error(error.message)
                if !trigger.continuesOnError { throw MachineError.triggerFailed(trigger, error) }
                target.warn("Trigger configured to continue on error...")
            }
        }
        if let runRemote = trigger.runRemote {
            try await runInGuest(runRemote, trigger: trigger, machine: machine, target: target)
        }
        if let block = trigger.rubyBlock, let blocks = environment.rubyTriggerBlocks {
            let facts = await triggerFacts(for: machine)
            do throws(VagrantfileError) {
                try await blocks.call(block, environment: facts.environment, machine: facts.machine)
            } catch {
                throw MachineError.triggerBlockFailed(trigger, error)
            }
        }
    }

    /// `run`: a host program, its line split as Ruby's Shellwords splits it (no shell), run in
    /// boxer's working folder with the trigger's `env`; its output as detail lines.
    private func runOnHost(_ run: [String: ConfigValue], exitCodes: [Int], target: Output) async throws(MachineError) {
        var line: String
        if let inline = run["inline"]?.string {
            line = inline
            target.detail("Running local: Inline script\n\(inline)")
        } else if let path = run["path"]?.string {
            line = ShellWords.escape(HostFiles.absolute((path as NSString).expandingTildeInPath, relativeTo: environment.root))
            let arguments: [String]
            switch run["args"] {
            case .array(let items)?: arguments = items.map(\.description)
            case let single?: arguments = [single.description]
            case nil: arguments = []
            }
            if !arguments.isEmpty { line += " " + arguments.joined(separator: " ") }
            target.detail("Running local script: \(path)")
        } else {
            return
        }
        let words: [String]
        do throws(ShellWords.UnmatchedQuote) { words = try ShellWords.split(line) } catch {
            throw MachineError.triggerUnmatchedQuote(line)
        }
        guard let program = words.first else { return }
        var variables: [(String, String)] = []
        if case .object(let values)? = run["env"] {
            variables = values.keys.sorted().map { ($0, values[$0]?.string ?? "") }
        }
        let status = try await Programs.stream(program, Array(words.dropFirst()), environment: variables) { text, _ in
            target.detail(text)
        }
        guard exitCodes.contains(Int(status)) else { throw MachineError.triggerExitCode(status) }
    }

    /// `run_remote`: a shell provisioner's script in the running guest.
    private func runInGuest(_ settings: [String: ConfigValue], trigger: Trigger, machine: Machine?, target: Output)
        async throws(MachineError)
    {
        let refusal: MachineError?
        var reached: (Communicator, MachineContext)?
        if let machine {
            let (provider, context) = try context(for: machine)
            let state = await provider.state(context)
            if state == .notCreated {
                refusal = MachineError.triggerGuestMissing()
            } else if state != .running {
                refusal = MachineError.triggerGuestNotRunning(machine.name, state: state.rawValue)
            } else if let endpoint = provider.sshEndpoint(context) {
                reached = (try communicator(for: context, endpoint: endpoint), context)
                refusal = nil
            } else {
                refusal = MachineError.triggerGuestNotRunning(machine.name, state: state.rawValue)
            }
        } else {
            refusal = MachineError.triggerGuestMissing()
        }
        if let refusal {
            if !trigger.continuesOnError { throw refusal }
            target.error(refusal.message)
            target.warn("Trigger configured to continue on error...")
            return
        }
        guard let (communicator, context) = reached else { return }
        let script = Provisioner(name: trigger.name, type: "shell", run: "once", options: settings)
        do throws(MachineError) {
            try await runShell(script, context: context, communicator: communicator)
        } catch {
            target.error("Trigger run failed")
            if !trigger.continuesOnError { throw MachineError.triggerFailed(trigger, error) }
            target.error(error.message)
        }
    }

    /// What a `ruby` block's `env` and `machine` answer, read now for every machine (a block
    /// may look at the others through `env.machine`, and cannot wait for a provider itself).
    private func triggerFacts(for machine: Machine?) async -> (environment: TriggerEnvironmentFacts, machine: TriggerMachineFacts?) {
        var all: [TriggerMachineFacts] = []
        for candidate in environment.machines { all.append(await facts(of: candidate)) }
        let environmentFacts = TriggerEnvironmentFacts(
            root: environment.root, vagrantfileName: ((environment.vagrantfile ?? "Vagrantfile") as NSString).lastPathComponent,
            machineNames: environment.machines.map(\.name), primaryMachine: environment.machines.first { $0.primary }?.name,
            home: home.path, defaultProvider: environment.machines.first.map(defaultProvider) ?? "qemu",
            activeMachines: all.filter { $0.id != nil }.map { ($0.machine.name, $0.provider) }, machines: all, output: output)
        return (environmentFacts, machine.flatMap { machine in all.first { $0.machine.name == machine.name } })
    }

    private func facts(of machine: Machine) async -> TriggerMachineFacts {
        let providerName = providerName(for: machine)
        let folder = MachineFolder(projectRoot: environment.root, machineName: machine.name, provider: providerName)
        var state = MachineState.notCreated
        var communicator: Communicator?
        if let (provider, context) = try? context(for: machine) {
            state = await provider.state(context)
            if state == .running, let endpoint = provider.sshEndpoint(context) {
                communicator = try? self.communicator(for: context, endpoint: endpoint)
            }
        }
        let sshInfo = communicator.map {
            TriggerMachineFacts.SSHInfo(host: $0.endpoint.host, port: $0.endpoint.port, username: $0.user, privateKeyPath: $0.identities)
        }
        let reachable = communicator
        return TriggerMachineFacts(
            machine: machine.resolved(for: providerName), id: folder.id, state: state.rawValue, provider: providerName,
            dataDirectory: folder.path, sshInfo: sshInfo, output: output
        ) { command, sudo in
            guard let reachable else { return nil }
            return Communicator.runBlocking(reachable, sudo ? "sudo -E sh -c \(Communicator.quote(command))" : command)
        }
    }
}
