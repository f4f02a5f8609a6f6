import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
@testable import Providers
import Testing
import Vagrantfile

@Suite struct QEMUCommandLineTests {
    static func line(architecture: String = "amd64", accelerator: QEMUHost.Accelerator = .tcg, firmware: QEMUCommandLine.Firmware = .bios, restrict: Bool = true) -> QEMUCommandLine {
        QEMUCommandLine(
            binary: "/usr/bin/qemu-system-x86_64", guestArchitecture: architecture, accelerator: accelerator, name: "web",
            memoryMiB: 512, cpus: 2, disk: "/p/.vagrant/machines/web/qemu/disk.qcow2", seed: "/p/seed,1.iso", firmware: firmware,
            forwards: [PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2222, guest: 22, proto: "tcp"),
                       PortForward(id: "tcp8080", hostIP: "127.0.0.1", host: 8080, guest: 80, proto: "tcp")],
            restrictNAT: restrict, natMAC: "52:54:00:12:34:56",
            internalNetwork: InternalNetworkAttachment(endpoint: "/run/ports/525400abcdef.sock", mac: "52:54:00:ab:cd:ef", subnet: 7),
            qmpSocket: "/run/qmp.sock", consoleLog: "/p/console.log", pidFile: "/p/qemu.pid", extraArguments: ["-s"])
    }

    @Test func x86WithTCGAndBIOS() {
        let arguments = Self.line().arguments
        #expect(arguments.joined(separator: " ") == [
            "-name boxer-web,process=boxer-web", "-machine q35", "-accel tcg -m 512M -smp 2",
            "-drive file=/p/.vagrant/machines/web/qemu/disk.qcow2,if=virtio,format=qcow2,discard=unmap",
            "-drive file=/p/seed,,1.iso,if=virtio,format=raw,readonly=on",
            "-device virtio-rng-pci",
            "-netdev user,id=nat,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:80",
            "-device virtio-net-pci,netdev=nat,mac=52:54:00:12:34:56",
            "-netdev stream,id=internal,server=on,addr.type=unix,addr.path=/run/ports/525400abcdef.sock",
            "-device virtio-net-pci,netdev=internal,mac=52:54:00:ab:cd:ef",
            "-qmp unix:/run/qmp.sock,server=on,wait=off",
            "-chardev file,id=console,path=/p/console.log -serial chardev:console",
            "-display none -daemonize -pidfile /p/qemu.pid -s",
        ].joined(separator: " "))
    }

    @Test func sharedFoldersAreVirtFS() {
        var line = Self.line()
        line.shares = [SharedFolder(tag: "boxer0", hostPath: "/home/me/project", guestPath: "/vagrant")]
        #expect(line.arguments.joined(separator: " ").contains("-virtfs local,path=/home/me/project,mount_tag=boxer0,security_model=mapped-xattr,id=boxer0 -device virtio-rng-pci"))
    }

    @Test func kvmUsesTheHostCPUAndUnrestrictedNAT() {
        let arguments = Self.line(accelerator: .kvm, restrict: false).arguments.joined(separator: " ")
        #expect(arguments.contains("-machine q35 -cpu host -accel kvm"))
        #expect(arguments.contains("-netdev user,id=nat,hostfwd="))
    }

    @Test func arm64UsesVirtAndUEFIWithItsOwnVariables() {
        let arguments = Self.line(architecture: "arm64", firmware: .uefi(code: "/usr/share/AAVMF/AAVMF_CODE.fd", vars: "/p/efivars.fd")).arguments.joined(separator: " ")
        #expect(arguments.contains("-machine virt -cpu cortex-a72 -accel tcg"))
        #expect(arguments.contains("-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd -drive if=pflash,format=raw,unit=1,file=/p/efivars.fd"))
    }

    @Test func acceleratorFollowsTheHostAndTheOverride() {
        let host = QEMUHost(environment: ["BOXER_HOST_ARCHITECTURE": "amd64"])
        #expect(host.accelerator(for: "arm64").0 == .tcg, "another architecture is emulated")
        #expect(host.accelerator(for: "arm64").1.contains("emulated"))
        #expect(host.accelerator(for: "amd64", requested: "kvm").0 == .kvm)
        #expect(QEMUHost(environment: ["BOXER_HOST_ARCHITECTURE": "amd64", "BOXER_QEMU_ACCEL": "tcg"]).accelerator(for: "amd64").0 == .tcg)
        // On this host: KVM only when it really works (kvm_pvm does not count).
        let (chosen, reason) = host.accelerator(for: "amd64")
        if HostFiles.kind(of: "/sys/module/kvm_pvm") == .directory { #expect(chosen == .tcg && reason.contains("kvm_pvm")) }
        #expect(!reason.isEmpty)
    }

    @Test func macAddressesAreStableAndLocal() {
        let mac = QEMUProvider.mac(for: "abc", nic: 1)
        #expect(mac == QEMUProvider.mac(for: "abc", nic: 1))
        #expect(mac != QEMUProvider.mac(for: "abc", nic: 2))
        #expect(mac.hasPrefix("52:54:00:") && mac.count == 17)
    }
}

