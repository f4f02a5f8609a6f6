import BoxerSupport
import Foundation
import Machines

/// Volume snapshots: qcow2's internal snapshots. A volume in a running node is snapshotted over
/// QMP while the guest runs; one that is not, with qemu-img. Reverting needs the image closed, so
/// a volume in a running node is unplugged, reverted and plugged again.
extension NodeService {
    public func snapshots(of name: String) async throws(NodeError) -> [VolumeSnapshotView] {
        let record = try volume(name)
        guard record.format == .qcow2 else { return [] }
        let result: Programs.Result
        do {
            result = try await Programs.run("qemu-img", ["info", "--output=json", "-U", volumes.image(record)])
        } catch { throw NodeError(.failed, "qemu-img: \(error)") }
        guard result.succeeded, let info = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
            throw NodeError(.failed, "qemu-img info \(volumes.image(record)) failed: \(result.error)")
        }
        let list = info["snapshots"] as? [[String: Any]] ?? []
        return list.compactMap { snapshot in
            guard let snapshotName = snapshot["name"] as? String else { return nil }
            let seconds = (snapshot["date-sec"] as? NSNumber)?.doubleValue
            return VolumeSnapshotView(
                id: snapshotName, name: snapshotName, volume: name, created: seconds.map { Date(timeIntervalSince1970: $0) })
        }
    }

    public func createSnapshot(of name: String, named given: String?) async throws(NodeError) -> VolumeSnapshotView {
        let snapshotName = given ?? "snapshot-" + Self.timestamp()
        if let problem = NodeName.problem(snapshotName) { throw NodeError(.badRequest, "Snapshot name: \(problem).") }
        let store = volumes
        try await store.locked { () throws(NodeError) in
            let record = try snapshottable(name)
            if try await snapshots(of: name).contains(where: { $0.name == snapshotName }) {
                throw NodeError(.conflict, "Volume \(name) has a snapshot \(snapshotName) already.")
            }
            if let (monitor, slot) = try await runningMonitor(for: record) {
                try monitor.snapshot(slot: slot, name: snapshotName)
            } else {
                try await qemuImg(["snapshot", "-c", snapshotName, store.image(record)])
            }
        }
        guard let made = try await snapshots(of: name).first(where: { $0.name == snapshotName }) else {
            throw NodeError(.failed, "Volume \(name): snapshot \(snapshotName) was made but is not listed.")
        }
        return made
    }

    public func deleteSnapshot(_ snapshotName: String, of name: String) async throws(NodeError) {
        let store = volumes
        try await store.locked { () throws(NodeError) in
            let record = try snapshottable(name)
            try await requireSnapshot(snapshotName, of: name)
            if let (monitor, slot) = try await runningMonitor(for: record) {
                try monitor.deleteSnapshot(slot: slot, name: snapshotName)
            } else {
                try await qemuImg(["snapshot", "-d", snapshotName, store.image(record)])
            }
        }
    }

    public func revertSnapshot(_ snapshotName: String, of name: String) async throws(NodeError) {
        let store = volumes
        try await store.locked { () throws(NodeError) in
            let record = try snapshottable(name)
            try await requireSnapshot(snapshotName, of: name)
            let running = try await runningMonitor(for: record)
            if let (monitor, slot) = running { try await monitor.unplug(slot: slot) }
            do throws(NodeError) {
                try await qemuImg(["snapshot", "-a", snapshotName, store.image(record)])
            } catch {
                if let (monitor, slot) = running { try? monitor.plug(record, path: store.image(record), slot: slot) }
                throw error
            }
            if let (monitor, slot) = running { try monitor.plug(record, path: store.image(record), slot: slot) }
        }
    }

    func snapshottable(_ name: String) throws(NodeError) -> VolumeRecord {
        let record = try volume(name)
        guard record.format == .qcow2 else {
            throw NodeError(.badRequest, "Volume \(name) is raw and raw volumes have no snapshots; create the volume with format qcow2.")
        }
        return record
    }

    func requireSnapshot(_ snapshotName: String, of name: String) async throws(NodeError) {
        guard try await snapshots(of: name).contains(where: { $0.name == snapshotName }) else {
            throw NodeError(.notFound, "Volume \(name) has no snapshot \(NodeName.quoted(snapshotName)).")
        }
    }

    /// The monitor of the running node the volume is plugged into, with its slot.
    func runningMonitor(for record: VolumeRecord) async throws(NodeError) -> (NodeMonitor, Int)? {
        guard let node = record.attachedTo, let slot = record.slot, let nodeRecord = try store.record(node),
            let monitor = try await monitor(of: nodeRecord)
        else { return nil }
        return (monitor, slot)
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
