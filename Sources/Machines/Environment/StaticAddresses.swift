import Networks
import Vagrantfile

/// The static NIC2 addresses an environment's Vagrantfile asks for (`private_network ip:`),
/// checked against what boxer's environment networks are: one /24 per environment (the one its
/// static addresses are in, else a free 192.168.X.0/24), the switch at .1, machines at .2 to
/// .254. Vagrant checks none of this when it validates (its providers decide at `up`), so `up`
/// refuses and `validate` warns. Every problem names the Vagrantfile line and says what to write
/// instead.
public struct StaticAddresses: Sendable, Equatable {
    /// The /24 the addresses are in (nil: no static addresses, any free 192.168.X will do).
    public var subnet: EnvironmentSubnet?
    /// Machine name → address.
    public var addresses: [String: String]

    public init(subnet: EnvironmentSubnet?, addresses: [String: String]) {
        self.subnet = subnet
        self.addresses = addresses
    }

    /// Reads the private networks of each machine (as configured for the provider it runs with).
    public static func plan(_ machines: [Machine]) throws(MachineError) -> StaticAddresses {
        var subnet: (value: EnvironmentSubnet, machine: String, place: String)?
        var owners: [IPv4Address: (machine: String, place: String)] = [:]
        var addresses: [String: String] = [:]
        for machine in machines {
            let networks = machine.networks.compactMap { network -> PrivateNetwork? in
                if case .privateNetwork(let privateNetwork) = network { return privateNetwork }
                return nil
            }
            if networks.count > 1 {
                throw MachineError.severalPrivateNetworks(
                    networks.count, machine: machine.name, at: place(networks[1]), first: place(networks[0]))
            }
            guard let network = networks.first, !network.dhcp, let text = network.ip else { continue }
            let networkPlace = place(network)
            guard let address = IPv4Address(text) else {
                throw MachineError.notAnIPv4Address(text, machine: machine.name, at: networkPlace)
            }
            if let mask = network.netmask, mask != "255.255.255.0", mask != "24" {
                throw MachineError.unsupportedNetmask(mask, machine: machine.name, at: networkPlace)
            }
            let addressNetwork = EnvironmentSubnet(containing: address)
            guard addressNetwork.isUsable else {
                throw MachineError.unusableNetwork(text, addressNetwork, machine: machine.name, at: networkPlace)
            }
            guard addressNetwork.holdsMachine(address) else {
                throw MachineError.notAMachineAddress(
                    text, isNetworkAddress: address == addressNetwork.gateway, machine: machine.name, at: networkPlace)
            }
            if let subnet, subnet.value != addressNetwork {
                throw MachineError.twoNetworks(
                    text, machine: machine.name, at: networkPlace, other: subnet.machine, otherSubnet: subnet.value,
                    otherPlace: subnet.place)
            }
            subnet = subnet ?? (addressNetwork, machine.name, networkPlace)
            if let owner = owners[address] {
                throw MachineError.addressTaken(
                    text, machine: machine.name, at: networkPlace, owner: owner.machine, ownerPlace: owner.place)
            }
            owners[address] = (machine.name, networkPlace)
            addresses[machine.name] = address.description
        }
        return StaticAddresses(subnet: subnet?.value, addresses: addresses)
    }

    static func place(_ network: PrivateNetwork) -> String {
        network.location.map { "\($0.file):\($0.line)" } ?? "Vagrantfile"
    }
}
