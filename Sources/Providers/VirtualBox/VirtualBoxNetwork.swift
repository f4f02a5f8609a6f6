import Machines

/// An environment's internal network on VirtualBox: an `intnet` of the environment's own name
/// (never VirtualBox's shared "intnet") with VirtualBox's DHCP server at 192.168.X.1 handing
/// out .2 to .254, static addresses as fixed addresses by MAC, created with the environment's
/// first machine and removed with its last. Each machine's NIC1 is NAT and NIC2 that network.
/// The VirtualBox driver calls this from `ensureInternalNetwork`, `removeInternalNetwork` and
/// when it configures a machine's NICs.
public struct VirtualBoxNetwork: Sendable {
    public let tool: any HypervisorTool

    public init(tool: any HypervisorTool) {
        self.tool = tool
    }

    /// The DHCP server of the environment's network, added (or brought back to these settings
    /// when one of that name is left from before), and its fixed addresses.
    public func ensure(_ network: InternalNetwork) async throws(MachineError) {
        let existing = try await dhcpServers()
        let settings = [
            "--netname", network.name, "--ip", network.gateway, "--netmask", "255.255.255.0",
            "--lowerip", network.lowest, "--upperip", network.highest, "--enable",
        ]
        if existing.contains(network.name) {
            try await tool.check(["dhcpserver", "modify"] + settings, doing: "update the DHCP server of \(network.name)")
        } else {
            try await tool.check(["dhcpserver", "add"] + settings, doing: "add a DHCP server for \(network.name)")
        }
        for (mac, address) in network.reservations.sorted(by: { $0.key < $1.key }) {
            try await tool.check(
                ["dhcpserver", "modify", "--netname", network.name, "--mac-address=\(mac)", "--fixed-address=\(address)"],
                doing: "reserve \(address) for \(mac) on \(network.name)")
        }
    }

    /// Removes the network's DHCP server (the intnet itself goes when no VM uses it).
    public func remove(_ network: InternalNetwork) async {
        guard let existing = try? await dhcpServers(), existing.contains(network.name) else { return }
        _ = try? await tool.run(["dhcpserver", "remove", "--netname", network.name])
    }

    /// `modifyvm` arguments for a machine's NICs: NIC1 NAT (with `natpf1` forwards set
    /// separately), NIC2 on the environment's network with the machine's NIC2 MAC.
    public static func nicArguments(vm: String, attachment: InternalNetworkAttachment) -> [String] {
        [
            "modifyvm", vm, "--nic1", "nat", "--nic2", "intnet", "--intnet2", attachment.endpoint,
            "--macaddress2", attachment.mac.replacingOccurrences(of: ":", with: "").uppercased(), "--cableconnected2", "on",
        ]
    }

    /// Network names of VirtualBox's DHCP servers (`list dhcpservers`: "NetworkName: …" lines).
    func dhcpServers() async throws(MachineError) -> Set<String> {
        let output = try await tool.check(["list", "dhcpservers"], doing: "list its DHCP servers")
        var names: Set<String> = []
        for line in output.split(separator: "\n") where line.hasPrefix("NetworkName:") {
            names.insert(line.dropFirst("NetworkName:".count).trimmingCharacters(in: .whitespaces))
        }
        return names
    }
}
