import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

/// The libvirt provider's pure parts: which host a machine's settings name (as vagrant-libvirt
/// reads them), the SSH hop to it, and the domain XML boxer defines. Its lifecycle against real
/// libvirt daemons is in IntegrationTests/LibvirtTestbedTests.
@Suite struct LibvirtTests {
    static let home = "/home/user"

    @Test func theURIAsVagrantLibvirtBuildsIt() {
        func uri(_ settings: [String: ConfigValue]) -> String? { LibvirtHost.configured(settings, home: Self.home)?.uri }
        #expect(uri([:]) == nil, "nothing named: the machine is placed, or goes to the default daemon")
        #expect(uri(["memory": .int(512)]) == nil)
        #expect(uri(["uri": .string("qemu+ssh://me@h1/system")]) == "qemu+ssh://me@h1/system")
        #expect(
            uri(["host": .string("h1"), "connect_via_ssh": .bool(true), "username": .string("ops"), "id_ssh_key_file": .string("lab_key")])
                == "qemu+ssh://ops@h1/system?keyfile=/home/user/.ssh/lab_key", "a bare key name is in ~/.ssh")
        #expect(
            uri(["host": .string("h1"), "id_ssh_key_file": .string("/keys/k")]) == "qemu+ssh://h1/system?keyfile=/keys/k",
            "a key file alone turns SSH on")
        #expect(uri(["host": .string("h1")]) == "qemu://h1/system")
        #expect(uri(["qemu_use_session": .bool(true)]) == "qemu:///session")
        #expect(uri(["connect_via_ssh": .bool(true), "id_ssh_key_file": .null]) == "qemu+ssh://localhost/system")
    }

    @Test func remoteHostsAreReachedThroughSSH() {
        let remote = LibvirtHost(uri: "qemu+ssh://ops@10.0.0.5:2022/system?keyfile=/keys/k&no_verify=1")
        #expect(remote.isRemote && remote.displayName == "10.0.0.5" && remote.problem == nil)
        #expect(remote.proxy == SSHProxy(host: "10.0.0.5", user: "ops", port: 2022, identity: "/keys/k"))
        let option = remote.proxy?.option
        #expect(option?.0 == "ProxyCommand" && option?.1 == "ssh -i /keys/k -p 2022 -l ops -W %h:%p 10.0.0.5", "a key file needs ssh -W")
        let jump = LibvirtHost(uri: "qemu+ssh://h2/system").proxy?.option
        #expect(jump?.0 == "ProxyJump" && jump?.1 == "h2", "otherwise ProxyJump and the user's ssh config")
        let local = LibvirtHost(uri: "qemu:///system")
        #expect(!local.isRemote && local.proxy == nil && local.displayName == "local" && local.problem == nil)
        #expect(LibvirtHost(uri: "qemu+tls://h3/system").problem?.contains("qemu+ssh://h3/system") == true)
        #expect(LibvirtHost(uri: "lxc:///").problem != nil, "boxer runs QEMU domains only")
    }

    @Test func placementHostsFromTheEnvironmentOrTheSetting() {
        #expect(
            LibvirtHost.pool([:], environment: ["BOXER_LIBVIRT_HOSTS": "qemu+ssh://a/system, qemu+ssh://b/system"]).map(\.uri) == [
                "qemu+ssh://a/system", "qemu+ssh://b/system",
            ])
        #expect(
            LibvirtHost.pool(["hosts": .array([.string("qemu+ssh://c/system")])], environment: [:]).map(\.uri) == ["qemu+ssh://c/system"])
        #expect(LibvirtHost.fallback(environment: ["LIBVIRT_DEFAULT_URI": "qemu+ssh://d/system"]).uri == "qemu+ssh://d/system")
        let capabilities =
            "<capabilities><host><uuid>x</uuid><cpu><arch>aarch64</arch></cpu></host><guest><arch name='x86_64'/></guest></capabilities>"
        #expect(LibvirtProvider.hostArchitecture(capabilities) == "aarch64")
    }

    @Test func theDomainXML() {
        var domain = LibvirtDomainXML(
            name: "boxer-web-1234abcd", uuid: "1234abcd-0000-4000-8000-000000000000", type: "qemu", arch: "x86_64", machineType: "q35",
            memoryMiB: 256, cpus: 2, cpuMode: nil, cpuModel: nil,
            disks: [
                .init(pool: "boxer", volume: "boxer-web-1234abcd.qcow2", format: "qcow2"),
                .init(pool: "boxer", volume: "boxer-web-1234abcd-seed.iso", format: "raw", readOnly: true),
            ],
            natMAC: "52:54:00:00:00:01", forwards: [PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2222, guest: 22, proto: "tcp")],
            restrictNAT: true)
        domain.internalMAC = "52:54:00:00:00:02"
        domain.internalPort = 23456
        domain.consoleLog = "/var/lib/libvirt/images/boxer/boxer-web-1234abcd-console.log"
        let xml = domain.xml
        #expect(xml.contains("<domain type=\"qemu\" xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\">"))
        #expect(xml.contains("<memory unit=\"MiB\">256</memory>") && xml.contains("<vcpu>2</vcpu>"))
        #expect(xml.contains("<source pool=\"boxer\" volume=\"boxer-web-1234abcd.qcow2\"/><target dev=\"vda\" bus=\"virtio\"/>"))
        #expect(xml.contains("<target dev=\"vdb\" bus=\"virtio\"/><readonly/>"), "the seed is read-only, after the disk")
        #expect(
            xml.contains("<interface type=\"server\">") && xml.contains("<source address=\"127.0.0.1\" port=\"23456\"/>"),
            "NIC2: a socket on the host's loopback")
        #expect(
            xml.contains(
                "<qemu:arg value=\"user,id=boxernat,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22\"/>")
                && xml.contains("<qemu:arg value=\"virtio-net-pci,netdev=boxernat,mac=52:54:00:00:00:01,bus=pcie.0,addr=0x18\"/>"),
            "NIC1: QEMU's user networking with the forwards, first on the root bus")
        #expect(!xml.contains("<graphics"), "headless unless graphics_type says otherwise")

        domain.arch = "aarch64"
        domain.machineType = "virt"
        domain.firmwareEFI = true
        domain.cpuMode = "custom"
        domain.cpuModel = "cortex-a72"
        #expect(domain.xml.contains("<os firmware=\"efi\">") && domain.xml.contains("<model fallback=\"allow\">cortex-a72</model>"))
        domain.machineType = "pc-i440fx-7.2"
        #expect(domain.natArguments.last?.contains("bus=pci.0") == true)
        domain.disks.append(.cdrom(hostFile: "/srv/isos/tools.iso", bus: "scsi"))
        domain.disks.append(.cdrom(hostFile: nil, bus: "sata"))
        #expect(
            domain.xml.contains(
                "<disk type=\"file\" device=\"cdrom\"><driver name=\"qemu\" type=\"raw\"/><source file=\"/srv/isos/tools.iso\"/><target dev=\"sda\" bus=\"scsi\"/><readonly/></disk>"
            ), "a cdrom of a file on the host: \(domain.xml)")
        #expect(
            domain.xml.contains(
                "<disk type=\"file\" device=\"cdrom\"><driver name=\"qemu\" type=\"raw\"/><target dev=\"sdb\" bus=\"sata\"/><readonly/></disk>"
            ),
            "an empty drive")
        #expect(domain.xml.contains("<controller type=\"scsi\" index=\"0\" model=\"virtio-scsi\"/>"), "scsi on virtio-scsi")
        domain.shares = [SharedFolder(tag: "boxer0", hostPath: "/work/project", guestPath: "/vagrant")]
        #expect(
            domain.xml.contains(
                "<filesystem type=\"mount\" accessmode=\"mapped\"><source dir=\"/work/project\"/><target dir=\"boxer0\"/></filesystem>"))
        domain.name = "a<b>&'\""
        #expect(domain.xml.contains("<name>a&lt;b&gt;&amp;&apos;&quot;</name>"))
    }

    @Test func boxVolumesAreKeyedByBoxVersionArchitectureAndContent() {
        let box = BoxMatch(name: "acme/web base", version: "1.2.0", architecture: nil, provider: "libvirt", path: "/b")
        #expect(
            LibvirtProvider.boxVolumeName(box, architecture: "amd64", digest: "0123456789abcdef0123")
                == "boxer-box-acme_web_base-1.2.0-amd64-0123456789abcdef.img")
        #expect(LibvirtProvider.domainName(machine: "db 1", id: "abcdef01-2345") == "boxer-db_1-abcdef01")
        #expect(LibvirtProvider.nic2Port(id: "x", attempt: 0) != LibvirtProvider.nic2Port(id: "x", attempt: 1))
        #expect((20_000..<40_000).contains(LibvirtProvider.nic2Port(id: "x", attempt: 3)))
    }

    /// A host that does not answer (here a daemon socket that is not there): the machine's state
    /// reads "aborted", and `checkReachable` says why, naming the host, so that `status` shows
    /// "unknown" with that reason rather than a crashed machine.
    @Test func anUnreachableHostIsReportedAsSuch() async throws {
        let temporary = try TemporaryFolder("boxer-libvirt-unreachable")
        let project = try temporary.folder("project").path
        let uri = "qemu+unix:///system?socket=\(temporary.url.path)/no-daemon.sock"
        let machine = try #require(
            try VagrantfileLoader.evaluate(source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\" }", directory: project).machines.first)
        let context = MachineContext(
            machine: machine, folder: MachineFolder(projectRoot: project, machineName: machine.name, provider: "libvirt"), box: nil)
        try context.folder.write("id", "0f0e0d0c-0b0a-4908-8706-050403020100")
        try context.folder.write("libvirt_host", uri)
        let provider = LibvirtProvider(home: BoxerHome(root: try temporary.folder("home")))
        #expect(await provider.state(context) == .aborted)
        await #expect {
            try await provider.checkReachable(context)
        } throws: { error in
            let message = (error as? MachineError)?.message ?? ""
            return message.contains("Cannot connect to libvirt at \(uri)") && message.contains("no-daemon.sock")
        }
    }

    /// Box volumes are recorded per host, pool and volume, found again by the box's folder, and
    /// a host that cannot be reached keeps its record and is reported.
    @Test func boxVolumesAreRecordedForBoxRemove() async throws {
        let temporary = try TemporaryFolder("boxer-libvirt-uploads")
        let uploads = LibvirtBoxUploads(home: BoxerHome(root: try temporary.folder("home")))
        let box = temporary.url.path + "/home/boxes/acme/1.0/amd64/libvirt"
        let gone = "qemu+unix:///system?socket=\(temporary.url.path)/gone.sock"
        uploads.record(.init(uri: gone, pool: "boxer", volume: "boxer-box-acme-1.0-amd64-0123.img", boxPath: box))
        uploads.record(.init(uri: gone, pool: "boxer", volume: "boxer-box-acme-1.0-amd64-0123.img", boxPath: box))
        uploads.record(.init(uri: gone, pool: "boxer", volume: "boxer-box-other-2.0-amd64-4567.img", boxPath: box + "-other"))
        #expect(uploads.uploads(ofBoxAt: box).map(\.volume) == ["boxer-box-acme-1.0-amd64-0123.img"], "one record per volume")
        #expect(uploads.uploads(ofBoxAt: box + "/").count == 1, "the box's folder, however it is spelled")
        let (removed, failed) = await uploads.removeVolumes(ofBoxAt: box)
        #expect(removed.isEmpty)
        #expect(failed.count == 1 && failed.first?.1.message.contains("gone.sock") == true)
        #expect(uploads.uploads(ofBoxAt: box).count == 1, "kept for another try")
        #expect(uploads.uploads(ofBoxAt: box + "-other").count == 1, "another box's record is left alone")
    }
}
