import Foundation
import Testing
import Vagrantfile

/// Every project in Vagrantfile.examples/ read by the interpreter, with its machines and settings asserted.
@Suite struct ExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Vagrantfile.examples")

    static func load(_ name: String, environment extra: [String: String] = [:]) throws -> VagrantEnvironment {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-examples-home-\(UUID().uuidString)")
        var environment = ["HOME": home.path, "BOXER_HOME": home.path]
        environment.merge(extra) { $1 }
        let loader = VagrantfileLoader(environment: environment, currentDirectory: examples.appendingPathComponent(name).path)
        return try loader.load()
    }

    static func ports(_ machine: Machine) -> [ForwardedPort] {
        machine.networks.compactMap { if case .forwardedPort(let port) = $0 { return port } else { return nil } }
    }

    static func privateNetworks(_ machine: Machine) -> [PrivateNetwork] {
        machine.networks.compactMap { if case .privateNetwork(let network) = $0 { return network } else { return nil } }
    }

    @Test func rubyHelpers() throws {
        let environment = try Self.load("ruby-helpers")
        #expect(environment.machines.map(\.name) == ["control1", "worker1", "worker2"])
        #expect(environment.machines.map(\.primary) == [true, false, false])
        #expect(environment.machines.map(\.hostname) == ["control1.cluster.test", "worker1.cluster.test", "worker2.cluster.test"])
        #expect(environment.machines.map { Self.privateNetworks($0).first?.ip } == ["192.168.56.10", "192.168.56.11", "192.168.56.12"])
        #expect(environment.machines.map { $0.providers["virtualbox"]?.memory } == [2048, 1024, 1024])
        #expect(environment.machines.first?.provisioners.first?.options["inline"]?.string == "echo control1 is a control node")
        #expect(environment.problems.isEmpty && environment.warnings.isEmpty)
    }

    @Test func everyExampleHasAReadmeLineAndIsCovered() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path).filter { !$0.hasSuffix(".md") }.sorted()
        #expect(folders.count >= 12)
        let covered: Set<String> = [
            "boxer-defaults", "cluster-helpers", "file-provisioning", "forwarded-ports", "json-and-env", "multi-machine-loop",
            "private-networks", "provider-parallels", "provider-qemu-libvirt", "provider-virtualbox", "provider-vmware", "quickstart",
            "ruby-helpers", "shell-provisioning", "single-machine", "yaml-settings",
        ]
        #expect(Set(folders) == covered, "a new example needs assertions here")
        for folder in folders {
            let readme = try String(
                contentsOf: Self.examples.appendingPathComponent(folder).appendingPathComponent("README.md"), encoding: .utf8)
            #expect(!readme.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(folder) needs a README line")
        }
    }

    @Test func singleMachine() throws {
        let environment = try Self.load("single-machine")
        let machine = try #require(environment.machines.first)
        #expect(environment.machines.map(\.name) == ["default"])
        #expect(machine.box == "boxer/tiny")
        #expect(machine.hostname == "single")
        #expect(machine.providers["qemu"]?.memory == 256)
        #expect(machine.providers["qemu"]?.cpus == 1)
        #expect(environment.warnings.isEmpty)
    }

    @Test func quickstart() throws {
        let environment = try Self.load("quickstart")
        #expect(environment.machines.map(\.name) == ["web", "db"])
        #expect(environment.primaryMachine?.name == "web")
        let web = try #require(environment.machine(named: "web"))
        #expect(web.box == "boxer/tiny")
        #expect(web.hostname == "web")
        #expect(web.providers["qemu"]?.memory == 256)
        #expect(Self.ports(web).map { "\($0.guest)->\($0.host) \($0.autoCorrect)" } == ["22->2222 true", "80->8080 true"])
        #expect(web.provisioners.map(\.name) == ["hello", "boot-count"])
        #expect(web.provisioners.map(\.run) == ["once", "always"])
        #expect(web.provisioners.first?.environment == ["GREETING": "boxer"])
        #expect(web.provisioners.first?.inline?.contains("provisioned $(hostname) for $GREETING") == true)
        #expect(environment.machine(named: "db")?.hostname == "db")
        #expect(environment.warnings.isEmpty)
    }

    @Test func boxerDefaults() throws {
        let machine = try #require(try Self.load("boxer-defaults").machines.first)
        #expect(machine.name == "default")
        #expect(machine.bootTimeout == 300)
        #expect(machine.communicator == "ssh")
        #expect(machine.boxCheckUpdate)
        #expect(machine.boxArchitecture == "auto")
        #expect(machine.autostart)
        #expect(
            Self.ports(machine) == [
                ForwardedPort(id: "ssh", guest: 22, host: 2222, hostIP: "127.0.0.1", guestIP: nil, proto: "tcp", autoCorrect: true)
            ])
        #expect(
            machine.syncedFolders == [
                SyncedFolder(id: "/vagrant", hostPath: ".", guestPath: "/vagrant", disabled: false, type: nil, options: [:])
            ])
        #expect(machine.provisioners.isEmpty)
        #expect(machine.ssh.insertKey)
        #expect(machine.providerOrder.isEmpty)
    }

    @Test func multiMachineLoop() throws {
        let environment = try Self.load("multi-machine-loop")
        #expect(environment.machines.map(\.name) == ["node-1", "node-2", "node-3"])
        #expect(environment.primaryMachine?.name == "node-1")
        #expect(environment.machines.map(\.autostart) == [true, true, false])
        #expect(environment.machines.map(\.hostname) == ["node-1.example.test", "node-2.example.test", "node-3.example.test"])
        #expect(environment.machines.map { Self.privateNetworks($0).first?.ip } == ["192.168.60.11", "192.168.60.12", "192.168.60.13"])
        #expect(environment.machines.map { $0.providers["qemu"]?.memory } == [256, 512, 768])
        #expect(environment.machines.allSatisfy { !$0.boxCheckUpdate && $0.box == "boxer/tiny" })
    }

    @Test func privateNetworks() throws {
        let environment = try Self.load("private-networks")
        #expect(environment.machines.map(\.name) == ["dhcp", "static", "intnet"])
        let dhcp = try #require(Self.privateNetworks(environment.machines[0]).first)
        #expect(dhcp.dhcp)
        #expect(dhcp.ip == nil)
        let fixed = try #require(Self.privateNetworks(environment.machines[1]).first)
        #expect(fixed.ip == "192.168.33.20")
        #expect(fixed.netmask == "255.255.255.0")
        #expect(!fixed.dhcp)
        let intnet = try #require(Self.privateNetworks(environment.machines[2]).first)
        #expect(intnet.intnet == .string("backend"))
        #expect(intnet.ip == "192.168.33.30")
    }

    @Test func forwardedPorts() throws {
        let machine = try #require(try Self.load("forwarded-ports").machines.first)
        let ports = Self.ports(machine)
        #expect(ports.map(\.id) == ["ssh", "tcp8080", "127.0.0.1tcp8443", "udp5353", "web"])
        // A forward written with id "ssh" replaces Vagrant's default as given (no auto_correct here).
        #expect(
            ports[0] == ForwardedPort(id: "ssh", guest: 22, host: 2200, hostIP: "127.0.0.1", guestIP: nil, proto: "tcp", autoCorrect: false)
        )
        #expect(ports[2].autoCorrect)
        #expect(ports[2].hostIP == "127.0.0.1")
        #expect(ports[3].proto == "udp")
        // The second "web" entry merged into the first: guest from the first, host from the second.
        #expect(ports[4].guest == 3000)
        #expect(ports[4].host == 3001)
    }

    @Test func providerVirtualBox() throws {
        let machine = try #require(try Self.load("provider-virtualbox").machines.first)
        let vb = try #require(machine.providers["virtualbox"])
        #expect(vb.values["name"] == .string("boxer-vbox-example"))
        #expect(vb.values["gui"] == .bool(false))
        #expect(vb.memory == 2048)
        #expect(vb.cpus == 2)
        #expect(vb.values["linked_clone"] == .bool(true))
        #expect(
            vb.customizations == [
                [.string("modifyvm"), .string(":id"), .string("--natdnshostresolver1"), .string("on")],
                [.string("modifyvm"), .string(":id"), .string("--ioapic"), .string("on")],
            ])
        // The override applies only when the machine runs on VirtualBox.
        #expect(machine.box == "boxer/tiny")
        #expect(Self.privateNetworks(machine).isEmpty)
        let onVirtualBox = machine.resolved(for: "virtualbox")
        #expect(onVirtualBox.box == "bento/debian-12")
        #expect(Self.privateNetworks(onVirtualBox).map(\.ip) == ["192.168.56.10"])
        #expect(machine.resolved(for: "qemu").box == "boxer/tiny")
    }

    @Test func providerVMware() throws {
        let machine = try #require(try Self.load("provider-vmware").machines.first)
        #expect(machine.providerOrder == ["vmware_desktop", "vmware_fusion"])
        for name in ["vmware_desktop", "vmware_fusion"] {
            let settings = try #require(machine.providers[name])
            #expect(settings.vmx == ["memsize": "2048", "numvcpus": "2"])
            #expect(settings.values["gui"] == .bool(false))
        }
        #expect(machine.resolved(for: "vmware_fusion").box == "bento/debian-12-arm64")
        #expect(machine.resolved(for: "vmware_desktop").box == "boxer/tiny")
    }

    @Test func providerParallels() throws {
        let settings = try #require(try Self.load("provider-parallels").machines.first?.providers["parallels"])
        #expect(settings.values["name"] == .string("boxer-parallels"))
        #expect(settings.memory == 1024)
        #expect(settings.cpus == 2)
        #expect(settings.values["update_guest_tools"] == .bool(true))
        #expect(settings.customizations == [[.string("set"), .string(":id"), .string("--startup-view"), .string("headless")]])
    }

    @Test func providerQemuAndLibvirt() throws {
        let machine = try #require(try Self.load("provider-qemu-libvirt").machines.first)
        #expect(machine.boxArchitecture == "arm64")
        #expect(machine.providerOrder == ["qemu", "libvirt"])
        let qemu = try #require(machine.providers["qemu"])
        #expect(qemu.values["arch"] == .string("aarch64"))
        #expect(qemu.values["machine"] == .string("virt,accel=hvf,highmem=on"))
        #expect(qemu.values["smp"] == .int(2))
        #expect(qemu.values["memory"] == .string("2G"))
        let libvirt = try #require(machine.providers["libvirt"])
        #expect(libvirt.values["driver"] == .string("kvm"))
        #expect(libvirt.memory == 2048)
        #expect(
            libvirt.calls == [
                ProviderCall(name: "storage", arguments: [.string("file"), .object(["size": .string("20G"), "type": .string("qcow2")])])
            ])
    }

    @Test func shellProvisioning() throws {
        let environment = try Self.load("shell-provisioning")
        #expect(environment.machines.map(\.name) == ["web", "db"])
        let web = environment.machines[0].provisioners
        #expect(web.count == 5)
        #expect(web[0].inline == "    echo \"setting up as $(whoami)\"\n")
        #expect(!web[0].privileged)
        #expect(web[1].name == "packages")
        #expect(web[1].inline == "apt-get install -y curl git\necho \"installed 2 packages\"\n")
        #expect(web[1].environment == ["DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8"])
        #expect(web[2].path == "scripts/bootstrap.sh")
        #expect(web[2].arguments == ["--role", "web"])
        #expect(web[2].options["upload_path"] == .string("/tmp/bootstrap.sh"))
        #expect(web[3].arguments == ["one two"])
        #expect(web[3].inline == "echo \"$1 and $2\"")
        #expect(web[4].name == "clock")
        #expect(web[4].run == "always")
        #expect(web[4].inline == "date")
        #expect(web.prefix(4).allSatisfy { $0.run == "once" })
        // db replaced the named "packages" step in place; web kept the original.
        let db = environment.machines[1].provisioners
        #expect(db.count == 5)
        #expect(db[1].inline == "apt-get install -y postgresql")
    }

    @Test func fileProvisioning() throws {
        let provisioners = try #require(try Self.load("file-provisioning").machines.first?.provisioners)
        #expect(provisioners.map(\.type) == ["file", "file", "shell"])
        #expect(provisioners[0].source == "files/motd")
        #expect(provisioners[0].destination == "/tmp/motd")
        #expect(provisioners[1].destination == "$HOME/files")
    }

    @Test func yamlSettings() throws {
        let environment = try Self.load("yaml-settings")
        #expect(environment.machines.map(\.name) == ["control", "worker"])
        #expect(environment.machines.map(\.box) == ["boxer/tiny", "boxer/tiny"])
        #expect(environment.machines.map { Self.privateNetworks($0).first?.ip } == ["192.168.70.10", "192.168.70.20"])
        #expect(environment.machines.map { $0.providers["qemu"]?.memory } == [512, 384])
        #expect(Self.ports(environment.machines[1]).map(\.host) == [2222, 18080])
        #expect(Self.ports(environment.machines[0]).map(\.host) == [2222])
    }

    @Test func jsonAndEnvironment() throws {
        let plain = try Self.load("json-and-env")
        #expect(plain.machines.map(\.name) == ["web", "cache"])  // JSON order, as Ruby keeps it
        #expect(plain.machines.map(\.box) == ["boxer/tiny", "boxer/tiny"])
        #expect(plain.machines.map { $0.providers["qemu"]?.memory } == [512, 256])
        #expect(Self.ports(plain.machines[0]).map(\.host) == [2222, 10080, 10443])
        let tuned = try Self.load("json-and-env", environment: ["EXAMPLE_BOX": "other/box", "EXAMPLE_MEMORY_FACTOR": "2"])
        #expect(tuned.machines.map(\.box) == ["other/box", "other/box"])
        #expect(tuned.machines.map { $0.providers["qemu"]?.memory } == [1024, 512])
    }

    @Test func clusterHelpers() throws {
        let environment = try Self.load("cluster-helpers")
        #expect(environment.machines.map(\.name) == ["master-01", "worker-02", "worker-03"])
        #expect(environment.primaryMachine?.name == "master-01")
        #expect(environment.machines.map { Self.privateNetworks($0).first?.ip } == ["192.168.5.100", "192.168.5.101", "192.168.5.102"])
        #expect(environment.machines.map { $0.providers["qemu"]?.memory } == [1024, 768, 768])
        #expect(
            environment.machines.map { $0.provisioners.first?.inline } == [
                "echo init master-01", "echo join worker-02", "echo join worker-03",
            ])
        #expect(!environment.machines[0].ssh.insertKey)
        #expect(environment.machines[0].ssh.forwardAgent)
        let withEdge = try Self.load("cluster-helpers", environment: ["WITH_EDGE": "1"])
        #expect(withEdge.machines.map(\.name).last == "edge-04")
        #expect(withEdge.machines.last?.provisioners.isEmpty == true)
        #expect(withEdge.machines.last?.providers["qemu"]?.memory == 512)
    }
}
