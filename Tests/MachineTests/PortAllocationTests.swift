import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

@Suite struct PortAllocationTests {
    static func machine(_ source: String) throws -> Machine {
        try #require(try VagrantfileLoader.evaluate(source: source).machines.first)
    }

    @Test func takenPortsMoveOnlyWithAutoCorrect() throws {
        let listener = try LoopbackListener()
        let corrected = try Self.machine(
            "Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: \(listener.port), auto_correct: true }")
        let ports = try PortAllocator.choosePorts(for: corrected)
        let web = try #require(ports.first { $0.guest == 80 })
        #expect(web.host != listener.port && (2200...2250).contains(web.host))
        #expect(ports.first { $0.id == "ssh" }?.guest == 22)
        #expect(Set(ports.map(\.host)).count == ports.count, "no two forwards share a host port")

        let fixed = try Self.machine("Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: \(listener.port) }")
        #expect(throws: MachineError.self) { try PortAllocator.choosePorts(for: fixed) }
    }

    @Test func portsOutsideTheValidRangeAreConfigurationErrors() throws {
        // A problem of validation (Vagrant's words) where it is written, with its line, and the
        // forward left out; the allocator checks again for machines described some other way.
        let read = try VagrantfileLoader.evaluate(
            source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\"; c.vm.network \"forwarded_port\", guest: 80, host: 70000 }")
        #expect(read.problems.map(\.message) == ["vm: Ports to forward must be 1 to 65535"])
        #expect(read.problems.first?.location.line == 1)
        #expect(read.machines.first?.networks.count == 1, "only the ssh forward is left")
        var machine = try Self.machine("Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: 8080 }")
        machine.networks = machine.networks.map { network in
            guard case .forwardedPort(var port) = network, port.guest == 80 else { return network }
            port.host = 70000
            return .forwardedPort(port)
        }
        #expect(throws: MachineError.self) { try PortAllocator.choosePorts(for: machine) }
        machine.settings["usable_port_range"] = .string("60000..70000")
        #expect(throws: MachineError.self) { try PortAllocator.choosePorts(for: machine) }
    }
}
