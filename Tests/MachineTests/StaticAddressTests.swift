import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

/// Static `private_network ip:` addresses against boxer's environment networks: the errors name
/// the Vagrantfile line and say what to write instead.
@Suite struct StaticAddressTests {
    static func plan(_ source: String) throws -> StaticAddresses {
        try StaticAddresses.plan(try VagrantfileLoader.evaluate(source: source).machines)
    }

    static func failure(_ source: String) throws -> String {
        do {
            _ = try plan(source)
        } catch let error as MachineError {
            return error.message
        }
        Issue.record("no error for:\n\(source)")
        return ""
    }

    @Test func addressesChooseTheSubnetAndMachinesWithoutOneUseDHCP() throws {
        let plan = try Self.plan(
            """
            Vagrant.configure("2") do |config|
              config.vm.define "web" do |m|
                m.vm.network "private_network", ip: "192.168.56.10"
              end
              config.vm.define "db" do |m|
                m.vm.network :private_network, ip: "192.168.56.11", netmask: "255.255.255.0"
              end
              config.vm.define "worker" do |m|
                m.vm.network "private_network", type: "dhcp"
              end
              config.vm.define "plain"
            end
            """)
        #expect(plan.subnet == 56)
        #expect(plan.addresses == ["web": "192.168.56.10", "db": "192.168.56.11"])
        #expect(try Self.plan("Vagrant.configure(\"2\") { |c| c.vm.box = \"x\" }") == StaticAddresses(subnet: nil, addresses: [:]))
    }

    /// Issue 16: the kubeadm, CoreOS and Ansible-role projects name their own networks
    /// (10.0.0.10, 172.17.8.101, 88.88.88.88); the environment's network is that /24.
    @Test(arguments: [
        ("10.0.0.10", "10.0.0.11", "10.0.0.0/24"), ("172.17.8.101", "172.17.8.102", "172.17.8.0/24"),
        ("88.88.88.88", "88.88.88.89", "88.88.88.0/24"),
    ])
    func addressesOutside192168NameTheirNetwork(_ first: String, _ second: String, _ network: String) throws {
        let plan = try Self.plan(
            """
            Vagrant.configure("2") do |config|
              config.vm.define "one" do |m|
                m.vm.network "private_network", ip: "\(first)"
              end
              config.vm.define "two" do |m|
                m.vm.network "private_network", ip: "\(second)", netmask: "255.255.255.0"
              end
            end
            """)
        #expect(plan.subnet?.description == network)
        #expect(plan.subnet?.standardX == nil)
        #expect(plan.subnet?.gateway.description == network.replacingOccurrences(of: ".0/24", with: ".1"))
        #expect(plan.addresses == ["one": first, "two": second])
    }

    /// Every example that writes static addresses writes ones boxer can give.
    @Test func theExamplesAddressesAreValid() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vagrantfile.examples")
        var planned = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted()
        where FileManager.default.fileExists(atPath: examples.appendingPathComponent(name + "/Vagrantfile").path) {
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-examples-home-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: home) }
            let loader = VagrantfileLoader(
                environment: ["HOME": home.path, "BOXER_HOME": home.path], currentDirectory: examples.appendingPathComponent(name).path)
            let environment = try loader.load()
            // As each machine runs with its first provider block's overrides (VirtualBox's
            // example sets its address in an override).
            let machines = environment.machines.map { $0.resolved(for: $0.providerOrder.first ?? "qemu") }
            let plan = try StaticAddresses.plan(machines)
            if plan.subnet != nil { planned += 1 }
        }
        #expect(planned >= 4, "the examples with static addresses were read")
    }

    @Test func badAddressesAreRefusedWithTheirLine() throws {
        let clash = try Self.failure(
            """
            Vagrant.configure("2") do |config|
              config.vm.define "a" do |m|
                m.vm.network "private_network", ip: "192.168.56.10"
              end
              config.vm.define "b" do |m|
                m.vm.network "private_network", ip: "192.168.56.10"
              end
            end
            """)
        #expect(clash.contains(":6: machine 'b' is given 192.168.56.10, which machine 'a' already has"), "\(clash)")
        #expect(clash.contains(":3)"))

        let twoSubnets = try Self.failure(
            """
            Vagrant.configure("2") do |config|
              config.vm.define "a" do |m|
                m.vm.network "private_network", ip: "192.168.56.10"
              end
              config.vm.define "b" do |m|
                m.vm.network "private_network", ip: "192.168.57.10"
              end
            end
            """)
        #expect(
            twoSubnets.contains("machine 'b' is given 192.168.57.10, but machine 'a' is given an address in 192.168.56.0/24"),
            "\(twoSubnets)")

        let broadcast = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"10.10.0.255\"\nend\n")
        #expect(
            broadcast.contains(":2: machine 'default': private_network ip 10.10.0.255 is the network's address or its broadcast address"),
            "\(broadcast)")
        #expect(broadcast.contains("from a.b.c.2 to a.b.c.254"))

        let nat = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"10.0.2.20\"\nend\n")
        #expect(nat.contains("10.0.2.0/24 is the NAT network that every machine's first NIC is on"), "\(nat)")
        let loopback = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"127.0.5.2\"\nend\n")
        #expect(loopback.contains("127.0.5.0/24 is a loopback, link-local, multicast or reserved network"), "\(loopback)")

        let gateway = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"192.168.9.1\"\nend\n")
        #expect(gateway.contains("is the network's own address"), "\(gateway)")

        let mask = try Self.failure(
            "Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"192.168.9.5\", netmask: \"255.255.0.0\"\nend\n")
        #expect(mask.contains("netmask \"255.255.0.0\" is not supported"), "\(mask)")

        let ipv6 = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"fd00::5\"\nend\n")
        #expect(ipv6.contains("is not an IPv4 address"), "\(ipv6)")

        let two = try Self.failure(
            "Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", type: \"dhcp\"\n  c.vm.network \"private_network\", ip: \"192.168.9.5\"\nend\n"
        )
        #expect(two.contains(":3: machine 'default' has 2 private networks (also at"), "\(two)")
    }
}
