import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// The libvirt provider against real libvirt daemons: two "hosts" (each its own libvirtd and
/// sshd in a network and mount namespace of its own) and a controller namespace, made by
/// scripts/libvirt-testbed.sh for each test and removed after it, even when it fails. boxer
/// runs in the controller and reaches the hosts over qemu+ssh://; nothing touches the root
/// network namespace, which each test checks at its end.
extension MachineSuites {
    @Suite(.enabled(if: LibvirtTestbed.available, "needs root and libvirtd (scripts/bootstrap --deps)"))
    struct LibvirtTestbedTests {
        /// The provider conformance suite, run inside the test bed against host a.
        @Test func conformanceOnARemoteHost() throws {
            _ = try MachineProject.testBox()
            let bed = try LibvirtTestbed()
            defer { bed.down() }
            let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let run = try bed.run(
                [testBinary, "--testing-library", "swift-testing", "--filter", "ProviderConformanceTests"],
                environment: ProcessInfo.processInfo.environment.merging(["BOXER_CONFORMANCE_LIBVIRT_URI": bed.uri("a")]) { $1 })
            let output = run.output + run.error
            #expect(run.status == 0, "\(output.suffix(4000))")
            #expect(output.contains("libvirt (qemu+ssh://root@\(bed.address("a"))/system)"), "the libvirt case ran: \(output.suffix(2000))")

            // `boxer providers` asks each daemon it would place machines on; 10.199.0.13 is no host.
            let binary = try #require(BoxerBinary.url?.path)
            let unreachable = "qemu+ssh://root@10.199.0.13/system"
            let providers = try bed.run(
                [binary, "providers"],
                environment: ["BOXER_LIBVIRT_HOSTS": bed.uri("a") + " " + unreachable, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
            #expect(providers.output.contains("daemon \(bed.uri("a")): libvirt 9."), "\(providers.output)")
            #expect(providers.output.contains("daemon \(unreachable): cannot be used: Cannot connect to libvirt"), "\(providers.output)")
            try bed.checkRootNamespace()
        }

        /// Three machines, two on host a and one on host b, on one environment network: each
        /// gets its address from .1, they ping each other across the hosts, `boxer ssh` reaches
        /// each, a second environment cannot reach them, destroy leaves nothing on the hosts, and
        /// `box remove` removes the box from both hosts.
        @Test func oneEnvironmentAcrossTwoHosts() throws {
            let bed = try LibvirtTestbed()
            defer { bed.down() }
            let hosts = ["a1": bed.uri("a"), "a2": bed.uri("a"), "b1": bed.uri("b")]
            // b1 forwards a port: on host b's loopback, and here through the SSH connection to b.
            let definitions = hosts.keys.sorted().map { name in
                "  c.vm.define \"\(name)\" do |m|\n    m.vm.provider :libvirt do |l|\n      l.uri = \"\(hosts[name] ?? "")\"\n      l.memory = 256\n    end\n"
                    + (name == "b1" ? "    m.vm.network \"forwarded_port\", guest: 8080, host: 18080\n" : "") + "  end"
            }
            let project = try MachineProject(
                vagrantfile: "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"boxer/tiny\"\n" + definitions.joined(separator: "\n")
                    + "\nend\n")
            project.destroysWhenReleased = false
            let up = try bed.boxer(project, ["up", "--provider", "libvirt"])
            #expect(up.status == 0, "\(up.output.suffix(3000))\(up.error)")
            let status = try bed.boxer(project, ["status"])
            for name in hosts.keys.sorted() {
                #expect(status.output.contains("\(name) ") && status.output.contains("running (libvirt"), "\(status.output)")
            }
            var addresses: [String: String] = [:]
            for name in hosts.keys.sorted() {
                let address = try bed.boxer(project, ["ssh", name, "-c", "ip -4 -o addr show eth1"])
                let found = address.output.split(separator: " ").first { $0.hasPrefix("192.168.") }.map {
                    String($0.split(separator: "/")[0])
                }
                let mine = try #require(found, "\(name) has an environment address: \(address.output) \(address.error)")
                addresses[name] = mine
                let network = mine.split(separator: ".").prefix(3).joined(separator: ".")
                let gateway = try bed.boxer(project, ["ssh", name, "-c", "ping -c 1 -W 5 \(network).1"])
                #expect(gateway.status == 0, "\(name) reaches the DHCP server at .1: \(gateway.output)")
            }
            for (from, to) in [("a1", "b1"), ("b1", "a2"), ("a2", "a1")] {
                let ping = try bed.boxer(project, ["ssh", from, "-c", "ping -c 2 -W 5 \(addresses[to] ?? "")"])
                #expect(ping.status == 0, "\(from) pings \(to) across the hosts: \(ping.output)")
            }
            let serve = try bed.boxer(
                project, ["ssh", "b1", "-c", "mkdir -p /tmp/www && echo from-b1 > /tmp/www/hello && httpd -p 8080 -h /tmp/www"])
            #expect(serve.status == 0, "\(serve.error)")
            let fetched = try bed.run(["curl", "-s", "--max-time", "10", "http://127.0.0.1:18080/hello"])
            #expect(fetched.output == "from-b1\n", "b1's forwarded port answers here: \(fetched.output)\(fetched.error)")

            // A second environment of the same user (same BOXER_HOME), its machine naming no host:
            // placed on the one $BOXER_LIBVIRT_HOSTS lists (b), and kept there afterwards. Its own
            // network cannot reach the first's machines.
            let other = try MachineProject(
                vagrantfile:
                    "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"boxer/tiny\"\n  c.vm.provider :libvirt do |l|\n    l.memory = 256\n  end\nend\n"
            )
            other.destroysWhenReleased = false
            var shared = ["BOXER_HOME": project.home.path, "BOXER_LIBVIRT_HOSTS": bed.uri("b")]
            let otherUp = try bed.boxer(other, ["up", "--provider", "libvirt"], extra: shared)
            #expect(otherUp.status == 0, "\(otherUp.output.suffix(2000))\(otherUp.error)")
            shared["BOXER_LIBVIRT_HOSTS"] = bed.uri("a")
            let placed = try bed.boxer(other, ["status"], extra: shared).output
            #expect(
                placed.contains("running (libvirt on \(bed.address("b")))"), "placed on b, and a created machine never moves: \(placed)")
            let otherAddress = try bed.boxer(other, ["ssh", "-c", "ip -4 -o addr show eth1"], extra: shared).output
            let firstNetwork = (addresses["a1"] ?? "").split(separator: ".").prefix(3).joined(separator: ".") + "."
            #expect(!otherAddress.contains(" " + firstNetwork), "the second environment has a /24 of its own: \(otherAddress)")
            let across = try bed.boxer(other, ["ssh", "-c", "ping -c 2 -W 2 \(addresses["b1"] ?? "")"], extra: shared)
            #expect(across.status != 0, "the second environment does not reach the first's machines: \(across.output)")
            #expect(try bed.boxer(other, ["destroy", "-f"], extra: shared).status == 0)

            let destroy = try bed.boxer(project, ["destroy", "-f"])
            #expect(destroy.status == 0, "\(destroy.error)")
            for host in ["a", "b"] {
                let domains = try bed.run(["virsh", "-c", bed.uri(host), "list", "--all", "--name"])
                #expect(
                    domains.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "no domain left on \(host): \(domains.output)")
                _ = try bed.run(["virsh", "-c", bed.uri(host), "pool-refresh", "boxer"])
                let volumes = try bed.run(["virsh", "-c", bed.uri(host), "vol-list", "boxer"])
                #expect(
                    !["boxer-a1-", "boxer-a2-", "boxer-b1-", "boxer-default-"].contains { volumes.output.contains($0) },
                    "no machine volume on \(host): \(volumes.output)")
                #expect(volumes.output.contains("boxer-box-"), "the box volume stays for the next machine")
            }
            // The box removed here is removed from both hosts it was uploaded to.
            let remove = try bed.boxer(project, ["box", "remove", "boxer/tiny"])
            #expect(remove.status == 0, "\(remove.output)\(remove.error)")
            for host in ["a", "b"] {
                #expect(remove.output.contains("from pool 'boxer' on \(bed.uri(host))"), "\(remove.output)")
                _ = try bed.run(["virsh", "-c", bed.uri(host), "pool-refresh", "boxer"])
                let volumes = try bed.run(["virsh", "-c", bed.uri(host), "vol-list", "boxer"])
                #expect(!volumes.output.contains("boxer-box-"), "no box volume left on \(host): \(volumes.output)")
            }
            #expect(project.switchPIDs.isEmpty && other.switchPIDs.isEmpty, "no switch left")
            let controls = (try? FileManager.default.contentsOfDirectory(atPath: project.home.appendingPathComponent("run").path)) ?? []
            #expect(!controls.contains { $0.hasSuffix(".ctl") }, "no SSH connection left: \(controls)")
            try bed.checkRootNamespace()
        }

