import BoxerSupport
import Foundation
import Machines

/// The SSH connections that carry an environment network to its machines on remote libvirt
/// hosts: one multiplexed OpenSSH connection per environment and host (a ControlMaster), and
/// on it one forward per machine, from a unix socket in the switch's ports folder to the TCP
/// socket that machine's NIC2 listens on at the host's loopback. The switch connects to that
/// unix socket as it does to a local QEMU's, so nothing is made on the host: no bridge, no
/// VXLAN, no root. The connection goes when the environment's network does.
struct SSHTunnels: Sendable {
    /// Folder of the control sockets (the home's runtime folder: short paths).
    let folder: String

    /// `ssh-<environment>-<host>.ctl`, both as short hashes.
    func controlPath(network: String, proxy: SSHProxy) -> String {
        folder + "/ssh-" + Self.hash(network) + "-" + Self.hash(proxy.destination + "|" + (proxy.identity ?? "")) + ".ctl"
    }

    static func hash(_ text: String) -> String {
        let hex = String(StableHash.fnv1a(text), radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }

    /// The hop's own options: its port, user and key file.
    private func hopArguments(_ proxy: SSHProxy) -> [String] {
        var arguments: [String] = []
        if let port = proxy.port { arguments += ["-p", String(port)] }
        if let user = proxy.user { arguments += ["-l", user] }
        if let identity = proxy.identity { arguments += ["-i", identity] }
        return arguments
    }

    private func isUp(_ control: String, _ proxy: SSHProxy) async -> Bool {
        guard HostFiles.kind(of: control) != nil else { return false }
        let check = try? await Programs.run(Communicator.ssh, ["-S", control, "-O", "check"] + hopArguments(proxy) + [proxy.host])
        return check?.succeeded ?? false
    }

    /// Starts the environment's connection to the host unless it runs.
    func ensureConnection(network: String, proxy: SSHProxy) async throws(MachineError) {
        let control = controlPath(network: network, proxy: proxy)
        if await isUp(control, proxy) { return }
        unlink(control)
        do {
            try PrivateFiles.makeFolders(folder)
        } catch {
            throw MachineError.passing(error, as: .io)
        }
        let log = control + ".log"
        // -f: ssh goes to the background once it is logged in. Its output goes to a file, not to
        // a pipe that would stay open (and keep this call waiting) for as long as it runs.
        let arguments =
            [
                "-M", "-S", control, "-f", "-N", "-o", "ControlPersist=yes", "-o", "BatchMode=yes", "-o", "StreamLocalBindUnlink=yes",
                "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3", "-o", "ExitOnForwardFailure=no",
            ] + hopArguments(proxy) + [proxy.host]
        let result = try await Programs.run(
            "/bin/sh", ["-c", "log=$0; exec \"$@\" </dev/null >/dev/null 2>\"$log\"", log, Communicator.ssh] + arguments)
        guard result.succeeded, await isUp(control, proxy) else {
            let said = (try? HostFiles.readText(at: log, limit: 16 << 10))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            throw MachineError.sshTunnelFailed(proxy.destination, said: said)
        }
    }

    /// Forwards `listen` here (a unix socket's path, or `address:port`) to `port` on the host's
    /// loopback. A port already taken here fails, naming it.
    func forward(network: String, proxy: SSHProxy, listen: String, port: Int) async throws(MachineError) {
        try await ensureConnection(network: network, proxy: proxy)
        let control = controlPath(network: network, proxy: proxy)
        if listen.hasPrefix("/") { unlink(listen) }
        let result = try await Programs.run(
            Communicator.ssh, ["-S", control, "-O", "forward", "-L", "\(listen):127.0.0.1:\(port)"] + hopArguments(proxy) + [proxy.host])
        guard result.succeeded else {
            throw MachineError.sshTunnelFailed(proxy.destination, said: result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Ends a forward (the machine stopped): the switch stops reaching for it, the port here is free.
    func cancel(network: String, proxy: SSHProxy, listen: String, port: Int) async {
        let control = controlPath(network: network, proxy: proxy)
        guard HostFiles.kind(of: control) != nil else { return }
        _ = try? await Programs.run(
            Communicator.ssh, ["-S", control, "-O", "cancel", "-L", "\(listen):127.0.0.1:\(port)"] + hopArguments(proxy) + [proxy.host])
        if listen.hasPrefix("/") { unlink(listen) }
    }

    /// Ends every connection of the environment (its network is removed).
    func closeAll(network: String) async {
        let prefix = "ssh-" + Self.hash(network) + "-"
        for name in HostFiles.entries(of: folder) where name.hasPrefix(prefix) {
            let path = folder + "/" + name
            if name.hasSuffix(".ctl") {
                // Any destination does: the master answers on its socket whatever host is named.
                _ = try? await Programs.run(Communicator.ssh, ["-S", path, "-O", "exit", "boxer-host"])
            }
            unlink(path)
        }
    }

    /// The last lines of a file on the host (a console log), for an error message: the user's
    /// own ssh to the host, given a few seconds.
    static func remoteTail(_ proxy: SSHProxy, path: String, lines: Int) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Communicator.ssh)
        var arguments = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]
        if let port = proxy.port { arguments += ["-p", String(port)] }
        if let user = proxy.user { arguments += ["-l", user] }
        if let identity = proxy.identity { arguments += ["-i", identity] }
        process.arguments = arguments + [proxy.host, "tail -n \(lines) " + Communicator.quote(path)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "(no console output)" }
        let timer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let text = String(decoding: data, as: UTF8.self)
        return text.isEmpty ? "(no console output)" : MachineRecords.lastLines(of: text, lines: lines)
    }
}
