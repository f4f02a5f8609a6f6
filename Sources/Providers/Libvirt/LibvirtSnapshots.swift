import CLibvirt
import Foundation
import Machines

/// Snapshots as libvirt keeps them: internal qcow2 snapshots of the machine's overlay and data
/// volumes, with the memory of a running machine (its read-only seed is left out, as libvirt
/// does by default). They live inside the volumes, so `destroy` removes them with the disks.
extension LibvirtProvider {
    /// The snapshot that the next `start` resumes from (a snapshot with memory of a machine that
    /// was off when it was restored), kept in the machine's folder as the QEMU provider does.
    static let revertOnStartFile = "libvirt_revert"

    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        let (host, id) = try created(context)
        return try await blocking { () throws(MachineError) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotCreated }
            return try domain.snapshots().map { Snapshot(name: $0.name, withMemory: $0.withMemory) }
        }
    }

    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let (host, id) = try created(context)
        try await blocking { () throws(MachineError) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotCreated }
            try domain.takeSnapshot(name)
        }
    }

    /// Into a running machine, a snapshot with memory is loaded in place (the machine runs on
    /// from it). A disk-only one stops the machine first; one with memory of a machine that is
    /// off is resumed from at the next `start`.
    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        let (host, id) = try created(context)
        let (running, withMemory) = try await blocking { () throws(MachineError) -> (Bool, Bool) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotCreated }
            guard let snapshot = try domain.snapshots().first(where: { $0.name == name }) else {
                throw MachineError.snapshotNotFound(name, machine: context.machine.name)
            }
            return (try domain.state().state == VIR_DOMAIN_RUNNING, snapshot.withMemory)
        }
        if running && withMemory {
            try await blocking { () throws(MachineError) in
                try self.connection(host).domain(uuid: id)?.revert(to: name, flags: 0)
            }
            return true
        }
        if running { try await stop(context, force: true, timeout: 0) }
        if withMemory {
            try context.folder.write(Self.revertOnStartFile, name)
            return false
        }
        try await blocking { () throws(MachineError) in
            try self.connection(host).domain(uuid: id)?.revert(to: name, flags: 0)
        }
        return false
    }

    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        let (host, id) = try created(context)
        try await blocking { () throws(MachineError) in
            guard let domain = try self.connection(host).domain(uuid: id) else { throw MachineError.machineNotCreated }
            guard try domain.snapshots().contains(where: { $0.name == name }) else {
                throw MachineError.snapshotNotFound(name, machine: context.machine.name)
            }
            try domain.deleteSnapshot(name)
        }
        if context.folder.read(Self.revertOnStartFile) == name { context.folder.remove(Self.revertOnStartFile) }
    }

    /// The machine's host and domain UUID, or "not created".
    func created(_ context: MachineContext) throws(MachineError) -> (LibvirtHost, String) {
        guard let host = recordedHost(context.folder), let id = context.folder.id else { throw MachineError.machineNotCreated }
        return (host, id)
    }
}

extension LibvirtDomain {
    struct SnapshotEntry {
        var name: String
        /// A snapshot of a running (or paused) machine holds its memory.
        var withMemory: Bool
        var created: Int
    }

    /// The domain's snapshots, oldest first: by creation time, and within one second parents
    /// before children (libvirt's topological order).
    func snapshots() throws(MachineError) -> [SnapshotEntry] {
        var list: UnsafeMutablePointer<virDomainSnapshotPtr?>?
        let count = api.virDomainListAllSnapshots(handle, &list, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL.rawValue)
        try connection.check(count, "list the snapshots of domain '\(name)'")
        guard let list else { return [] }
        defer { free(list) }
        var entries: [(order: Int, entry: SnapshotEntry)] = []
        for index in 0..<Int(count) {
            guard let snapshot = list[index] else { continue }
            defer { _ = api.virDomainSnapshotFree(snapshot) }
            guard let name = api.virDomainSnapshotGetName(snapshot).map({ String(cString: $0) }) else { continue }
            var xml = ""
            if let text = api.virDomainSnapshotGetXMLDesc(snapshot, 0) {
                xml = String(cString: text)
                free(text)
            }
            let state = Self.element("state", in: xml) ?? "shutoff"
            let created = Int(Self.element("creationTime", in: xml) ?? "") ?? 0
            entries.append((index, SnapshotEntry(name: name, withMemory: state == "running" || state == "paused", created: created)))
        }
        return entries.sorted { ($0.entry.created, $0.order) < ($1.entry.created, $1.order) }.map(\.entry)
    }

    /// The text of the first top-level `<tag>` of a snapshot's XML (libvirt writes the
    /// snapshot's own elements before the domain definition it embeds).
    static func element(_ tag: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(tag)>"), let end = xml.range(of: "</\(tag)>", range: start.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    func takeSnapshot(_ snapshotName: String) throws(MachineError) {
        let xml = "<domainsnapshot><name>\(XMLText.escape(snapshotName))</name></domainsnapshot>"
        guard let made = api.virDomainSnapshotCreateXML(handle, xml, 0) else {
            throw connection.failure("save the snapshot '\(snapshotName)' of domain '\(name)'")
        }
        _ = api.virDomainSnapshotFree(made)
    }

    func revert(to snapshotName: String, flags: UInt32) throws(MachineError) {
        let snapshot = try lookUpSnapshot(snapshotName)
        defer { _ = api.virDomainSnapshotFree(snapshot) }
        try connection.check(
            api.virDomainRevertToSnapshot(snapshot, flags), "restore the snapshot '\(snapshotName)' of domain '\(name)'")
    }

    func deleteSnapshot(_ snapshotName: String) throws(MachineError) {
        let snapshot = try lookUpSnapshot(snapshotName)
        defer { _ = api.virDomainSnapshotFree(snapshot) }
        try connection.check(api.virDomainSnapshotDelete(snapshot, 0), "delete the snapshot '\(snapshotName)' of domain '\(name)'")
    }

    private func lookUpSnapshot(_ snapshotName: String) throws(MachineError) -> virDomainSnapshotPtr {
        guard let snapshot = api.virDomainSnapshotLookupByName(handle, snapshotName, 0) else {
            throw connection.failure("find the snapshot '\(snapshotName)' of domain '\(name)'")
        }
        return snapshot
    }
}
