import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// A vm-bootstrap image end to end: `boxer build` of the tiny test box with `bootstrap: true`
    /// (busybox, a root in memory: the agent runs from the disk's /boot hook), then `boxer up`
    /// with `qemu.bootstrap_script`, served at 10.0.2.100:80 through guestfwd under restrict=on.
    @Suite struct VMBootstrapTests {
        @Test func aScriptThatFailsTwiceRunsThreeTimes() throws {
            let temporary = try TemporaryFolder("boxer-vm-bootstrap")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            var environment = TestboxBuildEndToEndTests.environment(home: home)
            environment["BOXER_SERVER_URL"] = "http://127.0.0.1:9"
            let template = try TestboxBuildEndToEndTests.templateCopy(named: "bootstrap-test", in: temporary) { $0 + "bootstrap: true\n" }
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path, "--level", "1", "--provider", "libvirt"],
                environment: environment, directory: temporary.url)
            try #require(build.status == 0, "\(build.output.suffix(3000))\n\(build.error)")
            #expect(build.output.contains("Installing the vm-bootstrap agent"))
            let add = try ProgramRun.run(
                binary, ["box", "add", output.appendingPathComponent("bootstrap-test.json").path], environment: environment,
                directory: temporary.url)
            try #require(add.status == 0, "\(add.error)")

            // The served script fails twice and succeeds the third time, counting on the disk.
            let project = try Self.project(in: temporary, box: "boxer/testbox", memory: 256, synced: true)
            let script = project.appendingPathComponent("bootstrap.sh")
            defer { _ = try? ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project) }
            let up = try ProgramRun.run(binary, ["up", "--provider", "qemu"], environment: environment, directory: project)
            try #require(up.status == 0, "\(up.output.suffix(2000))\(up.error)")
            func guest(_ command: String) throws -> ProgramRun {
                try ProgramRun.run(binary, ["ssh", "-c", command], environment: environment, directory: project)
            }
            let log = try Self.agentLog(guest)
            #expect(log.contains("bootstrap run 3") && log.contains("running the script from http://10.0.2.100/vm-bootstrap"))
            #expect(try guest("cat /root/bootstrap/count").output == "3\n")
            #expect(try guest("test -e /root/bootstrap/start-bootstrap; echo $?").output == "1\n", "a success removes the start file")

            // max-retry 1: one attempt, then it gives up.
            let once = try guest(
                "echo 1 > /root/bootstrap/bootstrap-max-retry; echo 0 > /root/bootstrap/count; touch /root/bootstrap/start-bootstrap; : > /var/log/vm-bootstrap.log; /usr/local/sbin/vm-bootstrap; echo status=$?; cat /var/log/vm-bootstrap.log"
            ).output
            #expect(
                once.contains("status=1") && once.contains("attempt 1 of 1: exit status 1") && once.contains("gave up after 1 attempts")
                    && !once.contains("attempt 2"), "\(once)")

            // Without the start file it does nothing.
            let disabled = try guest(
                "rm -f /root/bootstrap/start-bootstrap; : > /var/log/vm-bootstrap.log; /usr/local/sbin/vm-bootstrap; echo status=$?; cat /var/log/vm-bootstrap.log"
            ).output
            #expect(disabled.contains("status=0") && disabled.contains("disabled:") && !disabled.contains("attempt"), "\(disabled)")

            // Nothing served (the server answers 404 once the script is gone): the empty script runs.
            try FileManager.default.removeItem(at: script)
            let none = try guest(
                "rm -f /root/bootstrap/bootstrap-max-retry; touch /root/bootstrap/start-bootstrap; : > /var/log/vm-bootstrap.log; /usr/local/sbin/vm-bootstrap; echo status=$?; cat /var/log/vm-bootstrap.log"
            ).output
            #expect(
                none.contains("status=0") && none.contains("attempt 1 of 10: nothing served at http://10.0.2.100/vm-bootstrap")
                    && none.contains("attempt 1 of 10: exit status 0"), "\(none)")
        }

        /// The same agent on a systemd guest (the Debian 12 test box, built as the source image of
        /// a `bootstrap: true` template): a systemd unit runs it at boot, the served script runs
        /// until its third try succeeds, and the unit stays done.
        @Test func onSystemdAUnitRunsTheAgent() throws {
            let temporary = try TemporaryFolder("boxer-vm-bootstrap")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            var environment = TestboxBuildEndToEndTests.environment(home: home)
            environment["BOXER_SERVER_URL"] = "http://127.0.0.1:9"
            // The Debian test box's disk as a source image with its checksum.
            let source = try temporary.folder("source")
            let unpacked = try ProgramRun.run("bsdtar", ["-xf", try MachineProject.testBox("debian-amd64"), "-C", source.path, "box.img"])
            try #require(unpacked.status == 0, "\(unpacked.error)")
            let image = source.appendingPathComponent("box.img").path
            let digest = String(try ProgramRun.run("sha256sum", [image]).output.prefix(64))
            let template = temporary.path("bootstrap-debian.yaml")
            try Data(
                """
                box: boxer/bootstrap-debian
                version: "1.0.0"
                os: {family: debian, release: "12"}
                architecture: amd64
                firmware: bios
                source:
                  url: file://\(image)
                  checksum: sha256:\(digest)
                  format: qcow2
                disk_sizes: [4G]
                minimum: {cpus: 2, memory: 1024}
                providers: [libvirt]
                guest_tools: false
                bootstrap: true

                """.utf8
            ).write(to: template)
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path, "--level", "1"], environment: environment,
                directory: temporary.url)
            try #require(build.status == 0, "\(build.output.suffix(3000))\n\(build.error)")
            #expect(build.output.contains("vm-bootstrap: systemd unit vm-bootstrap.service"), "\(build.output.suffix(2000))")
            let add = try ProgramRun.run(
                binary, ["box", "add", output.appendingPathComponent("bootstrap-debian.json").path], environment: environment,
                directory: temporary.url)
            try #require(add.status == 0, "\(add.error)")

            let project = try Self.project(in: temporary, box: "boxer/bootstrap-debian", memory: 1024, synced: false)
            defer { _ = try? ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project) }
            let up = try ProgramRun.run(binary, ["up", "--provider", "qemu"], environment: environment, directory: project)
            try #require(up.status == 0, "\(up.output.suffix(2000))\(up.error)")
            func guest(_ command: String) throws -> ProgramRun {
                try ProgramRun.run(binary, ["ssh", "-c", command], environment: environment, directory: project)
            }
            let log = try Self.agentLog(guest)
            #expect(log.contains("bootstrap run 3 under systemd"), "\(log)")
            let unit = try guest("systemctl is-enabled vm-bootstrap.service; systemctl show -p ActiveState -p Result vm-bootstrap.service")
                .output
            #expect(unit.contains("enabled\n") && unit.contains("ActiveState=active") && unit.contains("Result=success"), "\(unit)")
        }

        /// A project whose served script fails twice and succeeds the third time, counting on the
        /// disk, and names the init system it ran under.
        static func project(in temporary: TemporaryFolder, box: String, memory: Int, synced: Bool) throws -> URL {
            let project = try temporary.folder("project")
            try Data(
                """
                n=$(cat /root/bootstrap/count 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > /root/bootstrap/count
                echo "bootstrap run $n under $(cat /proc/1/comm)"; [ "$n" -ge 3 ]

                """.utf8
            ).write(to: project.appendingPathComponent("bootstrap.sh"))
            try Data(
                """
                Vagrant.configure("2") do |c|
                  c.vm.box = "\(box)"
                \(synced ? "" : "  c.vm.synced_folder \".\", \"/vagrant\", disabled: true\n")  c.vm.provider :qemu do |q|
                    q.memory = \(memory)
                    q.bootstrap_script = "bootstrap.sh"
                  end
                end

                """.utf8
            ).write(to: project.appendingPathComponent("Vagrantfile"))
            return project
        }

        /// The agent's log once it is done or gave up (at most two minutes), with its three
        /// attempts checked.
        static func agentLog(_ guest: (String) throws -> ProgramRun) throws -> String {
            var log = ""
            for _ in 0..<120 {
                log = try guest("cat /var/log/vm-bootstrap.log 2>/dev/null").output
                if log.contains("done;") || log.contains("gave up") { break }
                sleep(1)
            }
            #expect(
                log.contains("attempt 1 of 10: exit status 1") && log.contains("attempt 2 of 10: exit status 1")
                    && log.contains("attempt 3 of 10: exit status 0") && !log.contains("attempt 4"), "\(log)")
            return log
        }
    }
}
