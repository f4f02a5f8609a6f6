import BoxerSupport
import Foundation
import Machines
import Providers

/// Follows a file that QEMU appends to (the serial console) and traces each whole line.
final class ConsoleFollower: Sendable {
    private let path: String
    private let log: Output
    /// How far the file was read, and the start of a line not finished yet.
    private let state = Locked<(offset: UInt64, pending: Data)>((0, Data()))

    init(path: String, log: Output) {
        self.path = path
        self.log = log
    }

    /// Traces what was added since the last look.
    func poll(final: Bool = false) {
        state.withLock { state in
            guard let handle = FileHandle(forReadingAtPath: path) else { return }
            defer { try? handle.close() }
            try? handle.seek(toOffset: state.offset)
            let data = (try? handle.readToEnd()) ?? Data()
            state.offset += UInt64(data.count)
            state.pending.append(data)
            while let newline = state.pending.firstIndex(of: 10) {
                let line = String(decoding: state.pending[state.pending.startIndex..<newline], as: UTF8.self).trimmingCharacters(
                    in: .controlCharacters)
                log.trace("console: \(line)")
                state.pending.removeSubrange(state.pending.startIndex...newline)
            }
            if final, !state.pending.isEmpty {
                log.trace("console: \(String(decoding: state.pending, as: UTF8.self))")
                state.pending.removeAll()
            }
        }
    }