@Suite struct NoCloudSeedTests {
    @Test func seedIsAnISOLabelledCidataWithTheKeysAndHostname() throws {
        let folder = try TemporaryFolder("boxer-seed")
        let path = folder.path("seed.iso").path
        try NoCloudSeed(instanceID: "i-1", hostname: "web", user: "vagrant", authorizedKeys: ["ssh-ed25519 AAAAC3Nza boxer-web"]).write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // ISO9660: the primary volume descriptor at 32 KiB; libarchive upper-cases its label, and
        // the Joliet descriptor carries "cidata" as cloud-init and blkid read it.
        #expect(String(decoding: data[32769..<32774], as: UTF8.self) == "CD001")
        #expect(String(decoding: data[32808..<32814], as: UTF8.self) == "CIDATA")
        let extract = try folder.folder("x")
        let run = try ProgramRun.run("bsdtar", ["-xf", path, "-C", extract.path])
        #expect(run.status == 0, "\(run.error)")
        let userData = try String(contentsOf: extract.appendingPathComponent("user-data"), encoding: .utf8)
        #expect(userData.hasPrefix("#cloud-config\n"))
        #expect(userData.contains("  - name: vagrant\n"))
        #expect(userData.contains("      - ssh-ed25519 AAAAC3Nza boxer-web\n"))
        let metaData = try String(contentsOf: extract.appendingPathComponent("meta-data"), encoding: .utf8)
        #expect(metaData == "instance-id: i-1\nlocal-hostname: web\n")
    }
}

@Suite struct PortAllocationTests {
    static func machine(_ source: String) throws -> Machine {
        try #require(try VagrantfileLoader.evaluate(source: source).machines.first)
    }

    @Test func takenPortsMoveOnlyWithAutoCorrect() throws {
        let listener = try LoopbackListener()
        let corrected = try Self.machine("Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: \(listener.port), auto_correct: true }")
        let ports = try PortAllocator.choosePorts(for: corrected)
        let web = try #require(ports.first { $0.guest == 80 })
        #expect(web.host != listener.port && (2200...2250).contains(web.host))
        #expect(ports.first { $0.id == "ssh" }?.guest == 22)
        #expect(Set(ports.map(\.host)).count == ports.count, "no two forwards share a host port")

        let fixed = try Self.machine("Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: \(listener.port) }")
        #expect(throws: MachineError.self) { try PortAllocator.choosePorts(for: fixed) }
    }

    @Test func portsOutsideTheValidRangeAreConfigurationErrors() throws {
        // Refused where it is written, with its line; the allocator checks again for machines
        // described some other way.
        #expect(throws: VagrantfileError.self) { try Self.machine("Vagrant.configure(\"2\") { |c| c.vm.network \"forwarded_port\", guest: 80, host: 70000 }") }
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

@Suite struct MachineIndexTests {
    /// The index is shared with Vagrant: entries boxer cannot decode (Vagrant writes a list for
    /// vagrantfile_name) and keys it does not know survive boxer's writes.
    @Test func foreignEntriesSurviveUpdates() throws {
        let folder = try TemporaryFolder("boxer-index")
        let home = BoxerHome(root: folder.url)
        let indexFolder = try folder.folder("data/machine-index")
        let vagrantEntry = #"{"local_data_path":"/p/.vagrant","name":"old","provider":"virtualbox","state":"running","vagrantfile_name":["Custom.rb"],"vagrantfile_path":"/p","updated_at":null,"extra_data":{"box":{"name":"b","provider":"virtualbox","version":"1"}},"future_key":7}"#
        try Data(#"{"version":1,"machines":{"aaaa":\#(vagrantEntry)}}"#.utf8).write(to: indexFolder.appendingPathComponent("index"))
        let index = MachineIndex(home: home)
        #expect(index.entries()["aaaa"]?.vagrantfileName == ["Custom.rb"])
        try index.set("bbbb", MachineIndex.Entry(name: "web", provider: "qemu", architecture: "amd64", state: "running", vagrantfilePath: "/q", localDataPath: "/q/.vagrant", box: nil))
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: indexFolder.appendingPathComponent("index"))) as? [String: Any])
        let machines = try #require(written["machines"] as? [String: [String: Any]])
        #expect(machines["aaaa"]?["future_key"] as? Int == 7, "unknown keys kept")
        #expect(machines["bbbb"]?["vagrantfile_path"] as? String == "/q")
        try index.remove("bbbb")
        #expect(Set(index.entries().keys) == ["aaaa"])
    }

