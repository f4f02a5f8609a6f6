import BoxerSupport
import Foundation
import Vagrantfile

/// The `puppet` provisioner (puppet apply), as Vagrant 2.3.4 runs it. Vagrant shares the host's
/// manifests, environments and modules with synced folders; boxer copies them in before each run.
extension MachineEnvironment {
    func runPuppet(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let puppet = PuppetApply(provisioner, root: environment.root)
        let name = context.machine.name
        let target = output.targeting(name)
        let temporary = Communicator.quote(puppet.temporaryFolder)
        _ = try await communicator.capture("sudo mkdir -p \(temporary); sudo chmod 0777 \(temporary)")

        var copies: [(host: String, guest: String)] = []
        if let manifests = puppet.manifests, manifests.onHost, let guest = puppet.manifestsGuestPath {
            copies.append((HostFiles.absolute(manifests.path, relativeTo: environment.root), guest))
        }
        if let environments = puppet.environmentPath, environments.onHost, let guest = puppet.environmentsGuestPath {
            copies.append((HostFiles.absolute(environments.path, relativeTo: environment.root), guest))
        }
        copies += puppet.moduleFolders
        for copy in copies {
            guard HostFiles.kind(of: copy.host) == .directory else { throw MachineError.puppetFolderMissing(copy.host) }
            _ = try await communicator.capture("rm -rf \(Communicator.quote(copy.guest))")
            try await communicator.upload(copy.host, to: copy.guest)
        }

        var binary = "puppet"
        if try await communicator.capture("sh -c 'command -v puppet'").status != 0 {
            guard try await communicator.capture("sudo test -x /opt/puppetlabs/bin/puppet").status == 0 else {
                throw MachineError.puppetNotDetected(machine: name)
            }
            binary = "/opt/puppetlabs/bin/puppet"
        }
        if let hiera = puppet.hieraConfigPath {
            try await communicator.upload(
                HostFiles.absolute(hiera, relativeTo: environment.root), to: puppet.temporaryFolder + "/hiera.yaml")
        }
        if puppet.structuredFacts, !puppet.facter.isEmpty {
            try context.folder.write("vagrant_facts.yaml", puppet.factsYAML)
            defer { context.folder.remove("vagrant_facts.yaml") }
            try await communicator.upload(context.folder.file("vagrant_facts.yaml"), to: puppet.temporaryFolder + "/vagrant_facts.yaml")
            _ = try await communicator.capture(
                "sudo mkdir -p /etc/puppetlabs/facter/facts.d && sudo cp \(temporary)/vagrant_facts.yaml /etc/puppetlabs/facter/facts.d/vagrant_facts.yaml"
            )
        }
        target.say(
            puppet.environmentPath != nil
                ? "Running Puppet with environment \(puppet.environment)..." : "Running Puppet with \(puppet.manifestFile ?? "")...")
        let command = puppet.command(binary: binary, color: false)
        let status = try await communicator.run("sudo sh -c \(Communicator.quote(command))") { line, _ in
            if !line.isEmpty { target.say(line) }
        }
        // --detailed-exitcodes: 2 means changes were applied.
        guard status == 0 || status == 2 else {
            throw MachineError.provisionerFailed("puppet", command: command, machine: name, status: status)
        }
    }
}
