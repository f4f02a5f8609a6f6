import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// The environment network (NIC2): one /24 per project, its switch or the hypervisor's
/// own network, and the machines' static addresses on it.
extension MachineEnvironment {
    /// The static NIC2 addresses of the environment's machines, checked.
    public func staticAddresses() throws(MachineError) -> StaticAddresses {
        try StaticAddresses.plan(environment.machines.map { $0.resolved(for: providerName(for: $0)) })
    }

    func folder(of machine: Machine) -> MachineFolder {
        MachineFolder(projectRoot: environment.root, machineName: machine.name, provider: providerName(for: machine))
    }

    public var network: EnvironmentNetwork? {
        switchExecutable.map { EnvironmentNetwork(home: home, project: environment.root, executable: $0) }
    }

    /// Puts the environment's network in place for a machine about to boot (its X, the switch
    /// or the hypervisor's network, the static addresses) and says how NIC2 attaches; nil when
    /// this boxer runs without environment networks.
    func joinNetwork(provider: any Provider, machine: Machine, id: String, plan: StaticAddresses) async throws(MachineError)
        -> InternalNetworkAttachment?
    {
        guard let network else { return nil }
        let mac = provider.macAddress(forMachine: id, nic: 2)
        defer {
            // Chosen clear of the host's networks, but the host may have joined another since.
            if let subnet = network.subnet {
                let clashes = network.registry.hostClashes(subnet)
                if !clashes.isEmpty {
                    let remedy =
                        subnet.standardX == nil
                        ? "The Vagrantfile's static addresses chose it: put them in another /24 if the guests need to reach those addresses."
                        : "`boxer destroy` every machine and `boxer up` again to move to a free 192.168.X.0/24."
                    output.targeting(machine.name).warn(
                        "This environment's internal network \(subnet) overlaps a network this host is now on (\(clashes.map(\.description).joined(separator: ", "))): the guests cannot reach those host-side addresses through NAT. \(remedy)"
                    )
                }
            }
        }
        let environment = self.environment
        let result = await networkLock.withLock { () async -> Result<InternalNetworkAttachment, MachineError> in
            do throws(MachineError) {
                let subnet: EnvironmentSubnet
                if provider.attachesToUserspaceSwitch {
                    subnet = try await network.ensure(requiredSubnet: plan.subnet)
                } else {
                    do throws(NetworkError) { subnet = try network.registry.allocate(for: environment.root, requiring: plan.subnet) } catch
                    { throw MachineError.passing(error, as: .configuration) }
                }
                var reserved: [String: String] = [:]
                for other in environment.machines {
                    if let address = plan.addresses[other.name], let otherID = other.name == machine.name ? id : self.folder(of: other).id {
                        let otherProvider = other.name == machine.name ? provider : self.providers[self.folder(of: other).provider]
                        reserved[otherProvider?.macAddress(forMachine: otherID, nic: 2) ?? MachineFolder.mac(for: otherID, nic: 2)] =
                            address
                    }
                }
                try network.setReservations(subnet: subnet, reserved: reserved, excluded: plan.addresses.values.sorted())
                if provider.attachesToUserspaceSwitch {
                    return .success(network.attachment(subnet: subnet, mac: mac))
                }
                let hypervisorNetwork = InternalNetwork(
                    name: InternalNetwork.name(subnet: subnet, project: environment.root), subnet: subnet, reservations: reserved)
                try await provider.ensureInternalNetwork(hypervisorNetwork)
                return .success(InternalNetworkAttachment(endpoint: hypervisorNetwork.name, mac: mac, subnet: subnet))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What `status` says about the environment network.
    public struct NetworkReport: Sendable {
        public var subnet: EnvironmentSubnet
        /// The switch's process (nil: not running), for userspace networks.
        public var switchPID: Int32?
        public var usesSwitch: Bool
        /// Machine name → NIC2 address and how it got it ("dhcp" or "static").
        public var addresses: [String: (address: String, kind: String)]
    }

    public func networkReport(_ machines: [Machine]) -> NetworkReport? {
        guard let network, let subnet = network.subnet else { return nil }
        var addresses: [String: (address: String, kind: String)] = [:]
        var usesSwitch = false
        // Each file read once, however many machines.
        let reserved = network.reservations(subnet: subnet)
        let leases = network.leases(subnet: subnet)
        for machine in machines {
            let folder = folder(of: machine)
            guard let id = folder.id else { continue }
            if providers[folder.provider]?.attachesToUserspaceSwitch == true { usesSwitch = true }
            let mac = providers[folder.provider]?.macAddress(forMachine: id, nic: 2) ?? MachineFolder.mac(for: id, nic: 2)
            if let address = MACAddress(mac).flatMap({ reserved[$0] }) {
                addresses[machine.name] = (address.description, "static")
            } else if let lease = leases[mac] {
                addresses[machine.name] = (lease.address.description, "dhcp")
            }
        }
        return NetworkReport(subnet: subnet, switchPID: network.switchPID(subnet), usesSwitch: usesSwitch, addresses: addresses)
    }

    /// Removes the environment network (the switch, the hypervisors' networks, the subnet):
    /// after the last machine is destroyed, or when `global-status --prune` finds an
    /// environment that has no machine left (a destroy killed before it got here).
    public func releaseNetwork(usedProviders: Set<String>? = nil) async {
        guard let network else { return }
        if let subnet = network.subnet {
            let hypervisorNetwork = InternalNetwork(name: InternalNetwork.name(subnet: subnet, project: environment.root), subnet: subnet)
            // Hypervisors' own networks, and what carries the switch to remote hosts (libvirt).
            for provider in providers.values where usedProviders?.contains(provider.name) ?? true {
                await provider.removeInternalNetwork(hypervisorNetwork)
            }
        }
        await network.release()
    }
}
