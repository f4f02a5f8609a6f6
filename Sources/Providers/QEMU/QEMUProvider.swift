import BoxStore
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The QEMU provider: libvirt/qemu boxes (`box.img`, qcow2) run by `qemu-system-*` directly,
/// daemonized, one qcow2 overlay per machine backed by the box's image (a linked clone),
/// controlled over QMP. Everything about a machine is in its folder: `disk.qcow2`, `seed.iso`,
/// `efivars.fd`, `console.log`, `qemu.pid`, `ports.json`; its QMP socket is in a short runtime
/// folder (unix socket paths are limited to 108 bytes).
public struct QEMUProvider: Provider {
    public let name = "qemu"
    public let boxFormats = ["libvirt", "qemu"]
    public let sharedFolderTypes: Set<String> = ["9p"]
    public let attachesToUserspaceSwitch = true
    public let host: QEMUHost
    public let home: BoxerHome

    public init(home: BoxerHome, host: QEMUHost = QEMUHost()) {
        self.home = home
        self.host = host
    }

    public func mountCommand(for share: SharedFolder) -> String {
        "mkdir -p \(Communicator.quote(share.guestPath)) && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \(share.tag) \(Communicator.quote(share.guestPath))"
    }

    public func checkUsable() throws(MachineError) {
        guard Programs.find("qemu-img", environment: host.environment) != nil else {
            throw MachineError.qemuImgMissing
        }
    }

    // MARK: Files

    func diskPath(_ context: MachineContext) -> String { context.folder.file("disk.qcow2") }
    func pidPath(_ context: MachineContext) -> String { context.folder.file("qemu.pid") }
    func consolePath(_ context: MachineContext) -> String { context.folder.file("console.log") }
    func varsPath(_ context: MachineContext) -> String { context.folder.file("efivars.fd") }
    /// Written when boxer stops the machine on purpose; a machine whose QEMU is gone without it
    /// has crashed (state "aborted").
    func stoppedMarker(_ context: MachineContext) -> String { context.folder.file("stopped") }

    /// `<runtime>/<id>`: the home's runtime folder keeps every socket path within the unix
    /// limit. Only an id of the form `create` writes (a lower-case UUID) makes a path; any other
    /// text read back from the `id` file makes none, so it can never name a folder to delete.
    func runtimeFolder(_ id: String) -> String? {
        guard MachineIDForm.isLowercaseUUID(id) else { return nil }
        return home.runtime + "/" + id
    }

    func qmpSocket(_ context: MachineContext) -> String? {
        context.folder.id.flatMap(runtimeFolder).map { $0 + "/qmp.sock" }
    }

    /// The monitor of the machine's QEMU, for what only QMP does on a running machine (hot-plugged
    /// disks, port forwards added while it runs); nil when the machine has no QEMU id.
    public func monitor(_ context: MachineContext, timeout: Double = 10) -> QMPClient? {
        qmpSocket(context).map { QMPClient(socketPath: $0, timeout: timeout) }
    }

    public func checkID(_ id: String, folder: MachineFolder) -> String? {
        MachineIDForm.isLowercaseUUID(id) ? nil : "QEMU machine ids are lower-case UUIDs"
    }

    /// The id of the QEMU that holds this folder's pidfile lock, from its command line (its QMP
    /// socket is `<runtime>/<id>/qmp.sock`): a live machine is never taken for "not created"
    /// because its `id` file was lost or damaged.
    public func recoverID(_ folder: MachineFolder) -> String? {
        guard let pid = runningPID(folder) else { return nil }
        #if os(Linux)
            guard let bytes = try? HostFiles.readBytes(at: "/proc/\(pid)/cmdline", limit: 1 << 20) else { return nil }
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            for (index, argument) in arguments.enumerated() where argument == "-qmp" && index + 1 < arguments.count {
                let parts = arguments[index + 1].split(separator: "/").map(String.init)
                if let socket = parts.lastIndex(where: { $0.hasPrefix("qmp.sock") }), socket > 0,
                    MachineIDForm.isLowercaseUUID(parts[socket - 1])
                {
                    return parts[socket - 1]
                }
            }
        #endif
        return nil
    }

    func guestArchitecture(_ context: MachineContext) -> String {
        context.boxArchitecture ?? host.hostArchitecture
    }

    /// The machine's disks: `config.vm.disk`, and vagrant-libvirt's `machine_virtual_size` and
    /// `storage` calls, which a qemu or libvirt block may hold.
    func diskPlan(_ context: MachineContext) throws(MachineError) -> DiskPlan {
        let storage = ["qemu", "libvirt"].flatMap { context.machine.providers[$0]?.calls ?? [] }
        return try DiskPlan(
            context.machine, folder: context.folder, root: context.folder.projectRoot,
            virtualSizeGB: setting(context, "machine_virtual_size")?.int, fileExtension: "qcow2", provider: name, libvirtStorage: storage)
    }

