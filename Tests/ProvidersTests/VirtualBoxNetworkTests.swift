import Machines
import Networks
import Testing

@testable import ProviderStandIns
@testable import Providers

/// The VirtualBox side of environment networks, against the VBoxManage STAND-IN (VirtualBox
/// itself cannot run here): the calls the issue prescribes, in order, accepted by a tool that
/// refuses what VBoxManage refuses, and the state they leave.
@Suite struct VirtualBoxNetworkTests {
    @Test func firstMachineAddsTheDHCPServerLastRemovesIt() async throws {
        let vboxmanage = VBoxManageStandIn()
        let network = VirtualBoxNetwork(tool: vboxmanage)
        let name = InternalNetwork.name(subnet: 5, project: "/home/me/web")
        #expect(name.hasPrefix("boxer-5-") && name != "intnet")
        let first = InternalNetwork(name: name, subnet: 5, reservations: ["52:54:00:aa:bb:cc": "192.168.5.20"])
        try await network.ensure(first)
        #expect(
            vboxmanage.calls == [
                ["list", "dhcpservers"],
                [
                    "dhcpserver", "add", "--netname", name, "--ip", "192.168.5.1", "--netmask", "255.255.255.0",
                    "--lowerip", "192.168.5.2", "--upperip", "192.168.5.254", "--enable",
                ],
                ["dhcpserver", "modify", "--netname", name, "--mac-address=52:54:00:aa:bb:cc", "--fixed-address=192.168.5.20"],
            ])
        #expect(
            vboxmanage.dhcpServers[name]
                == .init(
                    ip: "192.168.5.1", netmask: "255.255.255.0", lower: "192.168.5.2", upper: "192.168.5.254",
                    enabled: true, fixed: ["52:54:00:aa:bb:cc": "192.168.5.20"]))

        // The second machine finds the server there: modified, not added twice (which
        // VBoxManage refuses).
        try await network.ensure(InternalNetwork(name: name, subnet: 5))
        #expect(vboxmanage.calls.suffix(2).map { Array($0.prefix(2)) } == [["list", "dhcpservers"], ["dhcpserver", "modify"]])

        // Each VM: NIC1 NAT, NIC2 on the environment's own intnet with its NIC2 MAC.
        vboxmanage.register(vm: "web-1234")
        let attachment = InternalNetworkAttachment(endpoint: name, mac: "52:54:00:aa:bb:cc", subnet: 5)
        let modify = VirtualBoxNetwork.nicArguments(vm: "web-1234", attachment: attachment)
        #expect(
            modify == [
                "modifyvm", "web-1234", "--nic1", "nat", "--nic2", "intnet", "--intnet2", name, "--macaddress2", "525400AABBCC",
                "--cableconnected2", "on",
            ])
        #expect(try await vboxmanage.run(modify).succeeded)
        #expect(vboxmanage.vms["web-1234"]?["intnet2"] == name)

        await network.remove(first)
        #expect(vboxmanage.calls.last == ["dhcpserver", "remove", "--netname", name])
        #expect(vboxmanage.dhcpServers.isEmpty)
        let count = vboxmanage.calls.count
        await network.remove(first)
        #expect(vboxmanage.calls.count == count + 1, "removing again only looks, and changes nothing")
    }

    @Test func twoEnvironmentsGetTwoNetworks() async throws {
        let vboxmanage = VBoxManageStandIn()
        let network = VirtualBoxNetwork(tool: vboxmanage)
        try await network.ensure(InternalNetwork(name: InternalNetwork.name(subnet: 1, project: "/a"), subnet: 1))
        try await network.ensure(InternalNetwork(name: InternalNetwork.name(subnet: 2, project: "/b"), subnet: 2))
        #expect(vboxmanage.dhcpServers.count == 2)
        #expect(Set(vboxmanage.dhcpServers.values.map(\.ip)) == ["192.168.1.1", "192.168.2.1"])
        #expect(
            InternalNetwork.name(subnet: 1, project: "/a") != InternalNetwork.name(subnet: 1, project: "/c"),
            "a later environment with the same X is another network")
    }

    /// Issue 16: a network the Vagrantfile's addresses name (10.0.0.0/24) is served the same way.
    @Test func aNetworkTheVagrantfileNamesKeepsItsAddresses() async throws {
        let vboxmanage = VBoxManageStandIn()
        let network = VirtualBoxNetwork(tool: vboxmanage)
        let subnet = try #require(EnvironmentSubnet("10.0.0.0/24"))
        let name = InternalNetwork.name(subnet: subnet, project: "/home/me/kube")
        #expect(name.hasPrefix("boxer-10.0.0-"))
        try await network.ensure(InternalNetwork(name: name, subnet: subnet, reservations: ["52:54:00:aa:bb:cc": "10.0.0.10"]))
        #expect(
            vboxmanage.dhcpServers[name]
                == .init(
                    ip: "10.0.0.1", netmask: "255.255.255.0", lower: "10.0.0.2", upper: "10.0.0.254", enabled: true,
                    fixed: ["52:54:00:aa:bb:cc": "10.0.0.10"]))
    }

    /// The stand-in is strict, so the calls above passing means something.
    @Test func theStandInRefusesWhatVBoxManageRefuses() async throws {
        let vboxmanage = VBoxManageStandIn()
        let refused: [[String]] = [
            [
                "dhcpserver", "add", "--netname", "n", "--ip", "192.168.5.1", "--netmask", "255.255.255.0", "--lowerip", "192.168.5.2",
                "--upperip", "192.168.5.254",
            ],
            [
                "dhcpserver", "add", "--netname", "n", "--ip", "192.168.5.300", "--netmask", "255.255.255.0", "--lowerip", "192.168.5.2",
                "--upperip", "192.168.5.254", "--enable",
            ],
            [
                "dhcpserver", "add", "--netname", "n", "--ip", "192.168.5.1", "--netmask", "255.255.255.0", "--lowerip", "192.168.6.2",
                "--upperip", "192.168.5.254", "--enable",
            ],
            ["dhcpserver", "modify", "--netname", "missing", "--enable"],
            ["dhcpserver", "remove", "--netname", "missing"],
            ["dhcpserver", "add", "--ip", "192.168.5.1"],
            ["dhcpserver", "modify", "--netname", "n", "--fixed-address=192.168.5.9"],
            ["modifyvm", "unregistered", "--nic2", "intnet"],
        ]
        for arguments in refused {
            let result = try await vboxmanage.run(arguments)
            #expect(result.status == 1 && result.error.hasPrefix("VBoxManage: error: "), "\(arguments)")
        }
        vboxmanage.register(vm: "vm")
        #expect(try await vboxmanage.run(["modifyvm", "vm", "--nic2", "internal"]).status == 1)
        #expect(try await vboxmanage.run(["modifyvm", "vm", "--macaddress2", "52:54:00:aa:bb:cc"]).status == 1)
        #expect(vboxmanage.dhcpServers.isEmpty)
    }
}
