import BoxerSupport
import Foundation
import Machines

/// Volumes: created with qemu-img (preallocated, so their size is theirs), plugged into a running
/// node over QMP, and plugged again whenever the node they are attached to starts.
extension NodeService {
    public var volumes: VolumeStore { VolumeStore(home: home) }

    public func volumeView(_ record: VolumeRecord) -> VolumeView { VolumeView(record, path: volumes.image(record)) }

    func volume(_ name: String) throws(NodeError) -> VolumeRecord {
        guard let record = try volumes.record(name) else {
            throw NodeError(.notFound, "There is no volume \(NodeName.quoted(name)); GET /v1/volumes (or `boxer volume list`) lists them.")
        }
        return record
    }

    public func createVolume(_ request: VolumeCreateRequest) async throws(NodeError) -> VolumeRecord {
        if let problem = NodeName.problem(request.name) { throw NodeError(.badRequest, "Volume name: \(problem).") }
        guard (1...VolumeCreateRequest.maximumMiB).contains(request.sizeMiB) else {
            throw NodeError(.badRequest, "size_mib \(request.sizeMiB) is not between 1 and \(VolumeCreateRequest.maximumMiB).")
        }
        let store = volumes
        return try await store.locked { () throws(NodeError) -> VolumeRecord in
            let record = VolumeRecord(name: request.name, sizeMiB: request.sizeMiB, format: request.format, created: Date())
            guard try store.record(request.name) == nil else {
                throw NodeError(.conflict, "A volume named \(NodeName.quoted(request.name)) exists already.")
            }
            if let quota = volumeQuotaMiB {
                let used = store.list().reduce(0) { $0 + $1.sizeMiB }
                guard used + request.sizeMiB <= quota else {
                    throw NodeError(
                        .badRequest,
                        "A \(request.sizeMiB) MiB volume is over this server's volume quota: \(used) of \(quota) MiB are taken (boxer serve --volume-quota)."
                    )
                }
            }
            let needed = Int64(request.sizeMiB) << 20
            if let free = try? DiskSpace.available(at: URL(fileURLWithPath: store.folder)), free < needed + (256 << 20) {
                throw NodeError(
                    .badRequest,
                    "A \(request.sizeMiB) MiB volume does not fit: \(store.folder) has \(DiskSpace.format(free)) free (and keeps 256 MiB).")
            }
            let image = store.image(record)
            unlink(image)
            try await qemuImg(["create", "-q", "-f", record.format.rawValue, "-o", "preallocation=falloc", image, "\(request.sizeMiB)M"])
            chmod(image, 0o600)
            do throws(NodeError) { try store.save(record) } catch {
                unlink(image)
                throw error
            }
            return record
        }
    }

    public func attachVolume(_ name: String, to node: String) async throws(NodeError) -> VolumeRecord {
        let store = volumes
        return try await store.locked { () throws(NodeError) -> VolumeRecord in
            var record = try volume(name)
            if let current = record.attachedTo {
                throw NodeError(.conflict, "Volume \(name) is attached to node \(current); detach it first.")
            }
            let ticket = try hold(node, ready: true)
            defer { ticket.lock.unlock() }
            let taken = Set(store.list().filter { $0.attachedTo == node }.compactMap(\.slot))
            guard let slot = (1...NodeProject.hotplugSlots).first(where: { !taken.contains($0) }) else {
                throw NodeError(.conflict, "Node \(node) has \(NodeProject.hotplugSlots) volumes, as many as it takes; detach one first.")
            }
            if let monitor = try await monitor(of: ticket.record) { try monitor.plug(record, path: store.image(record), slot: slot) }
            record.attachedTo = node
            record.slot = slot
            try store.save(record)
            return record
        }
    }

    public func detachVolume(_ name: String) async throws(NodeError) -> VolumeRecord {
        let store = volumes
        return try await store.locked { () throws(NodeError) -> VolumeRecord in
            var record = try volume(name)
            guard let node = record.attachedTo, let slot = record.slot else {
                throw NodeError(.conflict, "Volume \(name) is not attached to a node.")
            }
            if let nodeRecord = try self.store.record(node) {
                let ticket = try hold(node, ready: false)
                defer { ticket.lock.unlock() }
                if let monitor = try await monitor(of: nodeRecord) { try await monitor.unplug(slot: slot) }
            }
            record.attachedTo = nil
            record.slot = nil
            try store.save(record)
            return record
        }
    }

    public func destroyVolume(_ name: String) async throws(NodeError) {
        let store = volumes
        try await store.locked { () throws(NodeError) in
            let record = try volume(name)
            if let node = record.attachedTo, try self.store.record(node) != nil {
                throw NodeError(.conflict, "Volume \(name) is attached to node \(node); detach it first.")
            }
            store.remove(record)
        }
    }

    /// Plugs the volumes attached to `node` into its QEMU, after the node has (re)started.
    func plugAttachedVolumes(of record: NodeRecord, output: Output) async {
        let store = volumes
        let attached = store.list().filter { $0.attachedTo == record.name && $0.slot != nil }
        guard !attached.isEmpty else { return }
        do throws(NodeError) {
            try await store.locked { () throws(NodeError) in
                guard let monitor = try await monitor(of: record) else { return }
                for volume in attached {
                    guard let slot = volume.slot else { continue }
                    output.targeting(record.name).say("Attaching volume \(volume.name)...")
                    try monitor.plug(volume, path: store.image(volume), slot: slot)
                }
            }
        } catch {
            output.targeting(record.name).warn("Its volumes could not all be attached: \(error.message)")
        }
    }

    /// A node that is destroyed lets go of its volumes (they stay, available).
    func releaseVolumes(of node: String) async {
        let store = volumes
        try? await store.locked { () throws(NodeError) in
            for var volume in store.list() where volume.attachedTo == node {
                volume.attachedTo = nil
                volume.slot = nil
                try? store.save(volume)
            }
        }
    }

    func qemuImg(_ arguments: [String]) async throws(NodeError) {
        let result: Programs.Result
        do { result = try await Programs.run("qemu-img", arguments) } catch { throw NodeError(.failed, "qemu-img: \(error)") }
        guard result.succeeded else {
            throw NodeError(
                .failed, "qemu-img \(arguments.first ?? "") failed: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
