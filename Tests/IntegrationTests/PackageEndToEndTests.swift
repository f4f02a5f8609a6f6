import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `boxer package` of the tiny guest after a change to its disk: the box has Vagrant's
    /// layout, `boxer box add` and Debian's real `vagrant box add` take it, and a machine made
    /// from it boots with the change and the packaged include/_Vagrantfile applied; the
    /// refusals (never created, an output that exists) change nothing.
    @Suite struct PackageEndToEndTests {
        @Test func aChangedMachineBecomesABox() throws {
            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\" }")
            let box = project.root.appendingPathComponent("mine.box").path
            let never = try project.boxer(["package", "--output", box])
            #expect(never.status == 1 && never.error.contains("has not been created"), "\(never.error)")
            #expect(try project.boxer(["up"]).status == 0)
            // The tiny guest's root is in RAM; its own disk is mounted at /boot.
            #expect(try project.boxer(["ssh", "-c", "echo packaged-change | sudo tee /boot/marker >/dev/null; sync"]).status == 0)
            try project.write("Vagrant.configure(\"2\") { |c| c.vm.hostname = \"frompackage\" }\n", to: "extra/Vagrantfile.pkg")
            try project.write("{\"description\": \"made by the test\"}\n", to: "extra/info.json")
            let package = try project.boxer([
                "package", "--clean", "--compress-image", "--output", box, "--vagrantfile", "extra/Vagrantfile.pkg", "--info",
                "extra/info.json",
            ])
            #expect(package.status == 0, "\(package.output)\(package.error)")
            #expect(package.output.contains("==> default: Compressing package to: \(box)"))
            let listing = try ProgramRun.run("bsdtar", ["-tf", box]).output.split(separator: "\n").map(String.init)
            #expect(listing.prefix(3) == ["metadata.json", "Vagrantfile", "info.json"], "\(listing)")
            #expect(listing.contains("box.img") && listing.contains("include/_Vagrantfile"))
            #expect(try project.boxer(["status", "--machine-readable"]).output.contains(",default,state,poweroff"), "halted for it")
            let again = try project.boxer(["package", "--output", box])
            #expect(again.status == 1 && again.error.contains("already exists"))

            // boxer's own store, and a machine made from the box.
            let other = try MachineProject(
                vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"mine/packaged\" }", boxName: nil)
            #expect(try other.boxer(["box", "add", "mine/packaged", box]).status == 0)
            #expect(try other.boxer(["up"]).status == 0)
            let guest = try other.boxer(["ssh", "-c", "cat /boot/marker; hostname"])
            #expect(guest.output == "packaged-change\nfrompackage\n", "\(guest.output)\(guest.error)")

            // Debian's real Vagrant takes it too.
            if (try? ProgramRun.run("which", ["vagrant"]))?.status == 0 {
                let vagrantHome = project.temporary.url.appendingPathComponent("vagrant-home")
                let added = try ProgramRun.vagrant(
                    ["box", "add", "--name", "mine/packaged", box], home: vagrantHome, directory: project.temporary.url)
                #expect(
                    added.status == 0 && added.output.contains("Successfully added box 'mine/packaged' (v0) for 'libvirt'"),
                    "\(added.error)")
            }
        }

        /// boxer killed (SIGKILL) while it writes the box: no box appears, the machine still
        /// boots, and the next package removes what the killed one left and succeeds.
        @Test func killedWhilePackagingLeavesNoBox() throws {
            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\" }")
            #expect(try project.boxer(["up"]).status == 0)
            let box = project.root.appendingPathComponent("killed.box").path
            let package = try project.startBoxer(["package", "--output", box])
            // Killed once it is writing the box (after the halt and the export).
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline,
                !((try? FileManager.default.contentsOfDirectory(atPath: project.root.path)) ?? []).contains(where: {
                    $0.hasPrefix(".killed.box.partial-")
                })
            {
                usleep(20_000)
            }
            kill(package.processIdentifier, SIGKILL)
            package.waitUntilExit()
            #expect(!FileManager.default.fileExists(atPath: box), "no box appears")
            #expect(try project.boxer(["up"]).status == 0, "the machine boots again")
            #expect(try project.boxer(["ssh", "-c", "echo alive"]).output == "alive\n")
            #expect(try project.boxer(["package", "--output", box]).status == 0)
            let left = try FileManager.default.contentsOfDirectory(atPath: project.root.path).filter { $0.contains(".partial-") }
            #expect(left.isEmpty && FileManager.default.fileExists(atPath: box), "\(left)")
        }
    }
}
