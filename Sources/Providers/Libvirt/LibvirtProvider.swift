import BoxStore
import BoxerSupport
import CLibvirt
import Foundation
import Machines
import Vagrantfile

/// The libvirt provider: machines as libvirt domains on the local daemon or on remote hosts
/// over `qemu+ssh://`, each machine on the host its `libvirt` block names (vagrant-libvirt's
/// `uri`, or `host` + `connect_via_ssh` + `username` + `id_ssh_key_file`), else one placed from
/// `$BOXER_LIBVIRT_HOSTS`, else `$LIBVIRT_DEFAULT_URI` or the default daemon. The box image
/// is uploaded once per host into a storage pool; each machine is a qcow2 overlay volume backed
/// by it, with its seed ISO as a volume too. NIC1 is QEMU's user networking with SSH on the
/// host's loopback (reached through the host with ProxyJump when it is remote); NIC2 is a TCP
/// socket on the host's loopback that boxer's environment switch reaches, through the
/// environment's SSH connection to that host when it is remote.
///
/// In the machine's folder: `libvirt_host` (the URI, fixed at create), `ports.json`,
/// `nic2_port`. The id is the domain's UUID.
public struct LibvirtProvider: Provider {
    public let name = "libvirt"
    public let boxFormats = ["libvirt"]
    /// 9p, as vagrant-libvirt shares folders with `<filesystem>`: only for a machine on this
    /// computer's daemon (the folder must be on the machine's host).
    public let sharedFolderTypes: Set<String> = ["9p"]
    public let attachesToUserspaceSwitch = true
    let home: BoxerHome
    let environment: [String: String]
    let connections = LibvirtConnections()

    public init(home: BoxerHome, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.home = home
        self.environment = environment
    }

    var tunnels: SSHTunnels { SSHTunnels(folder: home.runtime) }

    public func mountCommand(for share: SharedFolder) -> String {
        "mkdir -p \(Communicator.quote(share.guestPath)) && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \(share.tag) \(Communicator.quote(share.guestPath))"
    }

    public func checkUsable() throws(MachineError) {
        _ = try LibvirtConnection.library()
    }

    /// Picked for a `libvirt` block without `--provider` only when there is a daemon to use:
    /// hosts named in the environment, or the local daemon's socket. Otherwise such blocks run
    /// under the QEMU provider, which runs the same boxes without a daemon.
    public func usableAsDefault() -> Bool {
        guard (try? checkUsable()) != nil else { return false }
        return !Self.daemonsToProbe(environment: environment).isEmpty
    }

    /// The daemons boxer would use without a `uri` in the Vagrantfile: those of
    /// `$BOXER_LIBVIRT_HOSTS`, else `$LIBVIRT_DEFAULT_URI`, else the local daemon when its socket
    /// is there; none otherwise.
    static func daemonsToProbe(environment: [String: String]) -> [LibvirtHost] {
        let listed = LibvirtHost.pool([:], environment: environment)
        if !listed.isEmpty { return listed }
        if environment["LIBVIRT_DEFAULT_URI"].map({ !$0.isEmpty }) == true { return [LibvirtHost.fallback(environment: environment)] }
        let runtime = environment["XDG_RUNTIME_DIR"] ?? "/run/user/\(getuid())"
        let socket = getuid() == 0 ? "/run/libvirt/libvirt-sock" : runtime + "/libvirt/libvirt-sock"
        return HostFiles.kind(of: socket) != nil ? [LibvirtHost.fallback(environment: environment)] : []
    }

