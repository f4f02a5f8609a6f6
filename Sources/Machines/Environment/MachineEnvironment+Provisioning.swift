import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// Provisioners: shell (inline or path) and file over the SSH communicator; Ansible (host and
/// local) in MachineEnvironment+Ansible.
extension MachineEnvironment {
    public func provision(_ names: [String], only: [String]) async throws(MachineError) {
        let selected = try machines(names)
        // One machine after another, in the Vagrantfile's order, as Vagrant provisions.
        try await forEach(selected, action: "provision", parallel: false) { machine throws(MachineError) in
            let (communicator, context) = try await communicator(for: machine)
            _ = communicator
            let (provider, _) = try self.context(for: machine)
            try await runProvisioners(context, provider: provider, all: true, only: only, skipAll: false)
        }
    }

    func runProvisioners(_ context: MachineContext, provider: any Provider, all: Bool, only: [String], skipAll: Bool)
        async throws(MachineError)
    {
        guard !skipAll else { return }
        let name = context.machine.name
        guard let endpoint = provider.sshEndpoint(context) else { return }
        let communicator = try communicator(for: context, endpoint: endpoint)
        var ran = false
        for provisioner in context.machine.provisioners {
            let label = provisioner.name ?? provisioner.type
            if !only.isEmpty {
                guard only.contains(label) || only.contains(provisioner.type) else { continue }
            } else {
                switch provisioner.run {
                case "never": continue
                case "always": break
                default: if !all { continue }
                }
            }
            try await fireHookTriggers(.before, hook: "provisioner_run", machine: context.machine)
            output.targeting(name).say("Running provisioner: \(label) (\(provisioner.type))...")
            switch provisioner.type {
            case "shell": try await runShell(provisioner, context: context, communicator: communicator)
            case "file": try await runFile(provisioner, context: context, communicator: communicator)
            case "hostmanager": await runHostManagerProvisioner(context)
            case "ansible": try await runAnsible(provisioner, context: context, communicator: communicator)
            case "ansible_local": try await runAnsibleLocal(provisioner, context: context, communicator: communicator)
            case "docker", "podman": try await runContainers(provisioner, context: context, communicator: communicator)
            case "puppet": try await runPuppet(provisioner, context: context, communicator: communicator)
            case "salt": try await runSalt(provisioner, context: context, communicator: communicator)
            case "chef_solo", "chef_zero": try await runChef(provisioner, context: context, communicator: communicator)
            default:
                output.targeting(name).warn("The '\(provisioner.type)' provisioner is not supported by boxer; skipped.")
            }
            try await fireHookTriggers(.after, hook: "provisioner_run", machine: context.machine)
            ran = true
        }
        if all || ran, let id = context.folder.id {
            try context.folder.write("action_provision", "1.5:\(id)")
        }
    }

    func runShell(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let name = context.machine.name
        let script: String
        if let inline = provisioner.inline {
            script = inline
        } else if let path = provisioner.path {
            let file = HostFiles.absolute(path, relativeTo: environment.root)
            guard let text = try? HostFiles.readText(at: file, limit: 16 << 20) else {
                throw MachineError.unreadableScript(file, path: path)
            }
            script = text
        } else {
            throw MachineError.shellWithoutScript(machine: name)
        }
        let upload = provisioner.options["upload_path"]?.string ?? "/tmp/vagrant-shell"
        // In the machine's own folder, under one name: a kill -9 leaves nothing in $TMPDIR, and
        // what it leaves goes with the machine's folder.
        let local = context.folder.file("provision-script")
        try context.folder.write("provision-script", script)
        CrashPoint.reach("provision-script-written")
        defer { context.folder.remove("provision-script") }
        try await communicator.upload(local, to: upload)
        let environment = provisioner.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Communicator.quote($0.value))" }.joined(
            separator: " ")
        // Vagrant passes an `args` string to the script as written (the shell splits it) and an
        // array as one argument per item.
        let arguments: String
        if case .string(let raw)? = provisioner.options["args"] {
            arguments = raw
        } else {
            arguments = provisioner.arguments.map(Communicator.quote).joined(separator: " ")
        }
        let uploaded = Communicator.quote(upload)
        var command = "chmod +x \(uploaded) && "
        command +=
            provisioner.privileged
            ? communicator.privileged("env \(environment) \(uploaded) \(arguments)") : "env \(environment) \(uploaded) \(arguments)"
        let output = self.output
        let status = try await communicator.run(command) { line, isError in
            if isError { output.targeting(name).warn(line) } else { output.targeting(name).detail(line) }
        }
        guard status == 0 else {
            throw MachineError.shellFailed(provisioner.name, machine: name, status: status)
        }
    }

    func runFile(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        guard let source = provisioner.source, let destination = provisioner.destination else {
            throw MachineError.fileWithoutEnds(machine: context.machine.name)
        }
        let local = HostFiles.absolute((source as NSString).expandingTildeInPath, relativeTo: environment.root)
        guard HostFiles.exists(local) else {
            throw MachineError.fileSourceMissing(local)
        }
        try await communicator.upload(local, to: destination)
    }
}

/// Machines of one `up` boot side by side but provision in the order the Vagrantfile defines
/// them, as with Vagrant's sequential providers: projects rely on it (a first machine's
/// playbook that a later one builds on, an Ansible run with `limit: "all"` from the last
/// machine, which needs the others up).
actor ProvisionTurns {
    private let order: [String]
    private var finished: Set<String> = []
    private var waiting: [(name: String, continuation: CheckedContinuation<Void, Never>)] = []

    init(order: [String]) { self.order = order }

    /// Returns once every machine before `name` has finished (provisioned, or failed).
    func wait(for name: String) async {
        if isTurn(of: name) { return }
        await withCheckedContinuation { waiting.append((name, $0)) }
    }

    func finish(_ name: String) {
        finished.insert(name)
        let ready = waiting.filter { isTurn(of: $0.name) }
        waiting.removeAll { isTurn(of: $0.name) }
        for waiter in ready { waiter.continuation.resume() }
    }

    private func isTurn(of name: String) -> Bool {
        order.prefix { $0 != name }.allSatisfy(finished.contains)
    }
}
