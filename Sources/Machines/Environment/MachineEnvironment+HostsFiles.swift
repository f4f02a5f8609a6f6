import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// Hosts files across the environment, as the vagrant-hostmanager plugin keeps them (built in):
/// every guest's /etc/hosts lists every machine's address on the environment network with its
/// hostname and aliases, in a block marked with the project's id.
extension MachineEnvironment {
    /// After `up`, `reload` or `destroy`: when the acting machines have `hostmanager.enabled`,
    /// every running guest that manages its file gets the current block, and the host's file
    /// too when `manage_host` asks for it.
    func updateHostsFilesAfter(_ machines: [Machine]) async {
        let acting = machines.filter(\.hostManager.enabled)
        guard !acting.isEmpty else { return }
        await hostsLock.withLock {
            let block = await hostsBlock()
            output.targeting(nil).say("[hostmanager:guests] Updating hosts file on active guest virtual machines...")
            for machine in environment.machines where machine.hostManager.manageGuest {
                await writeGuestHosts(block, machine: machine)
            }
            if acting.contains(where: \.hostManager.manageHost) { writeHostHosts(block) }
        }
    }

    /// The `hostmanager` provisioner: this machine's file (and the host's with `manage_host`).
    func runHostManagerProvisioner(_ context: MachineContext) async {
        await hostsLock.withLock {
            let block = await hostsBlock()
            await writeGuestHosts(block, machine: context.machine)
            if context.machine.hostManager.manageHost { writeHostHosts(block) }
        }
    }

    /// The block for the environment as it is now: machines that are running (and, with
    /// `include_offline`, created ones whose address is fixed), in the Vagrantfile's order.
    func hostsBlock() async -> HostsBlock {
        var entries: [HostsBlock.Entry] = []
        let plan = try? staticAddresses()
        let subnet = network?.subnet
        for machine in environment.machines {
            guard let (provider, context) = try? context(for: machine), let id = context.folder.id else { continue }
            let running = await provider.state(context) == .running
            let settings = context.machine.hostManager
            guard running || settings.includeOffline else { continue }
            var address: String?
            if settings.ignorePrivateIP {
                address = running ? provider.sshEndpoint(context)?.host : nil
            } else if let fixed = plan?.addresses[machine.name] {
                address = fixed
            } else if let subnet, let network {
                address = network.lease(subnet: subnet, mac: provider.macAddress(forMachine: id, nic: 2)).map { "\($0.address)" }
            }
            guard let address else { continue }
            let hostname = context.machine.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? machine.name
            var names = [hostname]
            for alias in settings.aliases where !names.contains(alias) { names.append(alias) }
            entries.append(HostsBlock.Entry(address: address, names: names))
        }
        return HostsBlock(id: hostsBlockID(), entries: entries)
    }

    /// The project's id in hosts files, kept where vagrant-hostmanager keeps it.
    func hostsBlockID() -> String {
        let folder = environment.root + "/.vagrant/hostmanager"
        let file = folder + "/id"
        if let text = try? HostFiles.readText(at: file, limit: 4096) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        let id = UUID().uuidString.lowercased()
        try? PrivateFiles.makeFolders(folder)
        try? PrivateFiles.writeAtomically(file, id)
        return id
    }

    private func writeGuestHosts(_ block: HostsBlock, machine: Machine) async {
        guard let (provider, context) = try? context(for: machine), await provider.state(context) == .running,
            let endpoint = provider.sshEndpoint(context), let communicator = try? communicator(for: context, endpoint: endpoint)
        else { return }
        let status = try? await communicator.run("sudo sh -c \(Communicator.quote(block.guestScript))")
        if status != 0 {
            output.targeting(machine.name).warn(
                "Could not update /etc/hosts in the guest (status \(status.map(String.init) ?? "unknown")).")
        }
    }

    /// The host's hosts file: only boxer's block is touched. Without the rights to write it,
    /// boxer says so and how to give them, and goes on.
    private func writeHostHosts(_ block: HostsBlock) {
        let path = ProcessInfo.processInfo.environment["BOXER_HOSTS_FILE"] ?? "/etc/hosts"
        output.targeting(nil).say("[hostmanager:host] Updating hosts file on your workstation (\(path))...")
        let current = (try? HostFiles.readText(at: path, limit: 16 << 20)) ?? ""
        let updated = block.rewrite(current)
        guard updated != current else { return }
        guard FileManager.default.isWritableFile(atPath: path), let data = updated.data(using: .utf8),
            (try? data.write(to: URL(fileURLWithPath: path))) != nil
        else {
            output.targeting(nil).warn(
                "boxer cannot write \(path) (it needs root): the host's names for this environment were not updated. Run boxer as a user who may write it, or add these lines yourself:\n\(block.text)"
            )
            return
        }
    }
}
