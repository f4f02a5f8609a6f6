import BoxerTestSupport
import Foundation
import Providers
import Testing

/// The capability data as `boxer up` uses it, with the test box installed.
@Suite struct CapabilityAdmissionTests {
    /// `boxer up` asks the capability data before it creates a machine: with data that blocks
    /// QEMU for this host's guests, the machine is refused with the cell's reason, and nothing
    /// is created or started.
    @Test func upRefusesABlockedCellBeforeCreatingAnything() throws {
        let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"boxer/tiny\"\nend\n")
        let data = try project.temporary.folder("providers")
        let host = CapabilityProbe().currentHost()
        try Data(
            """
            provider: qemu
            tools: [{program: qemu-img}]
            hosts:
              \(host):
                guests:
                  amd64: {status: blocked, reason: "blocked for this test", reference: "https://example.invalid/why"}
                  arm64: {status: blocked, reason: "blocked for this test"}

            """.utf8
        ).write(to: data.appendingPathComponent("qemu.yaml"))
        var environment = project.environment
        environment["BOXER_PROVIDERS"] = data.path
        let up = try ProgramRun.run(project.binary, ["up"], environment: environment, directory: project.root)
        #expect(up.status != 0)
        #expect(
            up.error.contains(
                "The machine 'default' cannot run here with qemu: amd64 guests on \(host) are blocked: blocked for this test (https://example.invalid/why)"
            ), "\(up.error)")
        #expect(project.qemuPIDs.isEmpty)
        #expect(
            !FileManager.default.fileExists(atPath: project.root.appendingPathComponent(".vagrant/machines/default/qemu/id").path),
            "nothing was created")
    }
}
