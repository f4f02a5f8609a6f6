import BoxStore
import BoxerSupport
import Networks
import Vagrantfile

/// What a machine is doing, as `boxer status` and the machine index report it. The raw values
/// are Vagrant's state ids.
public enum MachineState: String, Sendable, Codable, Equatable {
    case notCreated = "not_created"
    case running
    case poweroff
    case paused
    /// The hypervisor process is gone without having been asked to stop.
    case aborted

    /// The words `status` prints.
    public var shortDescription: String {
        switch self {
        case .notCreated: "not created"
        case .running: "running"
        case .poweroff: "poweroff"
        case .paused: "paused"
        case .aborted: "aborted"
        }
    }
}

/// A port on the host that reaches a port in the machine (NIC1's NAT).
public struct PortForward: Sendable, Equatable, Codable {
    public var id: String
    public var hostIP: String
    public var host: Int
    public var guest: Int
    public var proto: String

    public init(id: String, hostIP: String, host: Int, guest: Int, proto: String) {
        self.id = id
        self.hostIP = hostIP
        self.host = host
        self.guest = guest
        self.proto = proto
    }
}

/// Where to reach a machine's SSH server from the host.
public struct SSHEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The hypervisor host to go through when the address is that host's own (a machine on a
    /// remote libvirt host forwards SSH to that host's loopback).
    public var proxy: SSHProxy?

    public init(host: String, port: Int, proxy: SSHProxy? = nil) {
        self.host = host
        self.port = port
        self.proxy = proxy
    }
}

/// An SSH server a connection hops through (OpenSSH's ProxyJump). The hop is authenticated as
/// the user's own ssh config says, like any ssh to that host; a key file named for the host
/// (vagrant-libvirt's `id_ssh_key_file`) is passed with `ssh -W`, which ProxyJump cannot carry.
public struct SSHProxy: Sendable, Equatable, Codable {
    public var host: String
    public var user: String?
    public var port: Int?
    public var identity: String?

    public init(host: String, user: String? = nil, port: Int? = nil, identity: String? = nil) {
        self.host = host
        self.user = user
        self.port = port
        self.identity = identity
    }

    /// `[user@]host[:port]`, as `ssh -J` takes it.
    public var destination: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return (user.map { $0 + "@" } ?? "") + host + (port.map { ":\($0)" } ?? "")
    }

    /// The ssh option that makes a connection hop through this host.
    public var option: (String, String) {
        guard let identity else { return ("ProxyJump", destination) }
        var command = ["ssh", "-i", Self.quoted(identity)]
        if let port { command += ["-p", String(port)] }
        if let user { command += ["-l", Self.quoted(user)] }
        command += ["-W", "%h:%p", Self.quoted(host)]
        return ("ProxyCommand", command.joined(separator: " "))
    }

    private static func quoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "-_./@:+".contains($0) }
            ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Everything a provider needs to act on one machine: its resolved configuration, the box it
/// was made from, and its folder under `.vagrant/machines/<name>/<provider>/`.
public struct MachineContext: Sendable {
    public var machine: Machine
    public var folder: MachineFolder
    public var box: BoxMatch?
    /// Forwarded ports as chosen at start (auto_correct applied), NIC1.
    public var forwards: [PortForward]
    /// The environment's internal network (NIC2), when it has one.
    public var internalNetwork: InternalNetworkAttachment?
    /// The NoCloud seed for this boot, when the provider attaches one.
    public var seed: String?
    /// Host folders the hypervisor shares into the guest (synced folders of a type the provider
    /// lists in `sharedFolderTypes`), mounted by tag once the guest is up.
    public var shares: [SharedFolder] = []

    public init(
        machine: Machine, folder: MachineFolder, box: BoxMatch?, forwards: [PortForward] = [],
        internalNetwork: InternalNetworkAttachment? = nil, seed: String? = nil
    ) {
        self.machine = machine
        self.folder = folder
        self.box = box
        self.forwards = forwards
        self.internalNetwork = internalNetwork
        self.seed = seed
    }
}

/// A host folder shared into the guest by the hypervisor (QEMU: virtio-9p).
public struct SharedFolder: Sendable, Equatable {
    public var tag: String
    public var hostPath: String
    public var guestPath: String
    /// 9p security model: "mapped-xattr" (default), "passthrough", "mapped-file" or "none".
    public var accessMode: String

    public init(tag: String, hostPath: String, guestPath: String, accessMode: String = "mapped-xattr") {
        self.tag = tag
        self.hostPath = hostPath
        self.guestPath = guestPath
        self.accessMode = accessMode
    }
}

