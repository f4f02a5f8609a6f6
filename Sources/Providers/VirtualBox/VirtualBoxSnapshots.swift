import BoxerSupport
import Foundation
import Machines

/// Snapshots with the calls Vagrant's VirtualBox provider makes: `snapshot take` (`--live`
/// while the machine runs), `restore` with the machine powered off first (a live snapshot
/// comes back saved, and the next start resumes it), `delete`, `list --machinereadable`.
extension VirtualBoxProvider {
    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        guard let id = context.folder.id else { return [] }
        guard let result = try await vboxmanage().run(["snapshot", id, "list", "--machinereadable"], timeout: 60) else { return [] }
        // VBoxManage fails a list of none ("does not have any snapshots").
        guard result.succeeded else { return [] }
        return Self.parseMachineReadable(result.output).filter { $0.key == "SnapshotName" || $0.key.hasPrefix("SnapshotName-") }
            .sorted { Self.snapshotOrder($0.key).lexicographicallyPrecedes(Self.snapshotOrder($1.key)) }.map {
                Snapshot(name: $0.value, withMemory: false)
            }
    }

    /// `SnapshotName` is the first, `SnapshotName-1`, `SnapshotName-1-1`, ... the ones after it.
    static func snapshotOrder(_ key: String) -> [Int] {
        key.split(separator: "-").dropFirst().compactMap { Int($0) }
    }

    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let live = await state(context) == .running
        try await tool.check(
            ["snapshot", id, "take", name] + (live ? ["--live"] : []), doing: "save the snapshot '\(name)' of \(context.machine.name)")
    }

    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        if [.running, .paused].contains(await state(context)) {
            try await tool.check(["controlvm", id, "poweroff"], doing: "power off \(context.machine.name) to restore a snapshot")
        }
        try await tool.check(["snapshot", id, "restore", name], doing: "restore the snapshot '\(name)' of \(context.machine.name)")
        return false
    }

    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await tool.check(["snapshot", id, "delete", name], doing: "delete the snapshot '\(name)' of \(context.machine.name)")
    }
}