    private func setting(_ context: MachineContext, _ key: String) -> ConfigValue? {
        context.machine.providers["qemu"]?.values[key] ?? context.machine.providers["libvirt"]?.values[key]
    }

    // MARK: Lifecycle

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        guard let box = context.box else { throw MachineError.noBoxToMakeFrom }
        let image = box.path + "/box.img"
        guard HostFiles.kind(of: image) == .regular else {
            throw MachineError.noBoxImage(box)
        }
        let id = UUID().uuidString.lowercased()
        try MachineRecords.makeFolder(context)
        // Never under a live machine: a QEMU that still holds this folder's pidfile has the disk
        // open, and a new one in its place would lose everything the guest wrote.
        if let pid = runningPID(context.folder) {
            throw MachineError.qemuStillRuns(pid: pid, machine: context.machine.name, folder: context.folder.path)
        }
        let disk = diskPath(context)
        unlink(disk)
        let disks = try diskPlan(context)
        var arguments = ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, disk]
        if let size = setting(context, "disk_size")?.string, !disks.primaryIsExplicit {
            arguments.append(size)
        } else if let bytes = disks.primaryBytes {
            // Disks only grow: a primary disk below the box's would cut off its file systems.
            // vagrant-libvirt's machine_virtual_size below it is ignored, as vagrant-libvirt does.
            let boxBytes = try await Self.virtualSize(image)
            if let boxBytes, bytes < boxBytes {
                if disks.primaryIsExplicit {
                    throw MachineError.diskTooSmall(machine: context.machine.name, requested: bytes, box: boxBytes)
                }
            } else {
                arguments.append(String(bytes))
            }
        }
        let result = try await Programs.run("qemu-img", arguments)
        guard result.succeeded else {
            throw MachineError.diskNotMade(from: image, result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // qemu-img creates it 0644 (less the umask): the guest's disk is the user's alone.
        chmod(disk, 0o600)
        // Created and off, not crashed.
        try context.folder.write("stopped", "")
        if guestArchitecture(context) == "arm64" || setting(context, "firmware")?.string == "uefi" {
            guard let firmware = host.uefiFirmware(for: guestArchitecture(context)) else {
                throw MachineError.noUEFIFirmware(for: guestArchitecture(context), package: host.package(for: guestArchitecture(context)))
            }
            do {
                try? FileManager.default.removeItem(atPath: varsPath(context))
                try FileManager.default.copyItem(atPath: firmware.vars, toPath: varsPath(context))
            } catch {
                throw MachineError.cannotCopyUEFIVariables(firmware.vars, error.localizedDescription)
            }
        }
        return id
    }

    public func commandLine(_ context: MachineContext) throws(MachineError) -> QEMUCommandLine {
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let architecture = guestArchitecture(context)
        let binary = Programs.find(host.binary(for: architecture), environment: host.environment)
        guard let binary else {
            throw MachineError.qemuMissing(
                host.binary(for: architecture), box: context.box?.name ?? "", architecture: architecture,
                package: host.package(for: architecture))
        }
        let (accelerator, _) = host.accelerator(
            for: architecture, requested: setting(context, "accel")?.string ?? setting(context, "accelerator")?.string)
        var firmware = QEMUCommandLine.Firmware.bios
        if HostFiles.kind(of: varsPath(context)) == .regular, let uefi = host.uefiFirmware(for: architecture) {
            firmware = .uefi(code: uefi.code, vars: varsPath(context))
        }
        let restrict =
            host.environment["BOXER_QEMU_RESTRICT"].map { $0 == "1" || $0 == "true" } ?? (setting(context, "restrict")?.bool ?? false)
        guard let runtime = runtimeFolder(id) else {
            throw MachineError.notAQEMUID(id)
        }
        var extra: [String] = []
        if case .array(let items)? = setting(context, "extra_qemu_args") ?? setting(context, "extra_args") {
            extra = items.compactMap(\.string)
        }
        // A snapshot with memory restored while the machine was off: it starts from there.
        if let snapshot = context.folder.read(Self.loadSnapshotFile)?.trimmingCharacters(in: .whitespacesAndNewlines), !snapshot.isEmpty {
            extra += ["-loadvm", snapshot]
        }
        let disks = try diskPlan(context)
        var command = QEMUCommandLine(
            binary: binary, guestArchitecture: architecture, accelerator: accelerator, name: context.folder.machineName,
            memoryMiB: context.machine.providers["qemu"]?.memory ?? context.machine.providers["libvirt"]?.memory ?? 1024,
            cpus: context.machine.providers["qemu"]?.cpus ?? context.machine.providers["libvirt"]?.cpus ?? 1,
            disk: diskPath(context), seed: context.seed, shares: context.shares, firmware: firmware, forwards: context.forwards,
            restrictNAT: restrict, natMAC: Self.mac(for: id, nic: 1), internalNetwork: context.internalNetwork,
            qmpSocket: runtime + "/qmp.sock", consoleLog: consolePath(context), pidFile: pidPath(context), extraArguments: extra)
        command.dataDisks = disks.data.map { ($0.file, DiskPlan.serial($0.name)) }
        command.images = disks.images.map(\.file)
        // vm-bootstrap images fetch their first-boot script from 10.0.2.100:80.
        if let script = setting(context, "bootstrap_script")?.string {
            let file = HostFiles.absolute((script as NSString).expandingTildeInPath, relativeTo: context.folder.projectRoot)
            guard HostFiles.kind(of: file) == .regular else {
                throw MachineError.bootstrapScriptMissing(file, machine: context.machine.name)
            }
            command.guestForwards.append((BootstrapServer.address, BootstrapServer.port, BootstrapServer.command(serving: file)))
        }
        return command
    }

    /// The disk's virtual size in bytes (`qemu-img info`).
    static func virtualSize(_ image: String) async throws(MachineError) -> Int64? {
        let info = try await Programs.run("qemu-img", ["info", "--output=json", "-U", image])
        guard info.succeeded, let data = info.output.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (object["virtual-size"] as? NSNumber)?.int64Value
    }

    /// Data disks made when first needed (also for disks added to the Vagrantfile later) and the
    /// primary disk grown to its `config.vm.disk` size, before QEMU opens them.
    func prepareDisks(_ context: MachineContext) async throws(MachineError) {
        let disks = try diskPlan(context)
        for data in disks.data where HostFiles.kind(of: data.file) == nil {
            let result = try await Programs.run("qemu-img", ["create", "-q", "-f", "qcow2", data.file, String(data.bytes)])
            guard result.succeeded else {
                throw MachineError.diskNotGrown(data.file, result.error.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            chmod(data.file, 0o600)
        }
        if let bytes = disks.primaryBytes, let current = try await Self.virtualSize(diskPath(context)), bytes > current {
            let result = try await Programs.run("qemu-img", ["resize", "-q", diskPath(context), String(bytes)])
            guard result.succeeded else {
                throw MachineError.diskNotGrown(diskPath(context), result.error.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
    }

    public func start(_ context: MachineContext) async throws(MachineError) {
        try await prepareDisks(context)
        let command = try commandLine(context)
        do {
            try home.prepareRuntime()
            try PrivateFiles.makeFolders(HostFiles.parent(of: command.qmpSocket))
        } catch {
            throw MachineError.passing(error, as: .io)
        }
        unlink(command.qmpSocket)
        unlink(stoppedMarker(context))
        // A socket left by this machine's last QEMU would stop the new one from binding it.
        if let socket = context.internalNetwork?.endpoint { unlink(socket) }
        MachineRecords.writeForwards(context)
        // -daemonize: QEMU returns once the machine runs (ports bound, disks open), or fails first.
        let result = try await Programs.run(command.binary, command.arguments)
        guard result.succeeded else {
            // It never ran: off, not crashed.
            try? context.folder.write("stopped", "")
            let message = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
            if message.contains("Could not set up host forwarding rule") {
                throw MachineError.qemuCouldNotForward(message)
            }
            throw MachineError.qemuDidNotStart(message)
        }
        context.folder.remove(Self.loadSnapshotFile)
        if let pid = runningPID(context) { ProcessPriority.normalize(pid) }
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        let socket = qmpSocket(context)
        guard let pid = runningPID(context) else {
            // No QEMU holds the pidfile; if something still answers on the control socket
            // (a pidfile removed by hand), ask it to quit rather than leave it running.
            if let socket { _ = try? await qmp(socket, "quit", timeout: 2) }
            return cleanRuntime(context)
        }
        try? context.folder.write("stopped", "")
        if !force, let socket {
            // A paused guest cannot handle the power button: let it run first.
            if (try? await qmp(socket, "query-status"))?["status"] == "paused" {
                _ = try? await qmp(socket, "cont")
            }
            if (try? await qmp(socket, "system_powerdown")) != nil {
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    if !isAlive(pid) { return cleanRuntime(context) }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        if let socket { _ = try? await qmp(socket, "quit", timeout: 2) }
        for _ in 0..<25 where isAlive(pid) { try? await Task.sleep(for: .milliseconds(100)) }
        if isAlive(pid), runningPID(context) == pid { kill(pid, SIGKILL) }
        for _ in 0..<50 where isAlive(pid) { try? await Task.sleep(for: .milliseconds(100)) }
        cleanRuntime(context)
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        guard let socket = qmpSocket(context), runningPID(context) != nil else {
            throw MachineError.machineNotRunning
        }
        try await qmp(socket, "stop")
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        guard let socket = qmpSocket(context), runningPID(context) != nil else {
            throw MachineError.machineNotRunning
        }
        try await qmp(socket, "cont")
    }

    /// One QMP command, on a thread of its own: the socket serves one client at a time, and a
    /// wait for it must not hold one of the few threads that run every machine's work. The
    /// reply's string fields (`query-status`'s `status`), which is all boxer reads of one.
    @discardableResult
    func qmp(_ socket: String, _ command: String, timeout: Double = 5) async throws(MachineError) -> [String: String] {
        let outcome = await onDedicatedThread { () throws(MachineError) -> [String: String] in
            let reply = try QMPClient(socketPath: socket, timeout: timeout).execute(command)
            return (reply as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        }
        return try outcome.get()
    }

    public func destroy(_ context: MachineContext) async throws(MachineError) {
        try await stop(context, force: true, timeout: 0)
        for file in ["disk.qcow2", "seed.iso", "efivars.fd", "console.log", "qemu.pid", "ports.json", "stopped"] {
            context.folder.remove(file)
        }
        // The data disks go with the machine, as Vagrant's do.
        for file in HostFiles.entries(of: context.folder.path) where file.hasPrefix("disk-") && file.hasSuffix(".qcow2") {
            context.folder.remove(file)
        }
        if let folder = context.folder.id.flatMap(runtimeFolder) { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Running (or paused) while a QEMU holds the machine's pidfile lock. Otherwise: QEMU removes
    /// its pidfile when it exits normally (guest power-off, `halt`), so a pidfile nobody holds
    /// means it died (killed, crashed): "aborted".
    public func state(_ context: MachineContext) async -> MachineState {
        // A QEMU that holds the pidfile runs the machine, whatever else is missing.
        let running = runningPID(context) != nil
        guard running || (context.folder.id != nil && HostFiles.kind(of: diskPath(context)) == .regular) else { return .notCreated }
        if running {
            if let socket = qmpSocket(context), (try? await qmp(socket, "query-status", timeout: 2))?["status"] == "paused" {
                return .paused
            }
            return .running
        }
        if HostFiles.exists(pidPath(context)) && !HostFiles.exists(stoppedMarker(context)) { return .aborted }
        return .poweroff
    }

    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? {
        MachineRecords.sshEndpoint(context)
    }

    public func forwardedPorts(_ context: MachineContext) -> [PortForward] {
        MachineRecords.forwards(context)
    }

    public func consoleTail(_ context: MachineContext, lines: Int) -> String {
        MachineRecords.tail(of: consolePath(context), lines: lines)
    }

    // MARK: Processes

    /// The machine's QEMU, when it runs: the process that holds the lock QEMU keeps on its
    /// pidfile for as long as it lives. A stale pidfile (a reboot, a recycled PID) names a
    /// process that holds no such lock, so it is never mistaken for the machine.
    func runningPID(_ context: MachineContext) -> pid_t? { runningPID(context.folder) }

    func runningPID(_ folder: MachineFolder) -> pid_t? {
        guard let text = folder.read("qemu.pid"), let pid = pid_t(text), pid > 0,
            HostFiles.lockHolder(of: folder.file("qemu.pid")) == pid
        else { return nil }
        return pid
    }

    func isAlive(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 { return errno == EPERM }
        #if os(Linux)
            // A zombie (exited, not yet reaped by its parent) is not running.
            if let stat = try? HostFiles.readText(at: "/proc/\(pid)/stat", limit: 4096),
                let close = stat.lastIndex(of: ")"), stat.index(close, offsetBy: 2) < stat.endIndex,
                stat[stat.index(close, offsetBy: 2)] == "Z"
            {
                return false
            }
        #endif
        return true
    }

    func cleanRuntime(_ context: MachineContext) {
        context.folder.remove("qemu.pid")
        if let folder = context.folder.id.flatMap(runtimeFolder) { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// A stable locally administered MAC per machine and NIC (52:54:00 is QEMU's prefix).
    public static func mac(for id: String, nic: Int) -> String {
        MachineFolder.mac(for: id, nic: nic)
    }
}
