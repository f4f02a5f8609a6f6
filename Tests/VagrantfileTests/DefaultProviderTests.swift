import Foundation
import Testing
import Vagrantfile

@testable import BoxerCommands

/// Vagrant's rules for the provider of a machine when `--provider` is not given.
@Suite struct DefaultProviderTests {
    static func machine(_ providers: [String]) throws -> Machine {
        let blocks = providers.map { "  c.vm.provider \"\($0)\" do |p| end\n" }.joined()
        return try #require(
            try VagrantfileLoader.evaluate(source: "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"x\"\n\(blocks)end\n").machines.first)
    }

    @Test func theEnvironmentVariableWinsEvenWhenUnusable() throws {
        let machine = try Self.machine(["qemu"])
        #expect(
            DefaultProvider.choose(for: machine, environment: ["VAGRANT_DEFAULT_PROVIDER": "virtualbox"], usable: { $0 == "qemu" })
                == "virtualbox")
        #expect(
            DefaultProvider.choose(
                for: machine, environment: ["BOXER_DEFAULT_PROVIDER": "parallels", "VAGRANT_DEFAULT_PROVIDER": "virtualbox"]) == "parallels"
        )
    }

    @Test func theFirstUsableProviderBlockWins() throws {
        // VirtualBox is not installed here: its block is passed over, as Vagrant does.
        #expect(
            DefaultProvider.choose(for: try Self.machine(["virtualbox", "qemu"]), environment: [:], usable: { $0 == "qemu" }) == "qemu")
        #expect(
            DefaultProvider.choose(for: try Self.machine(["virtualbox", "qemu"]), environment: [:], usable: { _ in true }) == "virtualbox")
        #expect(
            DefaultProvider.choose(for: try Self.machine(["vmware_desktop"]), environment: [:], usable: { $0 == "qemu" }) == "qemu",
            "then the first usable provider boxer has")
    }

    @Test func preferredProvidersComeNext() throws {
        let machine = try Self.machine([])
        let usable: (String) -> Bool = { $0 == "qemu" || $0 == "parallels" }
        #expect(
            DefaultProvider.choose(for: machine, environment: ["VAGRANT_PREFERRED_PROVIDERS": "virtualbox, parallels"], usable: usable)
                == "parallels")
        #expect(DefaultProvider.choose(for: machine, environment: [:], usable: usable) == "qemu")
        #expect(
            DefaultProvider.choose(for: machine, environment: [:], usable: { _ in false }) == "qemu",
            "nothing usable: the error will name qemu")
    }
}
