import Networks
import Vagrantfile

/// The static NIC2 addresses an environment's Vagrantfile asks for (`private_network ip:`),
/// checked against what boxer's environment networks are: one 192.168.X.0/24 per environment,
/// X in 1...254, the switch at .1, machines at .2 to .254. Every problem names the Vagrantfile
/// line and says what to write instead.
public struct StaticAddresses: Sendable, Equatable {
    /// The X the addresses are in (nil: no static addresses, any free X will do).
    public var subnet: Int?
    /// Machine name → address.
    public var addresses: [String: String]

    public init(subnet: Int?, addresses: [String: String]) {
        self.subnet = subnet
        self.addresses = addresses
    }

    /// Reads the private networks of each machine (as configured for the provider it runs with).
    public static func plan(_ machines: [Machine]) throws(MachineError) -> StaticAddresses {
        var subnet: (value: Int, machine: String, place: String)?
        var owners: [IPv4Address: (machine: String, place: String)] = [:]
        var addresses: [String: String] = [:]
        for machine in machines {
            let networks = machine.networks.compactMap { network -> PrivateNetwork? in
                if case .privateNetwork(let privateNetwork) = network { return privateNetwork }
                return nil
            }
            if networks.count > 1 {
                throw MachineError(
                    .configuration,
                    "\(place(networks[1])): machine '\(machine.name)' has \(networks.count) private networks (also at \(place(networks[0]))). boxer gives each machine one internal network (NIC2), shared by the environment's machines; keep one `private_network` per machine."
                )
            }
            guard let network = networks.first, !network.dhcp, let text = network.ip else { continue }
            let networkPlace = place(network)
            let usage =
                "Each environment gets one internal network 192.168.X.0/24 (X from 1 to 254, its DHCP server at 192.168.X.1); use an address from 192.168.X.2 to 192.168.X.254, or type: \"dhcp\"."
            guard let address = IPv4Address(text) else {
                throw MachineError(
                    .configuration,
                    "\(networkPlace): machine '\(machine.name)': private_network ip \"\(text)\" is not an IPv4 address. \(usage)")
            }
            if let mask = network.netmask, mask != "255.255.255.0", mask != "24" {
                throw MachineError(
                    .configuration,
                    "\(networkPlace): machine '\(machine.name)': netmask \"\(mask)\" is not supported; the internal network is a /24 (255.255.255.0). Remove netmask: or set it to \"255.255.255.0\"."
                )
            }
            let bytes = address.bytes
            guard bytes[0] == 192, bytes[1] == 168, (1...254).contains(bytes[2]), (2...254).contains(bytes[3]) else {
                let reason =
                    bytes[0] == 192 && bytes[1] == 168 && (1...254).contains(bytes[2]) && bytes[3] == 1
                    ? "is the network's own address (its switch and DHCP server)"
                    : "is outside boxer's internal networks"
                throw MachineError(
                    .configuration, "\(networkPlace): machine '\(machine.name)': private_network ip \(text) \(reason). \(usage)")
            }
            let x = Int(bytes[2])
            if let subnet, subnet.value != x {
                throw MachineError(
                    .configuration,
                    "\(networkPlace): machine '\(machine.name)' is given \(text), but machine '\(subnet.machine)' is given an address in 192.168.\(subnet.value).0/24 (\(subnet.place)). An environment has one internal network: put all its static addresses in the same 192.168.X.0/24."
                )
            }
            subnet = subnet ?? (x, machine.name, networkPlace)
            if let owner = owners[address] {
                throw MachineError(
                    .configuration,
                    "\(networkPlace): machine '\(machine.name)' is given \(text), which machine '\(owner.machine)' already has (\(owner.place)). Give each machine its own address."
                )
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