        /// The local daemon (`qemu:///system`, no `uri`): boxer run on host a itself, beside its
        /// libvirtd. The switch reaches each machine's NIC2 on the loopback directly (a `.tcp`
        /// entry in its ports folder), with no SSH; the project folder is offered over 9p; two
        /// machines ping each other, and destroy leaves no domain or machine volume.
        @Test func theLocalDaemon() throws {
            let bed = try LibvirtTestbed()
            defer { bed.down() }
            let project = try MachineProject(
                vagrantfile:
                    "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"boxer/tiny\"\n  c.vm.synced_folder \".\", \"/project\", type: \"9p\"\n  %w[l1 l2].each do |name|\n    c.vm.define name do |m|\n      m.vm.provider :libvirt do |l|\n        l.memory = 256\n      end\n    end\n  end\nend\n"
            )
            project.destroysWhenReleased = false
            let up = try bed.on("a", [project.binary, "up", "--provider", "libvirt"], project: project)
            #expect(up.status == 0, "\(up.output.suffix(2000))\(up.error)")
            let status = try bed.on("a", [project.binary, "status"], project: project).output
            #expect(status.contains("l1                        running (libvirt on local)"), "\(status)")
            let ports = (try? FileManager.default.subpathsOfDirectory(atPath: project.home.appendingPathComponent("run").path)) ?? []
            #expect(
                ports.filter { $0.hasSuffix(".tcp") }.count == 2 && !ports.contains { $0.hasSuffix(".sock") && $0.contains("/ports/") },
                "\(ports)")
            // The tiny amd64 guest runs Debian's cloud kernel, which has no 9p modules: the share
            // is checked as far as it goes, a virtio 9p device (type 9) in the guest, and boxer's
            // warning that the guest cannot mount it.
            let devices = try bed.on("a", [project.binary, "ssh", "l1", "-c", "cat /sys/bus/virtio/devices/*/device"], project: project)
            #expect(devices.output.contains("0x0009"), "the project folder is offered over 9p: \(devices.output)")
            #expect(
                (up.output + up.error).contains("could not mount") && (up.output + up.error).contains("over 9p"),
                "\(up.output.suffix(2000))\(up.error)")
            let address = try bed.on("a", [project.binary, "ssh", "l2", "-c", "ip -4 -o addr show eth1"], project: project).output
            let l2 = try #require(address.split(separator: " ").first { $0.hasPrefix("192.168.") }?.split(separator: "/").first)
            let ping = try bed.on("a", [project.binary, "ssh", "l1", "-c", "ping -c 2 -W 5 \(l2)"], project: project)
            #expect(ping.status == 0, "l1 pings l2 through the switch's loopback connections: \(ping.output)")
            #expect(try bed.on("a", [project.binary, "destroy", "-f"], project: project).status == 0)
            #expect(
                try bed.on("a", ["virsh", "list", "--all", "--name"], project: project).output.trimmingCharacters(
                    in: .whitespacesAndNewlines
                ).isEmpty)
            _ = try bed.on("a", ["virsh", "pool-refresh", "boxer"], project: project)
            let volumes = try bed.on("a", ["virsh", "vol-list", "boxer"], project: project).output
            #expect(!volumes.contains("boxer-l1-") && !volumes.contains("boxer-l2-"), "\(volumes)")
            try bed.checkRootNamespace()
        }

        /// Real Vagrant 2.3.4 with vagrant-libvirt 0.11.2, in the controller, runs boxer's boxes on
        /// host a over qemu+ssh: the libvirt box `boxer build testbox-amd64` makes and the one
        /// `boxer package` makes of a running machine. `vagrant up` (its own management network
        /// and DHCP on the host, its insecure key replaced), `vagrant ssh -c`, `vagrant destroy`.
        /// Nothing is added to the Vagrantfile for the boxes' sake.
        @Test(.enabled(if: LibvirtTestbed.hasVagrantLibvirt, "needs Debian's vagrant and vagrant-libvirt"))
        func vagrantLibvirtRunsBoxersBoxes() throws {
            let temporary = try TemporaryFolder("boxer-vagrant-libvirt")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let built = temporary.path("out/testbox-amd64-1G-libvirt.box").path
            let build = try ProgramRun.run(
                binary, ["build", "testbox-amd64", "--provider", "libvirt", "--level", "1", "--output", temporary.path("out").path],
                environment: TestboxBuildEndToEndTests.environment(home: try temporary.folder("build-home")))
            try #require(build.status == 0, "\(build.output.suffix(2000))\(build.error)")

            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\" }\n")
            #expect(try project.boxer(["up"]).status == 0)
            let packaged = temporary.path("packaged.box").path
            let package = try project.boxer(["package", "--output", packaged])
            try #require(package.status == 0, "\(package.output)\(package.error)")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)

            let bed = try LibvirtTestbed()
            defer { bed.down() }
            var environment = ProcessInfo.processInfo.environment
            environment["VAGRANT_HOME"] = temporary.path("vagrant.d").path
            environment["VAGRANT_CHECKPOINT_DISABLE"] = "1"
            environment["VAGRANT_BOX_UPDATE_CHECK_DISABLE"] = "1"
            environment["VAGRANT_DEFAULT_PROVIDER"] = "libvirt"
            for (name, box) in [("built", built), ("packaged", packaged)] {
                let folder = try temporary.folder(name)
                let vagrantfile = """
                    Vagrant.configure("2") do |c|
                      c.vm.box = "boxer/\(name)"
                      c.vm.provider :libvirt do |l|
                        l.uri = "\(bed.uri("a"))"
                        l.driver = "qemu"
                        l.memory = 512
                      end
                    end

                    """
                try Data(vagrantfile.utf8).write(to: folder.appendingPathComponent("Vagrantfile"))
                let add = try bed.run(
                    ["vagrant", "box", "add", "--name", "boxer/\(name)", box], environment: environment, directory: folder)
                #expect(add.status == 0, "\(name): \(add.output)\(add.error)")
                let up = try bed.run(["vagrant", "up"], environment: environment, directory: folder)
                #expect(up.status == 0 && up.output.contains("Machine booted and ready!"), "\(name): \(up.output.suffix(3000))\(up.error)")
                #expect(up.output.contains("Key inserted!"), "\(name): Vagrant replaced its insecure key (the guest has scp)")
                let ssh = try bed.run(["vagrant", "ssh", "-c", "cat /etc/issue"], environment: environment, directory: folder)
                #expect(ssh.status == 0 && ssh.output.contains("Linux"), "\(name): \(ssh.output)\(ssh.error)")
                let destroy = try bed.run(["vagrant", "destroy", "-f"], environment: environment, directory: folder)
                #expect(destroy.status == 0, "\(name): \(destroy.error)")
                let domains = try bed.run(["virsh", "-c", bed.uri("a"), "list", "--all", "--name"])
                #expect(domains.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(name): \(domains.output)")
            }
            try bed.checkRootNamespace()
        }
    }
}