    /// `boxer providers`: what each daemon boxer would use says of itself (version, CPU
    /// architecture, whether it offers KVM, free memory), or why it cannot be reached; given
    /// `seconds` each.
    public static func probeDaemons(environment: [String: String], seconds: Double = 15) async -> [ProviderReport.Daemon] {
        var daemons: [ProviderReport.Daemon] = []
        for host in daemonsToProbe(environment: environment) {
            // The connection cannot be cancelled once libvirt is in it (an SSH login to a host that
            // does not answer): the first of its answer and the deadline is taken, and a late
            // answer is dropped.
            let answer = await withCheckedContinuation { (continuation: CheckedContinuation<ProviderReport.Daemon, Never>) in
                let answered = Locked(false)
                let finish: @Sendable (ProviderReport.Daemon) -> Void = { daemon in
                    let first = answered.withLock { done in
                        defer { done = true }
                        return !done
                    }
                    if first { continuation.resume(returning: daemon) }
                }
                Thread.detachNewThread {
                    finish(Self.describe(host))
                }
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: seconds)
                    finish(.init(uri: host.uri, problem: "no answer within \(Int(seconds)) s"))
                }
            }
            daemons.append(answer)
        }
        return daemons
    }

    /// What one daemon says of itself, or why it cannot be used (blocking).
    static func describe(_ host: LibvirtHost) -> ProviderReport.Daemon {
        if let problem = host.problem { return .init(uri: host.uri, problem: problem) }
        do {
            let connection = try LibvirtConnection.open(host.uri)
            let arch = (try? connection.capabilities()).flatMap(hostArchitecture) ?? "unknown"
            let kvm = connection.domainCapabilities(arch: arch, virtType: "kvm", machine: nil) != nil
            let description =
                "libvirt \(connection.libraryVersion() ?? "(version unknown)"), \(arch), "
                + (kvm ? "offers KVM" : "no KVM: guests run under TCG") + ", \(connection.freeMemory() >> 20) MiB free"
            return .init(uri: host.uri, answer: description)
        } catch {
            return .init(uri: host.uri, problem: error.message)
        }
    }

    public func checkID(_ id: String, folder: MachineFolder) -> String? {
        MachineIDForm.isLowercaseUUID(id) ? nil : "libvirt machine ids are the domains' lower-case UUIDs"
    }

    func settings(_ context: MachineContext) -> [String: ConfigValue] { context.machine.providers["libvirt"]?.values ?? [:] }

    // MARK: Names

    /// `boxer-<machine>-<first 8 of the UUID>`: readable in `virsh list`, unique per host.
    static func domainName(machine: String, id: String) -> String {
        let cleaned = machine.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return "boxer-" + String(cleaned.prefix(40)) + "-" + id.prefix(8)
    }

    func domainName(_ context: MachineContext) throws(MachineError) -> String {
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        return Self.domainName(machine: context.folder.machineName, id: id)
    }

    // MARK: Hosts

    /// The host recorded when the machine was created.
    public func recordedHost(_ folder: MachineFolder) -> LibvirtHost? {
        folder.read("libvirt_host").map { LibvirtHost(uri: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The host's name, or "local" for this computer's daemon.
    public func location(_ folder: MachineFolder) -> String? { recordedHost(folder)?.displayName }

    func host(_ context: MachineContext) throws(MachineError) -> LibvirtHost {
        guard let host = recordedHost(context.folder) else { throw MachineError.machineNotCreated }
        return host
    }

    /// Where a new machine goes: its own setting, else a placed host, else the default.
    func chooseHost(_ context: MachineContext) async throws(MachineError) -> LibvirtHost {
        let settings = settings(context)
        let host: LibvirtHost
        if let configured = LibvirtHost.configured(settings, home: NSHomeDirectory()) {
            host = configured
        } else {
            let candidates = LibvirtHost.pool(settings, environment: environment)
            if candidates.isEmpty {
                host = LibvirtHost.fallback(environment: environment)
            } else {
                host = try await place(context, on: candidates)
            }
        }
        if let problem = host.problem { throw MachineError.badLibvirtURI(host.uri, machine: context.machine.name, problem: problem) }
        return host
    }

    func connection(_ host: LibvirtHost) throws(MachineError) -> LibvirtConnection {
        try connections.connection(host.uri)
    }

    // MARK: Lifecycle

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        guard let box = context.box else { throw MachineError.noBoxToMakeFrom }
        let image = box.path + "/box.img"
        guard HostFiles.kind(of: image) == .regular else { throw MachineError.noBoxImage(box) }
        try MachineRecords.makeFolder(context)
        let host = try await chooseHost(context)
        if host.isRemote, let share = context.shares.first {
            throw MachineError.libvirtRemoteShare(machine: context.machine.name, hostPath: share.hostPath, host: host.displayName)
        }
        let id = UUID().uuidString.lowercased()
        let domainName = Self.domainName(machine: context.folder.machineName, id: id)
        let disks = try diskPlan(context)
        let requested = settings(context)["machine_virtual_size"]?.int.map { UInt64($0) << 30 }
        let cancel = UploadCancel()
        // One machine at a time makes its disks from a box on a host: the second finds the box
        // volume whole (libvirt lists a volume it is still copying, whose file is not there yet).
        let boxLock = try await home.holdLock("libvirt-box-" + SSHTunnels.hash(host.uri + "|" + image))
        defer { boxLock.unlock() }
        // Ctrl-C (a cancelled task) ends an upload in progress; its partial volume is removed.
        let outcome = await withTaskCancellationHandler {
            await onDedicatedThread { () throws(MachineError) in
                let connection = try self.connection(host)
                let pool = try self.pool(context, on: connection, host: host)
                let boxVolume = try self.boxVolume(
                    box, architecture: self.guestArchitecture(context), image: image, pool: pool, cancel: cancel)
                LibvirtBoxUploads(home: self.home).record(
                    .init(uri: host.uri, pool: pool.name, volume: boxVolume.name, boxPath: box.path))
                let boxPath = try boxVolume.path()
                let boxSize = boxVolume.capacity() ?? Self.virtualSize(image) ?? 0
                var size = max(boxSize, requested ?? 0)
                if let primary = disks.primaryBytes.map(UInt64.init) {
                    if primary < boxSize, disks.primaryIsExplicit {
                        throw MachineError.diskTooSmall(machine: context.machine.name, requested: Int64(primary), box: Int64(boxSize))
                    }
                    size = max(size, primary)
                }
                var made: [LibvirtVolume] = []
                do throws(MachineError) {
                    made.append(
                        try pool.createVolume(
                            Self.volumeXML(name: domainName + ".qcow2", capacity: size, format: "qcow2", backing: boxPath),
                            named: domainName + ".qcow2"))
                    for data in disks.data {
                        let name = domainName + "-" + DiskPlan.serial(data.name) + ".qcow2"
                        made.append(
                            try pool.createVolume(Self.volumeXML(name: name, capacity: UInt64(data.bytes), format: "qcow2"), named: name))
                    }
                    let definition = try self.definition(
                        context, id: id, domainName: domainName, host: host, connection: connection, pool: pool)
                    _ = try connection.define(definition.xml)
                } catch {
                    for volume in made { try? volume.delete() }
                    throw error
                }
            }
        } onCancel: {
            cancel.set()
        }
        try outcome.get()
        try context.folder.write("libvirt_host", host.uri)
        return id
    }

    public func start(_ context: MachineContext) async throws(MachineError) {
        let host = try host(context)
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let domainName = try domainName(context)
        MachineRecords.writeForwards(context)
        if host.isRemote, let share = context.shares.first {
            throw MachineError.libvirtRemoteShare(machine: context.machine.name, hostPath: share.hostPath, host: host.displayName)
        }
        try await blocking { () throws(MachineError) in
            let connection = try self.connection(host)
            let pool = try self.pool(context, on: connection, host: host)
            if let seed = context.seed {
                try self.uploadFile(seed, as: domainName + "-seed.iso", pool: pool)
            }
            try self.uploadImages(context, domainName: domainName, pool: pool)
            var attempt = 0
            while true {
                let definition = try self.definition(
                    context, id: id, domainName: domainName, host: host, connection: connection, pool: pool)
                if let console = definition.consoleLog { try context.folder.write("console_path", console) }
                let domain = try connection.define(definition.xml)
                do throws(MachineError) {
                    // A snapshot with memory restored while the machine was off: it runs on from there.
                    if let snapshot = context.folder.read(Self.revertOnStartFile), !snapshot.isEmpty {
                        try domain.revert(to: snapshot, flags: VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING.rawValue)
                        context.folder.remove(Self.revertOnStartFile)
                    } else {
                        try domain.start()
                    }
                    return
                } catch {
                    if error.message.contains("Could not set up host forwarding rule") {
                        throw MachineError.qemuCouldNotForward(error.message)
                    }
                    // A /dev/kvm that libvirt offers but that cannot run guests (nested or
                    // paravirtual hosts): emulation, from now on for this machine.
                    if definition.type == "kvm", error.message.lowercased().contains("kvm"), context.folder.read("libvirt_driver") == nil {
                        try context.folder.write("libvirt_driver", "qemu")
                        continue
                    }
                    // NIC2's port on the host is taken (another environment's machine): next one.
                    guard error.message.contains("Address already in use"), context.internalNetwork != nil, attempt < 8 else { throw error }
                    attempt += 1
                    try context.folder.write("nic2_port", String(Self.nic2Port(id: id, attempt: attempt)))
                }
            }
        }
        try await attachInternalNetwork(context, host: host)
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        let host = try host(context)
        guard let id = context.folder.id else { return }
        try await blocking { () throws(MachineError) in
            let connection = try self.connection(host)
            guard let domain = try connection.domain(uuid: id) else { return }
            let (state, _) = try domain.state()
            guard state != VIR_DOMAIN_SHUTOFF else { return }
            if !force {
                if state == VIR_DOMAIN_PAUSED { try? domain.resume() }
                if (try? domain.shutdown()) != nil,
                    try domain.wait(for: VIR_DOMAIN_SHUTOFF, until: Date().addingTimeInterval(timeout))
                {
                    return
                }
            }
            if (try domain.state()).state != VIR_DOMAIN_SHUTOFF { try domain.destroy() }
        }
        await detachInternalNetwork(context, host: host)
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        let host = try host(context)
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await blocking { () throws(MachineError) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotRunning }
            try domain.suspend()
        }
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        let host = try host(context)
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await blocking { () throws(MachineError) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotRunning }
            try domain.resume()
        }
    }

    /// Removes the domain, its overlay, seed and data volumes; the box volume stays for the
    /// next machine (`boxer box remove` removes it).
    public func destroy(_ context: MachineContext) async throws(MachineError) {
        guard let host = recordedHost(context.folder), let id = context.folder.id else { return }
        try await stop(context, force: true, timeout: 0)
        let domainName = try domainName(context)
        try await blocking { () throws(MachineError) in
            let connection = try self.connection(host)
            if let domain = try connection.domain(uuid: id) { try domain.undefine() }
            let pool = try self.pool(context, on: connection, host: host)
            // Read again: the console log is QEMU's file, which libvirt lists only once it looks.
            pool.refresh()
            for name in try pool.volumeNames() where name == domainName + ".qcow2" || name.hasPrefix(domainName + "-") {
                try pool.volume(named: name)?.delete()
            }
        }
        for file in [
            "libvirt_host", "ports.json", "nic2_port", "nic2_link", "libvirt_driver", "console_path", "seed.iso", Self.revertOnStartFile,
        ] {
            context.folder.remove(file)
        }
    }

    public func state(_ context: MachineContext) async -> MachineState {
        guard let host = recordedHost(context.folder), let id = context.folder.id else { return .notCreated }
        let result = await onDedicatedThread { () throws(MachineError) -> MachineState in
            guard let domain = try self.connection(host).domain(uuid: id) else { return .notCreated }
            let (state, reason) = try domain.state()
            switch state {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED: return .running
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED: return .paused
            case VIR_DOMAIN_CRASHED: return .aborted
            case VIR_DOMAIN_SHUTOFF:
                return reason == Int32(VIR_DOMAIN_SHUTOFF_CRASHED.rawValue) || reason == Int32(VIR_DOMAIN_SHUTOFF_FAILED.rawValue)
                    ? .aborted : .poweroff
            default: return .poweroff
            }
        }
        // A host that cannot be reached says nothing about the machine: not "not created",
        // which would have `up` make another.
        return (try? result.get()) ?? .aborted
    }

    /// Connects to the machine's host, failing with what libvirt (or SSH) says.
    public func checkReachable(_ context: MachineContext) async throws(MachineError) {
        guard let host = recordedHost(context.folder) else { return }
        _ = try await blocking { () throws(MachineError) in try self.connection(host) }
    }

    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? {
        guard var endpoint = MachineRecords.sshEndpoint(context) else { return nil }
        if let host = recordedHost(context.folder), host.isRemote {
            endpoint.host = "127.0.0.1"
            endpoint.proxy = host.proxy
        }
        return endpoint
    }

    public func forwardedPorts(_ context: MachineContext) -> [PortForward] {
        MachineRecords.forwards(context)
    }

    /// The console's last lines: read here for the local daemon, through the SSH hop for a
    /// remote host.
    public func consoleTail(_ context: MachineContext, lines: Int) -> String {
        guard let host = recordedHost(context.folder), let name = try? domainName(context),
            let path = context.folder.read("console_path")?.trimmingCharacters(in: .whitespacesAndNewlines),
            path.hasSuffix("/" + name + "-console.log")
        else { return "(no console output)" }
        guard let proxy = host.proxy else { return MachineRecords.tail(of: path, lines: lines) }
        return SSHTunnels.remoteTail(proxy, path: path, lines: lines)
    }

}