    /// Polls every 250 ms until cancelled.
    func follow() async {
        while !Task.isCancelled {
            poll()
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// The customization step: boots the image in QEMU (KVM, HVF or TCG, as the host allows) with a
/// NoCloud seed whose user-data creates the `vagrant` user with Vagrant's insecure key, runs the
/// template's provisioning over SSH as root, cleans the guest up for reuse (cloud-init state,
/// SSH host keys, machine-id, logs, free space trimmed) and powers it off. The seed is a plain
/// data disk, not a boot device, and the guest is never rebooted here, so there is no CD-ROM
/// boot loop to fall into.
public struct Customizer: Sendable {
    public var host: QEMUHost
    public var home: BoxerHome
    public var log: Output
    /// `restrict=on` for the NAT (tests; `$BOXER_QEMU_RESTRICT=1`). Real builds usually need the
    /// guest to reach its package mirrors.
    public var restrictNAT: Bool
    /// The template's `remote_folder`: where scripts are uploaded and run from.
    public var remoteFolder = BoxTemplate.defaultRemoteFolder
    public var bootTimeout: Double = 900
    public var powerOffTimeout: Double = 300

    public init(host: QEMUHost = QEMUHost(), home: BoxerHome, log: Output, restrictNAT: Bool) {
        self.host = host
        self.home = home
        self.log = log
        self.restrictNAT = restrictNAT
    }

    /// DHCP on whatever the NIC is called (eth0, ens3, enp0s2…): matched by name pattern, not by
    /// a MAC or a fixed name that the image may not have, and optional, so that neither
    /// cloud-init nor systemd-networkd-wait-online waits for a NIC that does not come.
    static let networkConfig = """
        version: 2
        ethernets:
          nics:
            match:
              name: "e*"
            dhcp4: true
            dhcp6: false
            optional: true

        """

    /// What the guest runs last, as root (shared with `boxer package --clean`).
    static let cleanup = GuestCleanup.script

    /// Boots `disk` and customizes it; `work` holds the seed, console log and QEMU's files.
    /// What did not go as planned in a customization that still succeeded.
    public struct Outcome: Sendable {
        public var problems: [String] = []
        /// What real Vagrant will need of the guest, asked before the cleanup.
        public var facts: GuestFacts?
        /// Nothing went wrong: the image may be kept for later builds.
        public var isClean: Bool { problems.isEmpty }
    }

    @discardableResult
    public func customize(
        disk: String, template: BoxTemplate, work: String, tools: [GuestTools] = [], installerISO: String? = nil
    ) async throws(BuildError) -> Outcome {
        let architecture = template.architecture.rawValue
        guard let binary = Programs.find(host.binary(for: architecture), environment: host.environment) else {
            throw BuildError.qemuMissing(
                host.binary(for: architecture), image: template.name, architecture: architecture, package: host.package(for: architecture))
        }
        let (accelerator, why) = host.accelerator(for: architecture, requested: host.environment["BOXER_QEMU_ACCEL"])
        var firmware = QEMUCommandLine.Firmware.bios
        if template.firmware == .efi {
            guard let uefi = host.uefiFirmware(for: architecture) else {
                throw BuildError.uefiFirmwareMissing(template.name, architecture: architecture)
            }
            let vars = work + "/efivars.fd"
            do {
                try? FileManager.default.removeItem(atPath: vars)
                try FileManager.default.copyItem(atPath: uefi.vars, toPath: vars)
            } catch {
                throw BuildError.cannotCopyUEFIVariables(to: vars, error.localizedDescription)
            }
            firmware = .uefi(code: uefi.code, vars: vars)
        }
        // An ISO build has no seed: the installer's answer file makes the user.
        var seed: String?
        if installerISO == nil {
            let file = work + "/seed.iso"
            do {
                try NoCloudSeed(
                    instanceID: "boxer-build-\(UUID().uuidString.prefix(8).lowercased())", hostname: template.osFamily,
                    user: "vagrant", authorizedKeys: [VagrantInsecureKey.publicKey], networkConfig: Self.networkConfig
                ).write(to: file)
            } catch {
                throw BuildError.passing(error.message, as: .io)
            }
            seed = file
        }
        let port = try Self.freePort()
        let pidFile = work + "/qemu.pid"
        let console = work + "/console.log"
        var command = QEMUCommandLine(
            binary: binary, guestArchitecture: architecture, accelerator: accelerator, name: "build-\(template.name)",
            memoryMiB: max(template.minimumMemoryMiB, 1024), cpus: max(template.minimumCPUs, 1), disk: disk, seed: seed, firmware: firmware,
            forwards: [PortForward(id: "ssh", hostIP: "127.0.0.1", host: port, guest: 22, proto: "tcp")],
            restrictNAT: restrictNAT, natMAC: "52:54:00:b0:0b:01", qmpSocket: work + "/qmp.sock", consoleLog: console, pidFile: pidFile)
        // The tools' ISOs as read-only disks after the system disk and the seed.
        for iso in tools.compactMap(\.iso) {
            command.extraArguments += ["-drive", "file=\(iso.replacingOccurrences(of: ",", with: ",,")),if=virtio,format=raw,readonly=on"]
        }
        let installer = try installerRun(template: template, iso: installerISO, work: work, command: &command)
        log.say("Booting \(template.name) in QEMU (\(accelerator.rawValue): \(why))")
        log.trace("run: \(([command.binary] + command.arguments).joined(separator: " "))")
        let started: Programs.Result
        do { started = try await Programs.run(command.binary, command.arguments) } catch {
            // The launcher may have been cancelled after its daemon was up.
            if let pid = Self.pid(pidFile) { Self.stop(pid) }
            throw BuildError.passing(error.message, as: .tool)
        }
        guard started.succeeded, let pid = Self.pid(pidFile) else {
            if let pid = Self.pid(pidFile) { Self.stop(pid) }
            try BuildError.checkCancellation("QEMU started")
            throw BuildError.qemuDidNotStart(started.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        ProcessPriority.normalize(pid)
        var poweredOff = false
        let follower = ConsoleFollower(path: console, log: log)
        let following = Task { await follower.follow() }
        defer {
            if !poweredOff { Self.stop(pid) }
            following.cancel()
            follower.poll(final: true)
        }

        let key: String
        do { key = try MachineKeys.insecurePrivateKey(home: home) } catch { throw BuildError.passing(error.message, as: .io) }
        let communicator = Communicator(
            endpoint: SSHEndpoint(host: "127.0.0.1", port: port), user: template.install?.sshUsername ?? "vagrant", identities: [key])
        // QEMU pauses a guest whose disk cannot grow (werror=enospc), which would leave the
        // build waiting on SSH for ever: the free space is watched while the guest runs.
        let outcome = Locked(Outcome())
        try await Self.watchingFreeSpace(of: work) { () async throws(BuildError) in
            try await installer?.run(pid: pid)
            do throws(BuildError) {
                try await session(
                    pid: pid, console: console, communicator: communicator, template: template, work: work, tools: tools, outcome: outcome)
            } catch {
                // What the installer logged, for a failure after the install (%post, /var/log/installer).
                if let install = template.install, error.kind != .interrupted {
                    await showInstallerLogs(install, communicator: communicator)
                }
                throw error
            }
        }
        poweredOff = true
        return outcome.current
    }

    /// Everything done with the running guest: SSH, provisioning, tools, cleanup, power-off.
    func session(
        pid: pid_t, console: String, communicator: Communicator, template: BoxTemplate, work: String, tools: [GuestTools],
        outcome: Locked<Outcome>
    ) async throws(BuildError) {
        let consoleTail: @Sendable () -> String = { Self.tail(console, lines: 20) }
        if template.install == nil {
            log.say("Waiting for SSH (the NoCloud seed creates the vagrant user)")
        } else {
            log.say("Waiting for SSH in the installed system (\(communicator.user), with Vagrant's insecure key from the answer file)")
        }
        do {
            try await communicator.waitUntilReady(
                timeout: template.install?.sshTimeout ?? bootTimeout, stillRunning: { kill(pid, 0) == 0 }, consoleTail: consoleTail)
        } catch {
            try BuildError.checkCancellation("the guest came up")
            throw BuildError.guestDidNotComeUp(error.message)
        }
        // cloud-init may still be at work (packages, users); provisioning waits for it.
        _ = try? await communicator.capture("command -v cloud-init >/dev/null 2>&1 && sudo cloud-init status --wait >/dev/null 2>&1; true")
        // The scripts' folder, the SSH user's to upload into (scp), its own to run from.
        let scripts = Communicator.quote(remoteFolder)
        let prepared = try? await communicator.capture(
            "sudo mkdir -p \(scripts) && sudo chown \"$(id -u)\" \(scripts) && sudo chmod 700 \(scripts)")
        guard prepared?.succeeded == true else {
            throw BuildError.guestRunFailed(
                "preparing remote_folder \(remoteFolder)", prepared.map { $0.error + $0.output } ?? "the command did not run")
        }

        let folder = HostFiles.parent(of: template.file)
        for (index, step) in template.provisioning.enumerated() {
            let number = index + 1
            let script: String
            let label: String
            switch step {
            case .shell(let text):
                script = text
                label = "shell step \(number)"
            case .script(let path):
                let file = HostFiles.absolute(path, relativeTo: folder)
                do { script = try HostFiles.readText(at: file, limit: 16 << 20) } catch {
                    throw BuildError.cannotReadScript(file, template: template.file, step: number)
                }
                label = "script \(path)"
            }
            try BuildError.checkCancellation("provisioning \(label)")
            log.say("Provisioning: \(label)")
            try await run(script, named: "step-\(number)", label: label, work: work, communicator: communicator)
        }
        for tool in tools {
            try BuildError.checkCancellation("the guest tools")
            log.say("Guest tools: \(tool.label)")
            // A box without its tools still works (without shared folders or clean shutdown
            // from the hypervisor's UI), so a failure here is a warning, not a failed build.
            do {
                try await run(
                    tool.script, named: "tools-\(tool.provider.rawValue)", label: "guest tools for \(tool.provider.rawValue)", work: work,
                    communicator: communicator)
            } catch  where error.kind == .guest {
                log.warn("The \(tool.provider.rawValue) box gets no guest tools: \(error.message)")
                outcome.withLock { $0.problems.append("the \(tool.provider.rawValue) guest tools failed") }
            }
        }
        if template.bootstrap {
            try BuildError.checkCancellation("the vm-bootstrap agent")
            log.say("Installing the vm-bootstrap agent (first boot: fetch and run \(BootstrapServer.url))")
            try await run(
                VMBootstrap.installScript, named: "vm-bootstrap", label: "vm-bootstrap agent", work: work, communicator: communicator)
        }
        if let probe = try? await communicator.capture(GuestFacts.probe), probe.succeeded, let facts = GuestFacts(probeOutput: probe.output)
        {
            outcome.withLock { $0.facts = facts }
        }
        try BuildError.checkCancellation("the cleanup")
        log.say("Cleaning up the guest for reuse and powering off")
        try await run(Self.cleanup, named: "cleanup", label: "cleanup", work: work, communicator: communicator)
        // Nothing of the build stays in the image.
        _ = try? await communicator.capture("sudo rm -rf \(Communicator.quote(remoteFolder))")
        try await powerOff(template: template, communicator: communicator, work: work)
        let powerOffTimeout = template.install?.shutdownTimeout ?? self.powerOffTimeout
        let deadline = Date().addingTimeInterval(powerOffTimeout)
        while kill(pid, 0) == 0, Date() < deadline, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(250)) }
        try BuildError.checkCancellation("the guest powered off")
        if kill(pid, 0) == 0 {
            Self.stop(pid)
            log.warn(
                "The guest did not power off within \(Int(powerOffTimeout)) s; QEMU was stopped by force (its disks were synced first).")
            outcome.withLock { $0.problems.append("the guest was stopped by force") }
        }
    }

    /// Runs `body` while a watchdog looks at the free space of the disk holding `folder` every
    /// second; below `minimum` the body is cancelled and the build fails, saying so.
    static func watchingFreeSpace(
        of folder: String, minimum: Int64 = 32 << 20, _ body: @escaping @Sendable () async throws(BuildError) -> Void
    ) async throws(BuildError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    while !Task.isCancelled {
                        if let free = try? DiskSpace.available(at: URL(fileURLWithPath: folder)), free < minimum {
                            throw BuildError.diskFullWhileCustomizing(folder, free: DiskSpace.format(free))
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                // The first to end decides: the guest's work, or the watchdog's error.
                try await group.next()
                group.cancelAll()
            }
        } catch let error as BuildError {
            throw error
        } catch {
            try BuildError.checkCancellation("the guest was done")
            throw BuildError.passing("\(error)", as: .io)
        }
    }

    /// Uploads and runs a script as root, its output in the log; a failure carries the status
    /// and the last lines.
    func run(_ script: String, named name: String, label: String, work: String, communicator: Communicator) async throws(BuildError) {
        let local = work + "/\(name).sh"
        guard FileManager.default.createFile(atPath: local, contents: Data(script.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw BuildError.cannotWriteScript(local)
        }
        let remote = remoteFolder + "/\(name).sh"
        let lines = LastLines()
        let log = self.log
        let status: Int32
        log.trace("run as root in the guest (\(remote)):\n\(script)")
        // A script with its own interpreter line is run as a program (bash, python…), else by sh.
        let quoted = Communicator.quote(remote)
        let command = script.hasPrefix("#!") ? "chmod 700 \(quoted) && sudo \(quoted)" : "sudo sh \(quoted)"
        do {
            try await communicator.upload(local, to: remote)
            status = try await communicator.run(command) { line, _ in
                lines.append(line)
                log.detail(line)
            }
        } catch {
            try BuildError.checkCancellation("\(label) ended")
            throw BuildError.guestRunFailed(label, error.message)
        }
        try BuildError.checkCancellation("\(label) ended")
        guard status == 0 else {
            throw BuildError.failedInGuest(label, status: status, lastLines: lines.text)
        }
    }

    static func freePort() throws(BuildError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BuildError.cannotCreateSocket() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BuildError.noFreePort() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func pid(_ file: String) -> pid_t? {
        (try? HostFiles.readText(at: file, limit: 64)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Ends the build's QEMU: SIGTERM, then SIGKILL after 10 s.
    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(100_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    static func tail(_ path: String, lines: Int) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(no console output)" }
        return String(decoding: data.suffix(32 << 10), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            .joined(separator: "\n")
    }
}

/// The last lines a guest printed (at most 20), for errors.
struct LastLines: Sendable {
    private let lines = Locked<[String]>([])

    func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > 20 { lines.removeFirst(lines.count - 20) }
        }
    }

    var text: String { lines.current.joined(separator: "\n") }
}