/// scripts/libvirt-testbed.sh, with a state folder and namespace names of the tests' own.
final class LibvirtTestbed: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/libvirt-testbed.sh").path
    let environment: [String: String]

    static var hasVagrantLibvirt: Bool {
        available && FileManager.default.isExecutableFile(atPath: "/usr/bin/vagrant")
            && ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/share/rubygems-integration/all/specifications")) ?? [])
                .contains { $0.hasPrefix("vagrant-libvirt-") }
    }

    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/libvirtd")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
    }

    init() throws {
        environment = ProcessInfo.processInfo.environment.merging(
            ["BOXER_TESTBED_DIR": "/tmp/boxer-testbed-tests", "BOXER_TESTBED_PREFIX": "boxtt"]) { $1 }
        let up = try Self.spawn(Self.script, ["up"], environment: environment)
        guard up.status == 0 else {
            down()
            throw TestFailure("the libvirt test bed did not come up: \(up.output)\(up.error)")
        }
    }

    func down() {
        _ = try? Self.spawn(Self.script, ["down"], environment: environment)
    }

    func address(_ host: String) -> String { host == "a" ? "10.199.0.11" : "10.199.0.12" }
    func uri(_ host: String) -> String { "qemu+ssh://root@\(address(host))/system" }

    /// Runs a command in the controller namespace.
    func run(_ command: [String], environment extra: [String: String]? = nil, directory: URL? = nil) throws -> ProgramRun {
        try Self.spawn(
            Self.script, ["run"] + command, environment: (extra ?? environment).merging(environment) { $1 }, directory: directory)
    }

    /// Runs a command on host `host`, beside its libvirtd, in the project's folder and environment.
    func on(_ host: String, _ command: [String], project: MachineProject) throws -> ProgramRun {
        try Self.spawn(
            Self.script, ["on", host] + command,
            environment: project.environment.merging([
                "BOXER_TESTBED_DIR": environment["BOXER_TESTBED_DIR"] ?? "",
                "BOXER_TESTBED_PREFIX": environment["BOXER_TESTBED_PREFIX"] ?? "",
            ]) { $1 }, directory: project.root)
    }

    /// Runs the project's boxer in the controller namespace.
    /// The test bed's hosts are this machine, whose /dev/kvm (kvm_pvm) libvirt offers though
    /// guests may hang under it: the remote machines run under TCG, as the QEMU provider's probe
    /// would choose here (a user says so with `driver = "qemu"` or `$BOXER_QEMU_ACCEL=tcg`).
    static let emulated = ["BOXER_QEMU_ACCEL": "tcg"]

    func boxer(_ project: MachineProject, _ arguments: [String], extra: [String: String] = [:]) throws -> ProgramRun {
        try run(
            [project.binary] + arguments, environment: project.environment.merging(Self.emulated) { $1 }.merging(extra) { $1 },
            directory: project.root)
    }

    /// The root network namespace has no new link, route or NAT rule, no virbr0, and each
    /// host's libvirtd runs in its own namespace.
    func checkRootNamespace() throws {
        let check = try Self.spawn(Self.script, ["check"], environment: environment)
        #expect(check.status == 0, "\(check.output)\(check.error)")
    }

    /// Runs the script and waits for it with waitpid, its output in files. Foundation's Process
    /// was seen to miss the exit of a script that starts daemons in other namespaces (the
    /// script stayed a zombie and the test waited for ever).
    static func spawn(_ program: String, _ arguments: [String], environment: [String: String], directory: URL? = nil) throws -> ProgramRun {
        let folder = try TemporaryFolder("boxer-testbed-run")
        let outPath = folder.url.appendingPathComponent("out").path
        let errPath = folder.url.appendingPathComponent("err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The working folder through sh: Glibc's posix_spawn_file_actions_addchdir_np is not in Swift's Glibc module.
        let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0.path, program] } ?? [program]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestFailure("cannot run \(program): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProgramRun(
            status: exited, output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
