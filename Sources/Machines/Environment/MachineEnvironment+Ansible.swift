import BoxerSupport
import Foundation
import Vagrantfile

/// The `ansible` (host) and `ansible_local` (guest) provisioners, run as Vagrant 2.3.4 runs them.
extension MachineEnvironment {
    /// `ansible`: `ansible-playbook` on the host, over the machine's forwarded SSH port, with the
    /// inventory Vagrant generates (or the user's own).
    func runAnsible(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let settings = AnsibleSettings(provisioner)
        let name = context.machine.name
        let target = output.targeting(name)
        let root = environment.root
        try checkAnsibleFiles(settings, system: "host") { path, directory in
            let kind = HostFiles.kind(of: HostFiles.absolute(path, relativeTo: root))
            return directory ? kind != nil : (kind != nil && kind != .directory)
        }
        if settings.askBecomePass || settings.askVaultPass, isatty(STDIN_FILENO) == 0 {
            throw MachineError.ansibleNeedsTerminal(settings.askBecomePass ? "ask_become_pass" : "ask_vault_pass")
        }
        guard let playbookCommand = Programs.find(settings.playbookCommand) else {
            throw MachineError.ansibleNotOnHost(settings.playbookCommand)
        }
        let version: String?
        if Programs.find("ansible") != nil, let run = try? await Programs.run("ansible", ["--version"]), run.succeeded {
            version = AnsibleInvocation.version(fromVersionOutput: run.output)
        } else {
            version = nil
        }
        let invocation = try ansibleInvocation(settings, machine: name, version: version, system: "host", target: target)

        let inventory: String
        if let path = settings.inventoryPath {
            inventory = path
        } else {
            inventory = root + "/.vagrant/provisioners/ansible/inventory"
            let hosts = await ansibleHosts()
            try writeInventory(invocation.hostInventory(hosts), folder: inventory, file: "vagrant_ansible_inventory")
        }
        let rolesPath = HostFiles.absolute(
            settings.galaxyRolesPath ?? (HostFiles.parent(of: HostFiles.absolute(settings.playbook, relativeTo: root)) + "/roles"),
            relativeTo: root)
        let key = Self.ansiblePrivateKey(context: context, communicator: communicator)
        let sshArguments = invocation.sshArguments(privateKeys: [key], forwardAgent: context.machine.ssh.forwardAgent)
        let variables = invocation.environment(rolesPath: rolesPath, sshArguments: sshArguments)
        let show: @Sendable (String, Bool) -> Void = { line, _ in target.detail(line) }

        if let roleFile = settings.galaxyRoleFile {
            let arguments = invocation.galaxyArguments(roleFile: HostFiles.absolute(roleFile, relativeTo: root), rolesPath: rolesPath)
            target.detail("Running ansible-galaxy...")
            if settings.verbosity != nil {
                target.detail(invocation.shellLine(command: arguments.joined(separator: " "), arguments: [], environment: variables))
            }
            guard let galaxy = arguments.first.flatMap({ Programs.find($0) }) else {
                throw MachineError.ansibleNotOnHost(arguments.first ?? "ansible-galaxy")
            }
            let galaxyVariables = variables.filter { $0.0 == "ANSIBLE_CONFIG" }
            let status = try await Programs.stream(
                galaxy, Array(arguments.dropFirst()), environment: galaxyVariables, workingDirectory: root, line: show)
            guard status == 0 else { throw MachineError.ansibleFailed(machine: name, step: "ansible-galaxy", status: status) }
        }
        let arguments = invocation.playbookArguments(inventory: inventory, user: communicator.user)
        target.detail("Running ansible-playbook...")
        if settings.verbosity != nil {
            target.detail(invocation.shellLine(command: settings.playbookCommand, arguments: arguments, environment: variables))
        }
        let status = try await Programs.stream(playbookCommand, arguments, environment: variables, workingDirectory: root, line: show)
        guard status == 0 else { throw MachineError.ansibleFailed(machine: name, step: "ansible-playbook", status: status) }
    }