/// How a machine's second NIC joins the environment's internal network.
public struct InternalNetworkAttachment: Sendable, Equatable {
    /// For userspace providers (QEMU) the unix socket the machine listens on for the
    /// environment's switch; for hypervisors with networks of their own, the network's name
    /// (VirtualBox intnet, VMware vmnet, Parallels host-only).
    public var endpoint: String
    public var mac: String
    /// The environment network's /24.
    public var subnet: EnvironmentSubnet

    public init(endpoint: String, mac: String, subnet: EnvironmentSubnet) {
        self.endpoint = endpoint
        self.mac = mac
        self.subnet = subnet
    }
}

/// One hypervisor backend. Implementations hold no per-machine state: everything about a
/// machine lives in its folder, so any boxer process can pick up where another left off.
public protocol Provider: Sendable {
    /// The name used in `--provider`, `config.vm.provider` and `.vagrant/machines/*/<name>`.
    var name: String { get }
    /// Box provider folders this provider can run, most preferred first.
    var boxFormats: [String] { get }
    /// Whether NIC2 joins the environment network through boxer's userspace switch (QEMU), rather
    /// than a network the hypervisor makes itself.
    var attachesToUserspaceSwitch: Bool { get }
    /// Synced folder types the hypervisor shares itself (besides rsync, which works for all).
    var sharedFolderTypes: Set<String> { get }
    /// The guest command that mounts a share at its guest path (run with sudo).
    func mountCommand(for share: SharedFolder) -> String
    /// Fails with what to install when the hypervisor's tools are missing.
    func checkUsable() throws(MachineError)
    /// Whether a Vagrantfile's provider block may pick this provider when the command names
    /// none (Vagrant's "usable" check): its tools are there and it has a hypervisor to run on.
    func usableAsDefault() -> Bool
    /// Where a created machine runs, for providers that span hosts (libvirt: the host's name);
    /// nil for a machine on this computer.
    func location(_ folder: MachineFolder) -> String?
    /// Makes the machine's disks from the box (a linked clone where the hypervisor can) and
    /// returns the hypervisor's id for it.
    func create(_ context: MachineContext) async throws(MachineError) -> String
    /// Boots the machine; returns once the hypervisor runs it (not once the guest is up).
    func start(_ context: MachineContext) async throws(MachineError)
    /// Asks the guest to shut down and waits up to `timeout` seconds; `force` powers it off.
    func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError)
    func suspend(_ context: MachineContext) async throws(MachineError)
    func resume(_ context: MachineContext) async throws(MachineError)
    /// Removes everything the provider made for the machine. The machine must be stopped.
    func destroy(_ context: MachineContext) async throws(MachineError)
    func state(_ context: MachineContext) async -> MachineState
    /// Fails, saying why, when the hypervisor cannot be asked about the machine (a remote host
    /// that does not answer). `state` says `aborted` then, which is not the machine's own state.
    func checkReachable(_ context: MachineContext) async throws(MachineError)
    func sshEndpoint(_ context: MachineContext) -> SSHEndpoint?
    /// The ports the running machine forwards, as chosen when it started (auto_correct applied).
    func forwardedPorts(_ context: MachineContext) -> [PortForward]
    /// A few last lines of the machine's console, for errors (a guest that never answers SSH).
    func consoleTail(_ context: MachineContext, lines: Int) -> String
    /// NIC2's address as the hypervisor knows it (VirtualBox's guest properties, VMware's
    /// tools), for providers whose DHCP server is not boxer's; nil when it does not know.
    func internalAddress(_ context: MachineContext) async -> String?
    /// The MAC address of the machine's NIC `nic` (1 or 2): stable per machine id. Most
    /// hypervisors take any locally administered MAC (52:54:00:…); VMware allows static MACs
    /// only in its own range.
    func macAddress(forMachine id: String, nic: Int) -> String
    /// For hypervisors with networks of their own (not `attachesToUserspaceSwitch`): makes sure
    /// the environment's internal network exists with its DHCP server at its .1 and the
    /// static addresses reserved. Called before each of the environment's machines boots.
    func ensureInternalNetwork(_ network: InternalNetwork) async throws(MachineError)
    /// Removes what `ensureInternalNetwork` made; called when the environment's last machine is
    /// destroyed.
    func removeInternalNetwork(_ network: InternalNetwork) async
    /// nil when `id` (read back from the machine's `id` file) has exactly the form this provider
    /// writes, else what is wrong with it. Ids become parts of paths and hypervisor commands, so
    /// anything else is refused before it is used.
    func checkID(_ id: String, folder: MachineFolder) -> String?
    /// The machine's id from evidence other than its `id` file (a hypervisor process that still
    /// runs the folder's disk), for a file that is missing or damaged; nil when there is none.
    func recoverID(_ folder: MachineFolder) -> String?
    /// The machine's snapshots, oldest first.
    func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot]
    /// Takes a snapshot: of disks and memory while the machine runs, of the disks when it is off.
    func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError)
    /// Brings the machine back to a snapshot; returns whether it runs afterwards (a snapshot
    /// with memory restored into a running machine), else the caller boots it when asked to.
    func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool
    func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError)
    /// Writes the halted machine's disks into `folder` as a box of this provider holds them
    /// (`boxer package`), and says what its metadata.json records. `compressImage`: the disk
    /// image compressed itself, where the format allows it (qcow2).
    func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox
}

