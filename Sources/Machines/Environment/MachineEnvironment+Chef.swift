import BoxerSupport
import Foundation
import Vagrantfile

/// The `chef_solo` and `chef_zero` provisioners, as Vagrant 2.3.4 runs them. Vagrant shares the
/// host's cookbooks, roles, data bags, environments and nodes with synced folders; boxer copies
/// them in before each run.
extension MachineEnvironment {
    func runChef(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        var chef = ChefRun(provisioner, root: environment.root)
        let name = context.machine.name
        let target = output.targeting(name)
        if chef.nodeName == nil {
            if let hostname = context.machine.hostname, !hostname.isEmpty {
                target.say("Using hostname \"\(hostname)\" as node name for Chef...")
                chef.nodeName = hostname
            } else {
                if context.folder.read("chef_node_name") == nil {
                    target.say("Auto-generating node name for Chef...")
                    let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                    try context.folder.write("chef_node_name", "vagrant-\(random)")
                }
                chef.nodeName = context.folder.read("chef_node_name")?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        let names = ["cookbooks": "cookbook", "nodes": "node", "data_bags": "databag", "roles": "role", "environments": "environment"]
        for (kind, path) in chef.missing { target.warn("The \(names[kind] ?? kind) path '\(path)' doesn't exist. Ignoring...") }

        let binary =
            chef.binaryPath.map { ($0 as NSString).appendingPathComponent(chef.zero ? "chef-client" : "chef-solo") }
            ?? (chef.zero ? "chef-client" : "chef-solo")
        let check = "sudo sh -c \(Communicator.quote("command -v \(binary)"))"
        if chef.install, try await communicator.capture(check).status != 0 {
            // Vagrant's omnibus install; it needs the guest to reach omnitruck.chef.io.
            let version = chef.version == "latest" ? "" : " -v \(chef.version)"
            target.detail("Installing Chef (\(chef.version))...")
            _ = try await communicator.run("curl -sL https://omnitruck.chef.io/install.sh | sudo bash -s -- -P chef -c stable\(version)") {
                line, _ in target.detail(line)
            }
        }
        let user = Communicator.quote(communicator.user)
        for path in [chef.provisioningPath, chef.fileBackupPath, chef.fileCachePath] {
            _ = try await communicator.capture("sudo mkdir -p \(path) && sudo chown -h \(user) \(path)")
        }
        for folder in chef.cookbooks + chef.roles + chef.dataBags + chef.environments + chef.nodes {
            guard let local = folder.local else { continue }
            let remote = Communicator.quote(folder.remote)
            let parent = Communicator.quote(HostFiles.parent(of: folder.remote))
            _ = try await communicator.capture("sudo rm -rf \(remote) && sudo mkdir -p \(parent) && sudo chown -h \(user) \(parent)")
            try await communicator.upload(local, to: folder.remote)
        }
        guard try await communicator.capture(check).status == 0 else { throw MachineError.chefNotDetected(machine: name) }

        let provisioning = chef.provisioningPath
        func upload(_ text: String, as file: String) async throws(MachineError) {
            _ = try await communicator.capture("sudo rm -f \(provisioning)/\(file)")
            try context.folder.write("chef-upload", text)
            defer { context.folder.remove("chef-upload") }
            try await communicator.upload(context.folder.file("chef-upload"), to: provisioning + "/" + file)
        }
        if let secret = chef.encryptedDataBagSecretKeyPath, let remote = chef.secretPath {
            target.say("Uploading chef encrypted data bag secret key...")
            _ = try await communicator.capture("sudo rm -f \(remote)")
            try await communicator.upload(HostFiles.absolute(secret, relativeTo: environment.root), to: remote)
        }
        target.say("Generating chef JSON and uploading...")
        try await upload(chef.dnaJSON, as: "dna.json")
        var custom: String?
        if let path = chef.customConfigPath {
            custom = provisioning + "/custom-config.rb"
            try await communicator.upload(HostFiles.absolute(path, relativeTo: environment.root), to: provisioning + "/custom-config.rb")
        }
        try await upload(chef.configFile(customConfiguration: custom), as: chef.configFileName)

        if chef.runList.isEmpty { target.warn("Warning: Chef run list is empty. This may not be what you want.") }
        let command = chef.command(colored: !output.isMachineReadable && isatty(STDOUT_FILENO) != 0)
        let program = chef.zero ? "chef-client (local-mode)" : "chef-solo"
        var converged = false
        for attempt in 0..<chef.attempts {
            target.say(attempt == 0 ? "Running \(program)..." : "Running \(program) again (failed to converge)...")
            let status = try await communicator.run("sudo sh -c \(Communicator.quote(command))") { line, _ in
                if !line.isEmpty { target.say(line) }
            }
            if status == 0 {
                converged = true
                break
            }
        }
        if let remote = chef.secretPath { _ = try await communicator.capture("sudo rm -f \(remote)") }
        guard converged else { throw MachineError.chefNoConvergence(machine: name) }
    }
}