    /// `ansible_local`: Ansible in the guest, against the synced project folder.
    func runAnsibleLocal(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let settings = AnsibleSettings(provisioner)
        let name = context.machine.name
        let target = output.targeting(name)
        let base = settings.provisioningPath
        // Existence in the guest, one `test` for all (each SSH round trip costs a slow guest).
        var missing: (option: String, path: String)?
        for (option, path, flag) in Self.ansibleFiles(settings) {
            let remote = HostFiles.absolute(path, relativeTo: base)
            let check = try await communicator.capture("test \(flag) \(Communicator.quote(remote))")
            if check.status != 0 {
                missing = (option, remote)
                break
            }
        }
        if let missing { throw MachineError.ansibleFileMissing(missing.option, path: missing.path, system: "guest") }

        var installed = try await communicator.capture("test -x \"$(command -v ansible)\"").status == 0
        if settings.install, !installed || settings.version == "latest" {
            target.detail("Installing Ansible...")
            let install = Self.ansibleInstallCommand(settings)
            let status = try await communicator.run(install) { line, _ in target.detail(line) }
            installed = try await communicator.capture("test -x \"$(command -v ansible)\"").status == 0
            if !installed {
                throw MachineError.ansibleNotOnGuest(machine: name, reason: "installing it failed (status \(status))")
            }
        }
        guard installed else { throw MachineError.ansibleNotOnGuest(machine: name, reason: "`install` is false") }
        let versionRun = try await communicator.capture("ansible --version")
        let version = versionRun.status == 0 ? AnsibleInvocation.version(fromVersionOutput: versionRun.output) : nil
        let invocation = try ansibleInvocation(settings, machine: name, version: version, system: "guest", target: target)

        let inventory: String
        if let path = settings.inventoryPath {
            inventory = path
        } else {
            inventory = settings.temporaryPath + "/inventory"
            let file = inventory + "/vagrant_ansible_local_inventory"
            let text = invocation.localInventory(machines: environment.machines.map(\.name))
            let prepare =
                "sudo mkdir -p \(Communicator.quote(inventory)) && sudo chown -R -h \(Communicator.quote(communicator.user)) \(Communicator.quote(settings.temporaryPath)) && rm -f \(Communicator.quote(file))"
            let prepared = try await communicator.capture(prepare)
            guard prepared.status == 0 else {
                throw MachineError.ansibleInventoryNotWritten(machine: name, folder: inventory, prepared.error)
            }
            let local = context.folder.file("ansible-local-inventory")
            try context.folder.write("ansible-local-inventory", text)
            defer { context.folder.remove("ansible-local-inventory") }
            try await communicator.upload(local, to: file)
        }
        let rolesPath = HostFiles.absolute(
            settings.galaxyRolesPath ?? (HostFiles.parent(of: HostFiles.absolute(settings.playbook, relativeTo: base)) + "/roles"),
            relativeTo: base)
        let variables = invocation.environment(rolesPath: rolesPath, sshArguments: nil)
        let show: @Sendable (String, Bool) -> Void = { line, _ in target.detail(line) }
        if let roleFile = settings.galaxyRoleFile {
            let galaxy = invocation.galaxyArguments(
                roleFile: Communicator.quote(HostFiles.absolute(roleFile, relativeTo: base)), rolesPath: Communicator.quote(rolesPath))
            let line =
                "cd \(base) && " + invocation.shellLine(command: galaxy.joined(separator: " "), arguments: [], environment: variables)
            target.detail("Running ansible-galaxy...")
            if settings.verbosity != nil { target.detail(line) }
            let status = try await communicator.run(line, line: show)
            guard status == 0 else { throw MachineError.ansibleFailed(machine: name, step: "ansible-galaxy", status: status) }
        }
        let arguments = invocation.playbookArguments(inventory: inventory, user: nil)
        let line = "cd \(base) && " + invocation.shellLine(command: settings.playbookCommand, arguments: arguments, environment: variables)
        target.detail("Running ansible-playbook...")
        if settings.verbosity != nil { target.detail(line) }
        let status = try await communicator.run(line, line: show)
        guard status == 0 else { throw MachineError.ansibleFailed(machine: name, step: "ansible-playbook", status: status) }
    }

    /// The files an Ansible provisioner names, with the `test` flag each must pass (Vagrant's
    /// check_files_existence): (option, path, flag).
    static func ansibleFiles(_ settings: AnsibleSettings) -> [(String, String, String)] {
        var files: [(String, String, String)] = [("playbook", settings.playbook, "-f")]
        if let path = settings.inventoryPath { files.append(("inventory_path", path, "-e")) }
        if let path = settings.configFile { files.append(("config_file", path, "-f")) }
        if let extra = settings.extraVars, extra.hasPrefix("@") { files.append(("extra_vars", String(extra.dropFirst()), "-f")) }
        if let path = settings.galaxyRoleFile { files.append(("galaxy_role_file", path, "-f")) }
        if let path = settings.vaultPasswordFile { files.append(("vault_password_file", path, "-f")) }
        return files
    }

    func checkAnsibleFiles(_ settings: AnsibleSettings, system: String, exists: (String, _ directory: Bool) -> Bool)
        throws(MachineError)
    {
        for (option, path, flag) in Self.ansibleFiles(settings) where !exists(path, flag == "-e") {
            throw MachineError.ansibleFileMissing(option, path: HostFiles.absolute(path, relativeTo: environment.root), system: system)
        }
    }

