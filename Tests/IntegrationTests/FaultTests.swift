import BoxerTestSupport
import Foundation
import Testing

/// What goes wrong, for real: a missing box, a taken port, a guest that never answers SSH, a
/// QEMU that dies under a running machine, boxer killed in the middle of `up`.
extension MachineSuites {
    @Suite struct FaultTests {
        static let single = """
            Vagrant.configure("2") do |config|
              config.vm.box = "boxer/tiny"
              config.vm.provider "qemu" do |qemu|
                qemu.memory = 256
              end
            end
            """

        @Test func missingBoxOffersTheAddCommand() throws {
            let project = try MachineProject(vagrantfile: Self.single.replacingOccurrences(of: "boxer/tiny", with: "acme/absent"))
            let up = try project.boxer(["up"])
            #expect(up.status != 0)
            // Looked up on the box server first, as `vagrant up` does (here a loopback port that refuses).
            #expect(up.error.contains("Adding the box 'acme/absent' for the machine 'default' failed"), "\(up.error)")
            #expect(up.error.contains("could not be accessed in the remote catalog http://127.0.0.1:9/acme/absent"))
            #expect(up.error.contains("boxer box add acme/absent"))
            #expect(project.qemuPIDs.isEmpty)
            #expect(
                !FileManager.default.fileExists(atPath: project.root.appendingPathComponent(".vagrant/machines/default/qemu/id").path),
                "nothing half-created")
        }

        @Test func takenPortWithoutAutoCorrectIsNamed() throws {
            let listener = try LoopbackListener()
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.network "forwarded_port", guest: 80, host: \(listener.port)
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status != 0)
            #expect(
                up.error.contains("The forwarded port \(listener.port) (guest 80) of machine 'default' is already in use"), "\(up.error)")
            #expect(up.error.contains("auto_correct: true"))
            #expect(project.qemuPIDs.isEmpty, "no machine left running")
        }

        @Test func guestThatNeverAnswersSSHShowsItsConsole() throws {
            // The machine boots, but SSH is asked on a guest port nothing listens on.
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.boot_timeout = 20
                      config.ssh.guest_port = 2022
                      config.vm.network "forwarded_port", id: "ssh", guest: 2022, host: 2222, auto_correct: true
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status != 0)
            #expect(up.error.contains("did not answer SSH"), "\(up.error)")
            #expect(up.error.contains("within 20 s (config.vm.boot_timeout)"))
            #expect(up.error.contains("tinyvm["), "the console's last lines are shown: \(up.error)")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.qemuPIDs.isEmpty)
        }

        @Test func guestWithout9pGetsAWarningNotAHang() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.synced_folder ".", "/shared", type: "9p"
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.error)")
            #expect(up.error.contains("could not mount \(project.root.path) at /shared over 9p"), "\(up.error)")
            #expect(up.error.contains("use type: \"rsync\""))
        }

        @Test func deadQEMUIsReportedAndRestarted() throws {
            let project = try MachineProject(vagrantfile: Self.single)
            #expect(try project.boxer(["up"]).status == 0)
            let pids = project.qemuPIDs
            try #require(pids.count == 1)
            kill(pids[0], SIGKILL)
            for _ in 0..<50 where kill(pids[0], 0) == 0 { usleep(100_000) }
            let status = try project.boxer(["status"])
            #expect(status.output.contains("default                   aborted (qemu)"), "\(status.output)")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.error)")
            #expect(up.output.contains("stopped without being halted"))
            #expect(try project.boxer(["ssh", "-c", "true"]).status == 0)
        }

        @Test func concurrentUpsOnOneProjectWaitForEachOther() throws {
            let project = try MachineProject(vagrantfile: Self.single)
            let first = try project.startBoxer(["up"])
            usleep(300_000)
            let second = try project.boxer(["up"])
            first.waitUntilExit()
            #expect(first.terminationStatus == 0)
            #expect(second.status == 0, "\(second.error)")
            #expect(second.error.contains("Another boxer command is changing the machines"), "the second one waited: \(second.error)")
            #expect(second.output.contains("Machine already provisioned") || second.output.contains("Machine already running"))
            #expect(project.qemuPIDs.count == 1, "one machine, not two")
        }

        @Test func boxerKilledDuringUpLeavesAMachineTheNextCommandAdopts() throws {
            let project = try MachineProject(vagrantfile: Self.single)
            let process = try project.startBoxer(["up"])
            // Kill boxer once QEMU runs (while it waits for SSH).
            let deadline = Date().addingTimeInterval(60)
            while project.qemuPIDs.isEmpty && Date() < deadline { usleep(50_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try #require(project.qemuPIDs.count == 1, "QEMU was started before boxer was killed")
            let status = try project.boxer(["status"])
            #expect(status.output.contains("default                   running (qemu)"), "the running QEMU is found: \(status.output)")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.error)")
            #expect(project.qemuPIDs.count == 1, "adopted, not started twice")
            #expect(try project.boxer(["ssh", "-c", "true"]).status == 0)
        }
    }
}

extension MachineSuites {
    /// Faults that need no guest to boot.
    @Suite struct SetupFaultTests {
        @Test func boxForAnotherArchitectureIsExplained() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.box_version = ">= 2"
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status != 0)
            #expect(up.error.contains("The box 'boxer/tiny' is installed, but not in a form the qemu provider runs"), "\(up.error)")
            #expect(up.error.contains("version >= 2"))
            #expect(up.error.contains("Installed: libvirt 0"))
        }

        @Test func missingQEMUNamesThePackage() throws {
            let project = try MachineProject(vagrantfile: FaultTests.single)
            // A PATH with everything boxer needs but qemu-system-x86_64.
            let bin = try project.temporary.folder("bin")
            for tool in ["qemu-img", "ssh", "ssh-keygen", "scp"] {
                let target = try #require(ProgramRun.find(tool))
                try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: target)
            }
            var environment = project.environment
            environment["PATH"] = bin.path
            let up = try ProgramRun.run(project.binary, ["up"], environment: environment, directory: project.root)
            #expect(up.status != 0)
            #expect(up.error.contains("qemu-system-x86_64 is not installed"), "\(up.error)")
            #expect(up.error.contains("apt-get install qemu-system-x86"))
            #expect(project.qemuPIDs.isEmpty)
        }
    }
}
