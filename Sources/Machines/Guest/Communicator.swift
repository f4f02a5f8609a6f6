import BoxerSupport
import Foundation
import Vagrantfile

/// SSH into a machine through the OpenSSH client: key authentication only, host keys not
/// recorded (every machine makes new ones), the machine's own key first and Vagrant's insecure
/// key for boxes that have not had theirs replaced yet.
public struct Communicator: Sendable {
    public let endpoint: SSHEndpoint
    public let user: String
    /// Private key files to offer, in order.
    public let identities: [String]
    public let forwardAgent: Bool
    /// The Vagrantfile's `config.ssh` session settings.
    public var session = Session()

    /// `config.ssh` settings that shape every connection, with Vagrant's defaults where boxer
    /// has none of its own.
    public struct Session: Sendable, Equatable {
        /// `keys_only` (true): offer only the listed keys (IdentitiesOnly).
        public var keysOnly = true
        /// `connect_timeout` in seconds (boxer's 5 unless set; Vagrant's is 15).
        public var connectTimeout = 5
        /// `forward_env`: variables sent along (SendEnv).
        public var forwardEnvironment: [String] = []
        /// `pty` (false): commands run on a terminal (`ssh -tt`).
        public var pty = false
        /// `sudo_command` ("sudo -E -H %c"): how privileged commands are wrapped.
        public var sudoCommand = "sudo -E -H %c"
        /// A control socket shared by the connections (`rsync-auto`'s many short ones): the
        /// first opens it, the others reuse it, so each change costs no new SSH handshake.
        public var controlPath: String?

        public init() {}
    }

    public init(endpoint: SSHEndpoint, user: String, identities: [String], forwardAgent: Bool = false) {
        self.endpoint = endpoint
        self.user = user
        self.identities = identities
        self.forwardAgent = forwardAgent
    }

    /// The `-o` options every connection uses; `ssh-config` prints the same ones.
    public var options: [(String, String)] {
        var options = [("StrictHostKeyChecking", "no"), ("UserKnownHostsFile", "/dev/null")]
        if let proxy = endpoint.proxy { options.append(proxy.option) }
        if session.keysOnly { options.append(("IdentitiesOnly", "yes")) }
        options += [
            ("PasswordAuthentication", "no"), ("LogLevel", "FATAL"), ("ConnectTimeout", String(session.connectTimeout)),
            ("ServerAliveInterval", "10"), ("ServerAliveCountMax", "3"),
        ]
        for name in session.forwardEnvironment { options.append(("SendEnv", name)) }
        if let controlPath = session.controlPath {
            options += [("ControlMaster", "auto"), ("ControlPath", controlPath), ("ControlPersist", "60")]
        }
        return options
    }

    /// `command` as `sudo_command` wraps it (`%c` is the command).
    public func privileged(_ command: String) -> String {
        session.sudoCommand.contains("%c")
            ? session.sudoCommand.replacingOccurrences(of: "%c", with: command) : session.sudoCommand + " " + command
    }

    /// `ssh` arguments up to the destination; append `--` and a command, or nothing for a shell.
    public func sshArguments(tty: Bool = false, batch: Bool = true, extra: [String] = []) -> [String] {
        var arguments = ["-p", String(endpoint.port)]
        for (key, value) in options { arguments += ["-o", "\(key)=\(value)"] }
        if batch { arguments += ["-o", "BatchMode=yes"] }
        for identity in identities { arguments += ["-i", identity] }
        if forwardAgent { arguments.append("-A") }
        arguments.append(tty ? "-t" : "-T")
        arguments += extra
        arguments.append("\(user)@\(endpoint.host)")
        return arguments
    }

    /// Runs a command in the machine; each line of output goes to `line`. Returns its exit status
    /// (255: the connection failed).
    public func run(_ command: String, line: @escaping @Sendable (String, Bool) -> Void = { _, _ in }) async throws(MachineError) -> Int32 {
        // `pty`: on a terminal, as Vagrant runs commands with it (-tt: boxer's own stdin is none).
        try await Programs.stream(Self.ssh, sshArguments(extra: session.pty ? ["-tt"] : []) + [command], line: line)
    }

    /// Runs a command and collects its output. Exit status 255 is ssh's own (the connection
    /// failed, e.g. a guest that just booted restarting its SSH server, as cloud-init does); it
    /// is tried again a few times before it counts.
    public func capture(_ command: String) async throws(MachineError) -> Programs.Result {
        var result = try await Programs.run(Self.ssh, sshArguments() + [command])
        for _ in 0..<4 where result.status == 255 {
            try? await Task.sleep(for: .seconds(2))
            result = try await Programs.run(Self.ssh, sshArguments() + [command])
        }
        return result
    }

