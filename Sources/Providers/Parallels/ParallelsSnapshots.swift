import BoxerSupport
import Foundation
import Machines

/// Snapshots with prlctl, as vagrant-parallels takes them: `snapshot --name`, `snapshot-switch
/// --id` (the machine stopped first), `snapshot-delete --id`, `snapshot-list --json` (names
/// are looked up to the ids prlctl works with).
extension ParallelsProvider {
    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        try await snapshotIDs(context).map { Snapshot(name: $0.name, withMemory: false) }
    }

    /// Each snapshot's id and name, oldest first (by the `date` prlctl gives each).
    func snapshotIDs(_ context: MachineContext) async throws(MachineError) -> [(id: String, name: String)] {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { return [] }
        let listed = try await prlctl.check(["snapshot-list", id, "--json"], doing: "list the snapshots of \(context.machine.name)")
        guard let object = try? JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any] else { return [] }
        let entries: [(id: String, name: String, date: String)] = object.compactMap { key, value in
            guard let fields = value as? [String: Any], let name = fields["name"] as? String else { return nil }
            return (key, name, fields["date"] as? String ?? "")
        }
        return entries.sorted { ($0.date, $0.id) < ($1.date, $1.id) }.map { ($0.id, $0.name) }
    }

    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await prlctl.check(["snapshot", id, "--name", name], doing: "save the snapshot '\(name)' of \(context.machine.name)")
    }

    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        guard let snapshot = try await snapshotIDs(context).first(where: { $0.name == name }) else {
            throw MachineError.snapshotNotFound(name, machine: context.machine.name)
        }
        if await state(context) == .running { try await stop(context, force: true, timeout: 0) }
        try await prlctl.check(
            ["snapshot-switch", id, "--id", snapshot.id], doing: "restore the snapshot '\(name)' of \(context.machine.name)")
        return false
    }

    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        guard let snapshot = try await snapshotIDs(context).first(where: { $0.name == name }) else {
            throw MachineError.snapshotNotFound(name, machine: context.machine.name)
        }
        try await prlctl.check(
            ["snapshot-delete", id, "--id", snapshot.id], doing: "delete the snapshot '\(name)' of \(context.machine.name)")
    }
}