/// What a packaged machine's metadata.json says besides its architecture.
public struct PackagedBox: Sendable, Equatable {
    /// The box's provider (`libvirt` for a QEMU machine, as boxer's and Vagrant's QEMU boxes are).
    public var provider: String
    public var format: String?
    /// Whole GiB, rounded up (vagrant-libvirt's `virtual_size`).
    public var virtualSizeGB: Int?
    /// Settings the box's Vagrantfile starts with (VirtualBox's `base_mac`), before it loads
    /// the packager's include/_Vagrantfile.
    public var vagrantfile: String?

    public init(provider: String, format: String? = nil, virtualSizeGB: Int? = nil, vagrantfile: String? = nil) {
        self.provider = provider
        self.format = format
        self.virtualSizeGB = virtualSizeGB
        self.vagrantfile = vagrantfile
    }
}

/// One snapshot of a machine: its name, and whether it holds the running machine's memory
/// (restored, the machine goes on where it was).
public struct Snapshot: Sendable, Equatable {
    public var name: String
    public var withMemory: Bool

    public init(name: String, withMemory: Bool) {
        self.name = name
        self.withMemory = withMemory
    }
}

extension Provider {
    public func usableAsDefault() -> Bool { (try? checkUsable()) != nil }
    public func location(_ folder: MachineFolder) -> String? { nil }
    public func checkReachable(_ context: MachineContext) async throws(MachineError) {}
    public func internalAddress(_ context: MachineContext) async -> String? { nil }
    public func macAddress(forMachine id: String, nic: Int) -> String { MachineFolder.mac(for: id, nic: nic) }
    public func ensureInternalNetwork(_ network: InternalNetwork) async throws(MachineError) {}
    public func removeInternalNetwork(_ network: InternalNetwork) async {}
    public func checkID(_ id: String, folder: MachineFolder) -> String? {
        MachineIDForm.isToken(id) ? nil : "\(name) ids are tokens of letters, digits and {}._:- (at most 128)"
    }
    public func recoverID(_ folder: MachineFolder) -> String? { nil }
    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        throw MachineError.snapshotsNotSupported(provider: name)
    }
    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        throw MachineError.snapshotsNotSupported(provider: self.name)
    }
    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        throw MachineError.snapshotsNotSupported(provider: self.name)
    }
    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        throw MachineError.snapshotsNotSupported(provider: self.name)
    }
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        throw MachineError.packageNotSupported(provider: name)
    }
}

/// An environment's internal network as a hypervisor with its own networks makes it.
public struct InternalNetwork: Sendable, Equatable {
    /// One name per environment (VirtualBox `--intnet2`, its DHCP server's `--netname`).
    public var name: String
    /// The environment network's /24.
    public var subnet: EnvironmentSubnet
    /// NIC2 MAC → static address (`private_network ip:`).
    public var reservations: [String: String]

    public init(name: String, subnet: EnvironmentSubnet, reservations: [String: String] = [:]) {
        self.name = name
        self.subnet = subnet
        self.reservations = reservations
    }

    public var gateway: String { subnet.gateway.description }
    public var lowest: String { subnet.lowest.description }
    public var highest: String { subnet.highest.description }

    /// "boxer-<network>-<hash of the project folder>" (<network>: X for 192.168.X.0/24, else
    /// a.b.c): never VirtualBox's shared "intnet", and not mistaken for another environment's
    /// network that once had the same /24.
    public static func name(subnet: EnvironmentSubnet, project: String) -> String {
        let hex = String(StableHash.fnv1a(project), radix: 16)
        return "boxer-\(subnet.fileName)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