    /// Whether the machine answers and lets us in.
    public func isReady() async -> Bool {
        (try? await Programs.run(Self.ssh, sshArguments(extra: ["-o", "ConnectTimeout=3"]) + ["true"]).succeeded) ?? false
    }

    /// Waits until SSH lets us in, polling briskly at first (boot-to-SSH is what users wait
    /// for), then backing off; fails after `timeout` seconds with the console's last lines.
    /// Returns whether the first identity (the machine's own key) got in; when only another one
    /// did (Vagrant's insecure key), the caller replaces it.
    @discardableResult
    public func waitUntilReady(timeout: Double, stillRunning: @Sendable () async -> Bool, consoleTail: @Sendable () -> String)
        async throws(MachineError) -> Bool
    {
        var first = Communicator(endpoint: endpoint, user: user, identities: Array(identities.prefix(1)), forwardAgent: forwardAgent)
        first.session = session
        let deadline = Date().addingTimeInterval(timeout)
        // Each try through a proxy is an ssh process and a handshake with the hop: less often.
        var pause = endpoint.proxy == nil ? 0.1 : 1
        var attempts = 0
        while Date() < deadline, !Task.isCancelled {
            attempts += 1
            // Knock first, in process: an SSH server greets with "SSH-" before anything else. Only
            // then start the ssh client, a process per try that costs a slow (emulated) guest a
            // key exchange: with several machines booting on few cores that matters.
            // Through a proxy the address is the far host's own: there is nothing here to knock on.
            let answers = endpoint.proxy != nil ? true : await SSHBanner.present(at: endpoint, within: 0.3)
            if answers {
                if await first.isReady() { return true }
                if identities.count > 1, await isReady() {
                    // Unknocked (through a proxy), the first try may have found no server yet:
                    // the machine's own key is asked again before it is taken for refused.
                    if endpoint.proxy != nil, await first.isReady() { return true }
                    return false
                }
            }
            // Whether the machine still runs is asked about once a second, not on every knock.
            if attempts % (endpoint.proxy == nil ? 10 : 2) == 0, !(await stillRunning()) {
                throw MachineError.stoppedBeforeSSH(console: consoleTail())
            }
            try? await Task.sleep(for: .seconds(pause))
            if Date().timeIntervalSince(deadline.addingTimeInterval(-timeout)) > 20 { pause = min(pause * 1.5, 2) }
        }
        if Task.isCancelled { throw MachineError.sshWaitCancelled }
        throw MachineError.noSSHAnswer(host: endpoint.host, port: endpoint.port, timeout: Int(timeout), console: consoleTail())
    }