    @Test func unreadableIndexIsLeftAlone() throws {
        let folder = try TemporaryFolder("boxer-index-bad")
        let indexFolder = try folder.folder("data/machine-index")
        try Data("not json".utf8).write(to: indexFolder.appendingPathComponent("index"))
        let index = MachineIndex(home: BoxerHome(root: folder.url))
        #expect(throws: MachineError.self) { try index.remove("x") }
        #expect(try String(contentsOf: indexFolder.appendingPathComponent("index"), encoding: .utf8) == "not json")
    }
}

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
        let plan = try Self.plan("""
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

    /// Every example that writes static addresses writes ones boxer can give.
    @Test func theExamplesAddressesAreValid() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vagrantfile.examples")
        var planned = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted()
        where FileManager.default.fileExists(atPath: examples.appendingPathComponent(name + "/Vagrantfile").path) {
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-examples-home-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: home) }
            let loader = VagrantfileLoader(environment: ["HOME": home.path, "BOXER_HOME": home.path], currentDirectory: examples.appendingPathComponent(name).path)
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
        let clash = try Self.failure("""
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

        let twoSubnets = try Self.failure("""
            Vagrant.configure("2") do |config|
              config.vm.define "a" do |m|
                m.vm.network "private_network", ip: "192.168.56.10"
              end
              config.vm.define "b" do |m|
                m.vm.network "private_network", ip: "192.168.57.10"
              end
            end
            """)
        #expect(twoSubnets.contains("machine 'b' is given 192.168.57.10, but machine 'a' is given an address in 192.168.56.0/24"), "\(twoSubnets)")

        let outside = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"10.10.0.5\"\nend\n")
        #expect(outside.contains(":2: machine 'default': private_network ip 10.10.0.5 is outside boxer's internal networks"), "\(outside)")
        #expect(outside.contains("192.168.X.2 to 192.168.X.254"))

        let gateway = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"192.168.9.1\"\nend\n")
        #expect(gateway.contains("is the network's own address"), "\(gateway)")

        let mask = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"192.168.9.5\", netmask: \"255.255.0.0\"\nend\n")
        #expect(mask.contains("netmask \"255.255.0.0\" is not supported"), "\(mask)")

        let ipv6 = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", ip: \"fd00::5\"\nend\n")
        #expect(ipv6.contains("is not an IPv4 address"), "\(ipv6)")

        let two = try Self.failure("Vagrant.configure(\"2\") do |c|\n  c.vm.network \"private_network\", type: \"dhcp\"\n  c.vm.network \"private_network\", ip: \"192.168.9.5\"\nend\n")
        #expect(two.contains(":3: machine 'default' has 2 private networks (also at"), "\(two)")
    }
}

@Suite struct ProcessPriorityTests {
    /// A process started from a thread that libdispatch gave nice -2 runs at -2; boxer puts the
    /// processes it leaves running back to its own priority.
    @Test func longLivedChildrenRunAtBoxersOwnPriority() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["10"]
        try child.run()
        // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let pid = child.processIdentifier
        let raised = ProcessPriority.own - 2
        // Only a privileged process may raise a priority (as libdispatch does only then).
        try #require(setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), raised) == 0 || getuid() != 0)
        ProcessPriority.normalize(pid)
        errno = 0
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid)) == ProcessPriority.own)
    }
}
