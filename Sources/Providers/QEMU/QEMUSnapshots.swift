import BoxerSupport
import Foundation
import Machines

/// Snapshots as qcow2 keeps them, inside the machine's own disks (they go with `destroy`):
/// a running machine's through QEMU itself (`savevm`/`loadvm`/`delvm` over QMP: every disk and
/// the memory, so a restore carries on exactly where it was); a halted one's with
/// `qemu-img snapshot` on each disk. A halted machine restored to a snapshot with memory
/// starts from it (`-loadvm`).
extension QEMUProvider {
    /// The machine's qcow2 disks: its own, then its data disks.
    func snapshotDisks(_ context: MachineContext) -> [String] {
        let data = HostFiles.entries(of: context.folder.path).filter { $0.hasPrefix("disk-") && $0.hasSuffix(".qcow2") }.sorted()
        return [diskPath(context)] + data.map(context.folder.file)
    }

    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        // -U: the running QEMU holds the image; reading its snapshot table is safe.
        let listed = try await Programs.run("qemu-img", ["snapshot", "-l", "-U", diskPath(context)])
        guard listed.succeeded else {
            throw MachineError.qemuImgFailed("list the snapshots of \(context.machine.name)", listed.error)
        }
        return Self.parseSnapshots(listed.output)
    }

    /// `qemu-img snapshot -l`: a title, a header, then `ID TAG VM-SIZE(number unit) DATE TIME
    /// VM-CLOCK [ICOUNT]`; a VM size of 0 is a disk-only snapshot.
    static func parseSnapshots(_ output: String) -> [Snapshot] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count >= 6, Int(fields[0]) != nil, Double(fields[2]) != nil else { return nil }
            return Snapshot(name: fields[1], withMemory: Double(fields[2]) != 0)
        }
    }

    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        if let socket = qmpSocket(context), runningPID(context) != nil {
            try await humanMonitor(socket, "savevm \(name)", doing: "save the snapshot '\(name)' of \(context.machine.name)")
            return
        }
        var made: [String] = []
        for disk in snapshotDisks(context) {
            let result = try await Programs.run("qemu-img", ["snapshot", "-c", name, disk])
            guard result.succeeded else {
                // All disks or none: the ones done already lose it again.
                for done in made { _ = try? await Programs.run("qemu-img", ["snapshot", "-d", name, done]) }
                throw MachineError.qemuImgFailed("save the snapshot '\(name)' of \(context.machine.name)", result.error)
            }
            made.append(disk)
        }
    }

    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        guard let snapshot = try await snapshots(context).first(where: { $0.name == name }) else {
            throw MachineError.snapshotNotFound(name, machine: context.machine.name)
        }
        let running = runningPID(context) != nil
        if running, snapshot.withMemory, let socket = qmpSocket(context) {
            try await humanMonitor(socket, "loadvm \(name)", doing: "restore the snapshot '\(name)' of \(context.machine.name)")
            return true
        }
        if running { try await stop(context, force: true, timeout: 0) }
        if snapshot.withMemory {
            // Restored as QEMU starts, memory and disks together.
            try context.folder.write(Self.loadSnapshotFile, name)
            return false
        }
        for disk in snapshotDisks(context) {
            let result = try await Programs.run("qemu-img", ["snapshot", "-a", name, disk])
            guard result.succeeded else {
                throw MachineError.qemuImgFailed("restore the snapshot '\(name)' of \(context.machine.name)", result.error)
            }
        }
        return false
    }

    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        guard try await snapshots(context).contains(where: { $0.name == name }) else {
            throw MachineError.snapshotNotFound(name, machine: context.machine.name)
        }
        if let socket = qmpSocket(context), runningPID(context) != nil {
            try await humanMonitor(socket, "delvm \(name)", doing: "delete the snapshot '\(name)' of \(context.machine.name)")
            return
        }
        for disk in snapshotDisks(context) {
            let listed = try await Programs.run("qemu-img", ["snapshot", "-l", disk])
            guard Self.parseSnapshots(listed.output).contains(where: { $0.name == name }) else { continue }
            let result = try await Programs.run("qemu-img", ["snapshot", "-d", name, disk])
            guard result.succeeded else {
                throw MachineError.qemuImgFailed("delete the snapshot '\(name)' of \(context.machine.name)", result.error)
            }
        }
        if context.folder.read(Self.loadSnapshotFile) == name { context.folder.remove(Self.loadSnapshotFile) }
    }

    /// The snapshot the next start resumes from (`-loadvm`), kept in the machine's folder.
    static let loadSnapshotFile = "loadvm"

    /// One HMP command through QMP (`human-monitor-command`), on a thread of its own; HMP
    /// answers with text, which is empty when the command succeeded. Saving a guest's memory
    /// under TCG takes a while: up to 10 minutes.
    func humanMonitor(_ socket: String, _ line: String, doing what: String) async throws(MachineError) {
        let outcome = await onDedicatedThread { () throws(MachineError) -> String in
            let reply = try QMPClient(socketPath: socket, timeout: 600).execute("human-monitor-command", arguments: ["command-line": line])
            return (reply as? String) ?? ""
        }
        let said = try outcome.get().trimmingCharacters(in: .whitespacesAndNewlines)
        if !said.isEmpty { throw MachineError.qemuMonitorFailed(what, said) }
    }
}
