import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Networks
import Providers

struct GlobalStatus: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "global-status",
        abstract: "List the machines of every environment.",
        discussion: "Reads the machine index under $BOXER_HOME (Vagrant's format). --prune drops entries whose project or machine is gone."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Remove entries for machines that no longer exist.")
    var prune = false

    func run() async throws {
        let output = global.makeOutput()
        let home = BoxerHome()
        let index = MachineIndex(home: home)
        var entries = index.entries()
        if prune {
            // Gone: the project's folder no longer records the machine (or never got as far as
            // its id: a create killed after the index entry was written).
            let gone = entries.filter { uuid, entry in
                guard MachineFolder.isSafeName(entry.name), MachineFolder.isSafeName(entry.provider), entry.vagrantfilePath.hasPrefix("/")
                else { return true }
                let folder = MachineFolder(projectRoot: entry.vagrantfilePath, machineName: entry.name, provider: entry.provider)
                return folder.indexUUID != uuid || folder.recordedID == .absent
            }.map(\.key)
            try index.remove(gone)
            entries = index.entries()
            try await releaseAbandonedNetworks(home: home, output: output)
        }
        let sorted = entries.sorted(by: { $0.value.vagrantfilePath + $0.value.name < $1.value.vagrantfilePath + $1.value.name })
        // Vagrant's records: the count, then per machine its id, provider, folder and state.
        // Vagrant 2.3.4 leaves their target empty (it passes the name under a key it never
        // reads), and scripts written for it read them in that order; so does boxer.
        output.record("metadata", "machine-count", String(sorted.count))
        // Machines of providers that span hosts (libvirt) say which host runs them.
        let libvirt = LibvirtProvider(home: home)
        func location(_ entry: MachineIndex.Entry) -> String? {
            guard entry.provider == libvirt.name, MachineFolder.isSafeName(entry.name), entry.vagrantfilePath.hasPrefix("/") else {
                return nil
            }
            return libvirt.location(MachineFolder(projectRoot: entry.vagrantfilePath, machineName: entry.name, provider: entry.provider))
        }
        for (uuid, entry) in sorted {
            output.record("machine-id", String(uuid.prefix(7)))
            output.record("provider-name", entry.provider)
            output.record("machine-home", entry.vagrantfilePath)
            output.record("state", entry.state)
            if let host = location(entry) { output.record("host", host) }
        }
        var lines = ["id       name        provider   state        directory", String(repeating: "-", count: 72)]
        for (uuid, entry) in sorted {
            let provider = location(entry).map { "\(entry.provider)@\($0)" } ?? entry.provider
            lines.append(
                "\(String(uuid.prefix(7)).padded(to: 8)) \(entry.name.padded(to: 11)) \(provider.padded(to: 10)) \(entry.state.padded(to: 12)) \(entry.vagrantfilePath)"
            )
        }
        if entries.isEmpty {
            lines.append(
                "There are no active Vagrant environments on this computer! Or,\nyou haven't destroyed and recreated Vagrant environments that were\nstarted with an older version of Vagrant."
            )
        } else {
            lines.append(
                "\nThe above shows information about all known boxer environments\non this machine. This data is cached and may not be completely\nup-to-date (use \"boxer global-status --prune\" to prune invalid\nentries)."
            )
        }
        output.say(lines.joined(separator: "\n"))
    }
}

/// Environment networks whose project has no machine left (a `destroy` killed after the last
/// machine's folder was removed, a project folder deleted by hand): their switches are stopped,
/// their hypervisor networks removed and their subnets given back.
func releaseAbandonedNetworks(home: BoxerHome, output: Output) async throws {
    let registry = SubnetRegistry(home: home)
    let environments: [String: EnvironmentSubnet]
    environments = try registry.all()
    let providers: [any Provider] = [
        QEMUProvider(home: home), LibvirtProvider(home: home), VirtualBoxProvider(home: home), VMwareProvider(home: home),
        ParallelsProvider(home: home),
    ]
    for (project, subnet) in environments.sorted(by: { $0.value < $1.value }) where !MachineFolder.anyRecorded(inProject: project) {
        let network = EnvironmentNetwork(home: home, project: project, executable: currentExecutable())
        let hypervisorNetwork = InternalNetwork(name: InternalNetwork.name(subnet: subnet, project: project), subnet: subnet)
        // Hypervisors' own networks, and what carries the switch to remote hosts (libvirt).
        for provider in providers {
            await provider.removeInternalNetwork(hypervisorNetwork)
        }
        await network.release()
        output.say("Released \(subnet), the internal network of \(project), which has no machines left.")
    }
}