    /// The invocation for one run: its compatibility mode, colour when boxer's output is a terminal.
    func ansibleInvocation(_ settings: AnsibleSettings, machine: String, version: String?, system: String, target: Output)
        throws(MachineError) -> AnsibleInvocation
    {
        let mode = try ansibleMode(settings, version: version, system: system, target: target)
        var invocation = AnsibleInvocation(settings: settings, machine: machine, compatibilityMode: mode)
        invocation.color = !output.isMachineReadable && isatty(STDOUT_FILENO) != 0
        return invocation
    }

    /// The compatibility mode to use: the one set, else detected from the version (1.8 when it
    /// cannot be, with Vagrant's warning); and the version check of `version`.
    func ansibleMode(_ settings: AnsibleSettings, version: String?, system: String, target: Output) throws(MachineError) -> String {
        let major = version.flatMap { $0.split(separator: ".").first }.flatMap { Int($0) }
        var mode = settings.compatibilityMode
        if let major, let version {
            if mode == "auto" {
                mode = major <= 1 ? "1.8" : "2.0"
            } else if major < 2, mode == "2.0" {
                throw MachineError.ansibleCompatibilityConflict(system: system, version: version)
            }
        }
        if mode == "auto" {
            mode = "1.8"
            target.warn(
                "Vagrant has automatically selected the compatibility mode '1.8'\naccording to the Ansible version installed (\(version ?? "unknown")).\n\nAlternatively, the compatibility mode can be specified in your Vagrantfile:\nhttps://www.vagrantup.com/docs/provisioning/ansible_common.html#compatibility_mode"
            )
        }
        if let version, !settings.version.isEmpty, settings.version != "latest", settings.version != version {
            throw MachineError.ansibleVersionMismatch(system: system, required: settings.version, current: version)
        }
        return mode
    }

    /// How Vagrant installs Ansible in a Debian-family guest for each `install_mode`.
    static func ansibleInstallCommand(_ settings: AnsibleSettings) -> String {
        let pip =
            settings.pipInstallCommand.isEmpty
            ? "curl https://bootstrap.pypa.io/get-pip.py | sudo python3" : settings.pipInstallCommand
        let version = settings.version.isEmpty || settings.version == "latest" ? "" : "==\(settings.version)"
        switch settings.installMode {
        case "pip":
            return
                "sudo apt-get update -y -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dev curl && \(pip) && sudo pip3 install \(settings.pipArguments) ansible\(version)"
        case "pip_args_only":
            return
                "sudo apt-get update -y -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dev curl && \(pip) && sudo pip3 install \(settings.pipArguments)"
        default:
            return
                "sudo apt-get update -y -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --option \"Dpkg::Options::=--force-confold\" ansible"
        }
    }

    /// The key the inventory names for a machine: its own once it has one, else the ones the
    /// Vagrantfile gives, else Vagrant's insecure key.
    static func ansiblePrivateKey(context: MachineContext, communicator: Communicator) -> String {
        communicator.identities.first { HostFiles.kind(of: $0) == .regular } ?? context.folder.privateKey
    }

    /// Every created machine of the environment, as the inventory lists it.
    func ansibleHosts() async -> [AnsibleInvocation.Host] {
        var hosts: [AnsibleInvocation.Host] = []
        for machine in environment.machines {
            guard let (provider, context) = try? context(for: machine), context.folder.id != nil else { continue }
            let user = context.machine.ssh.username ?? "vagrant"
            guard await provider.state(context) == .running, let endpoint = provider.sshEndpoint(context),
                let communicator = try? communicator(for: context, endpoint: endpoint)
            else {
                hosts.append(.init(name: machine.name, address: nil, port: 0, user: user, privateKey: ""))
                continue
            }
            hosts.append(
                .init(
                    name: machine.name, address: endpoint.host, port: endpoint.port, user: user,
                    privateKey: Self.ansiblePrivateKey(context: context, communicator: communicator)))
        }
        return hosts
    }

    /// Writes the inventory only when it changed, atomically, under a lock: machines provisioned
    /// at once share one file.
    func writeInventory(_ text: String, folder: String, file: String) throws(MachineError) {
        let path = folder + "/" + file
        do {
            try PrivateFiles.makeFolders(folder)
            // Beside the folder, not in it: Ansible reads every file of an inventory folder.
            let lock = try FileLock.acquire(URL(fileURLWithPath: folder + ".lock"))
            defer { withExtendedLifetime(lock) {} }
            if (try? HostFiles.readText(at: path, limit: 16 << 20)) == text { return }
            try PrivateFiles.writeAtomically(path, text)
        } catch {
            throw MachineError.cannotWriteInventory(path, error)
        }
    }
}