    /// Copies a file or folder into the machine with scp (SFTP mode, which needs only the
    /// guest's sftp-server).
    public func upload(_ local: String, to remote: String) async throws(MachineError) {
        var arguments = ["-P", String(endpoint.port), "-r", "-q"]
        for (key, value) in options { arguments += ["-o", "\(key)=\(value)"] }
        arguments += ["-o", "BatchMode=yes"]
        for identity in identities { arguments += ["-i", identity] }
        arguments += [local, "\(user)@\(endpoint.host):\(remote)"]
        var result = try await Programs.run(Self.scp, arguments)
        // 255: the connection dropped (a guest that just booted may restart its SSH server).
        for _ in 0..<3 where result.status == 255 {
            try? await Task.sleep(for: .seconds(2))
            result = try await Programs.run(Self.scp, arguments)
        }
        guard result.succeeded else {
            throw MachineError.cannotCopy(local, to: remote, result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    public static let ssh = Programs.find("ssh") ?? "ssh"
    static let scp = Programs.find("scp") ?? "scp"

    /// Runs a command in the machine and waits for it on the calling thread, for code that
    /// cannot await (a trigger's `ruby` block, on a thread of its own). nil: ssh did not start.
    public static func runBlocking(_ communicator: Communicator, _ command: String) -> TriggerMachineFacts.CommandResult? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ssh)
        process.arguments = communicator.sshArguments() + [command]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Both pipes drained side by side: a command that fills one must not stall on it.
        let errorData = CollectedData()
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { errorData.data = error.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return TriggerMachineFacts.CommandResult(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData.data, as: UTF8.self))
    }

    /// A single-quoted shell word.
    public static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The machine's own key pair and Vagrant's insecure one.
public enum MachineKeys {
    /// Makes the machine's ed25519 key (private_key, 0600, and private_key.pub) unless it exists.
    public static func ensure(in folder: MachineFolder) async throws(MachineError) -> String {
        let publicFile = folder.privateKey + ".pub"
        if let existing = try? HostFiles.readText(at: publicFile, limit: 64 << 10), HostFiles.exists(folder.privateKey) {
            try check(folder)
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            try PrivateFiles.makeFolders(folder.path)
        } catch {
            throw MachineError.passing(error, as: .io)
        }
        unlink(folder.privateKey)
        unlink(publicFile)
        let result = try await Programs.run(
            Programs.find("ssh-keygen") ?? "ssh-keygen",
            ["-q", "-t", "ed25519", "-N", "", "-C", "boxer-\(folder.machineName)", "-f", folder.privateKey])
        guard result.succeeded, let text = try? HostFiles.readText(at: publicFile, limit: 64 << 10) else {
            throw MachineError.keygenFailed(result.error)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fails at once, naming the file, when the machine's own private key is there but is not a
    /// key OpenSSH can use: otherwise every login is refused and `up` waits out the whole
    /// `boot_timeout` blaming SSH, and `ssh` says only "Permission denied".
    public static func check(_ folder: MachineFolder) throws(MachineError) {
        let path = folder.privateKey
        guard HostFiles.exists(path) else { return }
        let problem: String?
        do {
            problem = damage(in: try HostFiles.readText(at: path, limit: 64 << 10))
        } catch {
            problem = error.explanation
        }
        guard let problem else { return }
        throw MachineError.damagedPrivateKey(folder.machineName, path: path, problem: problem)
    }

    /// What is wrong with an OpenSSH private key's text, or nil when it looks whole: the
    /// armour, base64 inside, and the `openssh-key-v1` magic (PEM keys: armour and base64).
    static func damage(in text: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("PRIVATE KEY-----") }),
            let end = lines.lastIndex(where: { $0.hasPrefix("-----END ") && $0.hasSuffix("PRIVATE KEY-----") }), begin < end
        else {
            return "it is not a private key (no BEGIN/END PRIVATE KEY lines)"
        }
        guard let body = Data(base64Encoded: lines[(begin + 1)..<end].joined()), !body.isEmpty else {
            return "the key's base64 body is damaged"
        }
        if lines[begin].contains("OPENSSH"), !body.starts(with: Array("openssh-key-v1".utf8) + [0]) {
            return "the key's body is not an OpenSSH key"
        }
        return nil
    }

    /// `$BOXER_HOME/insecure_private_key`, written (0600) when missing.
    public static func insecurePrivateKey(home: BoxerHome) throws(MachineError) -> String {
        let path = home.path + "/insecure_private_key"
        if HostFiles.kind(of: path) == .regular { return path }
        do {
            try PrivateFiles.makeFolders(home.path)
            try PrivateFiles.writeAtomically(path, VagrantInsecureKey.privateKey + "\n")
        } catch {
            throw MachineError.passing(error, as: .io)
        }
        return path
    }
}

/// Whether an SSH server answers at an address: its greeting ("SSH-2.0-…") arrives within
/// the time given. With QEMU's user networking the TCP connect always succeeds at once; the
/// greeting comes only when the guest's server runs.
enum SSHBanner {
    static func present(at endpoint: SSHEndpoint, within seconds: Double) async -> Bool {
        await onDedicatedThread { () -> Bool in probe(endpoint, seconds) }.get()
    }

    static func probe(_ endpoint: SSHEndpoint, _ seconds: Double) -> Bool {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var wait = timeval()
        wait.tv_sec = Int(seconds)
        wait.tv_usec = .init((seconds - Double(Int(seconds))) * 1_000_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
        guard inet_pton(AF_INET, endpoint.host, &address.sin_addr) == 1 else { return true }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4)
        var received = 0
        while received < 4 {
            let offset = received
            let count = buffer.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress.map { $0 + offset }, 4 - offset) }
            guard count > 0 else { return false }
            received += count
        }
        return buffer == Array("SSH-".utf8)
    }
}

/// Bytes one thread reads while another waits for it to finish (a DispatchGroup orders them).
private final class CollectedData: @unchecked Sendable {
    var data = Data()
}
