import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing

extension MachineSuites {
    /// The reverse of LibvirtTestbedTests' vagrant-libvirt check: a box that Packer 1.6.6 (Debian's)
    /// makes with its own qemu builder and vagrant post-processor, from the tiny test image with a
    /// shell provisioner (scripts/packer-testbox.sh, which bench/build.sh times), is added and
    /// booted by `boxer up`, and the provisioner's mark is in the guest.
    @Suite(.enabled(if: ProgramRun.find("packer") != nil, "needs Debian's packer"))
    struct PackerInteropTests {
        @Test func boxerRunsAPackerBox() throws {
            let temporary = try TemporaryFolder("boxer-packer")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let script = TestboxBuildEndToEndTests.repository.appendingPathComponent("scripts/packer-testbox.sh").path
            let source = try temporary.folder("source")
            let unpack = try ProgramRun.run("bsdtar", ["-xf", try MachineProject.testBox(), "-C", source.path, "box.img"])
            try #require(unpack.status == 0, "\(unpack.error)")
            let key = try MachineKeys.insecurePrivateKey(home: BoxerHome(root: try temporary.folder("keys")))
            let inputs = temporary.path("inputs").path
            let prepare = try ProgramRun.run(script, ["prepare", source.appendingPathComponent("box.img").path, key, inputs])
            try #require(prepare.status == 0, "\(prepare.output)\(prepare.error)")
            let built = temporary.path("packer").path
            let build = try ProgramRun.run(script, ["build", inputs, built])
            try #require(build.status == 0, "\(build.output.suffix(3000))\(build.error)")
            #expect(build.output.contains("'libvirt' provider box: \(built)/packer.box"))

            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"packer/testbox\" }\n", boxName: nil)
            let add = try project.boxer(["box", "add", "packer/testbox", built + "/packer.box"])
            #expect(
                add.status == 0 && add.output.contains("Successfully added box 'packer/testbox' (v0) for 'libvirt'"),
                "\(add.output)\(add.error)")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.output)\(up.error)")
            let mark = try project.boxer(["ssh", "-c", "cat /boot/boxer-build"])
            #expect(
                mark.status == 0 && mark.output.hasPrefix("customized by boxer build on "),
                "Packer's provisioning is in the box: \(mark.output)")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
